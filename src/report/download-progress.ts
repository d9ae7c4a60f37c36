/**
 * How a dataset download shows (data/download.ts calls these): on a terminal a cli-progress
 * bar on stderr with the bytes, the speed and the ETA, cleared when the file is done; in a
 * pipe or CI log plain lines on stderr: one when a file starts, one every 10 s while it
 * arrives, one when it is verified. stdout is left to the command's own output.
 */
import cliProgress from 'cli-progress';
import chalk from 'chalk';
import { bytesText, type DownloadProgress } from '../data/download.js';
import { isInteractive } from './color.js';
import { duration } from './format.js';
import type { Output } from './reporter.js';

/** The reporter for this process: a bar when stderr is an interactive terminal, lines otherwise; `quiet` keeps only the notes. */
export function downloadProgress(output: Output, opts: { quiet?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): DownloadProgress {
  if (!opts.quiet && isInteractive(env, process.stderr)) return new TtyDownloadProgress(output);
  return new PlainDownloadProgress(output, opts.quiet === true);
}

/** "4.5 MB/s" from bytes and milliseconds ("-" before any time has passed). */
export function rateText(bytes: number, ms: number): string {
  return ms > 0 ? `${bytesText((bytes * 1000) / ms)}/s` : '-';
}

abstract class Transfer implements DownloadProgress {
  protected label = '';
  protected total: number | undefined;
  protected from = 0;
  protected received = 0;
  protected startedAt = 0;

  constructor(protected readonly output: Output) {}

  start(label: string, url: string, total: number | undefined, from: number): void {
    Object.assign(this, { label, total, from, received: from, startedAt: performance.now() });
    this.started(url);
  }

  advance(received: number): void {
    this.received = received;
  }

  abstract stop(): void;
  abstract note(line: string): void;
  protected abstract started(url: string): void;

  done(label: string, bytes: number, ms: number, checks: string): void {
    this.note(`bp-train: ${label}: ${bytesText(bytes)} in ${(ms / 1000).toFixed(1)} s (${rateText(bytes, ms)}), ${checks} verified`);
  }

  /** Bytes per second of this transfer (the resumed bytes do not count). */
  protected perSecond(): number {
    const ms = performance.now() - this.startedAt;
    return ms > 0 ? ((this.received - this.from) * 1000) / ms : NaN;
  }

  protected sizeText(): string {
    return this.total === undefined ? bytesText(this.received) : `${bytesText(this.received)} of ${bytesText(this.total)}`;
  }
}

export class TtyDownloadProgress extends Transfer {
  private bar: cliProgress.SingleBar | null = null;

  protected started(): void {
    this.stop();
    this.bar = new cliProgress.SingleBar(
      {
        format: `{label} ${chalk.cyan('{bar}')} {size} | {speed} | ETA {left}`,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        stream: process.stderr,
        // the bar takes what the label and the figures (about 45 columns) leave of the line
        barsize: Math.max(10, Math.min(40, (process.stderr.columns || 80) - this.label.length - 46)),
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.total ?? 0, this.received, this.payload());
  }

  override advance(received: number): void {
    super.advance(received);
    this.bar?.update(received, this.payload());
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }

  note(line: string): void {
    const bar = this.bar;
    if (bar === null) {
      this.output.err(line);
      return;
    }
    bar.stop();
    this.output.err(line);
    this.bar = null;
    this.started();
  }

  private payload(): Record<string, string> {
    const speed = this.perSecond();
    const left = this.total === undefined ? NaN : (this.total - this.received) / speed;
    return { label: this.label, size: this.sizeText(), speed: Number.isFinite(speed) ? `${bytesText(speed)}/s` : '-', left: duration(left) };
  }
}

export class PlainDownloadProgress extends Transfer {
  private lastLine = 0;

  constructor(
    output: Output,
    private readonly quiet = false,
    private readonly everyMs = 10_000,
  ) {
    super(output);
  }

  protected started(url: string): void {
    this.lastLine = performance.now();
    if (this.quiet) return;
    const size = this.total === undefined ? '' : ` (${bytesText(this.total)})`;
    const resumed = this.from > 0 ? `, resuming at ${bytesText(this.from)}` : '';
    this.output.err(`bp-train: downloading ${this.label}${size} from ${url}${resumed}`);
  }

  override advance(received: number): void {
    super.advance(received);
    if (this.quiet || performance.now() - this.lastLine < this.everyMs) return;
    this.lastLine = performance.now();
    const share = this.total === undefined ? '' : ` (${Math.floor((100 * received) / this.total)}%)`;
    const speed = this.perSecond();
    this.output.err(`bp-train: ${this.label}: ${this.sizeText()}${share}, ${Number.isFinite(speed) ? `${bytesText(speed)}/s` : '-'}`);
  }

  stop(): void {}

  override done(label: string, bytes: number, ms: number, checks: string): void {
    if (!this.quiet) super.done(label, bytes, ms, checks);
  }

  note(line: string): void {
    this.output.err(line);
  }
}
