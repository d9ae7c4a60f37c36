/**
 * Progress of many training runs at once (compare, search). Two views:
 * - on a terminal, a cli-progress MultiBar on stderr with one bar per running run (its label,
 *   iterations and loss); a run's bar goes when it ends, and lines are printed above the bars;
 * - elsewhere (CI logs, pipes), plain lines: the lines the command prints, and at most every
 *   `progressEveryMs` (10 s) one line with the iteration each running run has reached.
 * Either way the command decides what the lines say and in which order.
 */
import cliProgress from 'cli-progress';
import chalk from 'chalk';
import { thousands } from './format.js';
import type { Output } from './reporter.js';

export interface RunsView {
  started(index: number, label: string, iterations: number): void;
  progress(index: number, iteration: number, iterations: number, loss: number): void;
  /** The run ended: its bar (or its place in the progress line) goes. */
  ended(index: number): void;
  /** A line for the log (above the bars on a terminal). */
  line(text: string): void;
  /** A line for a human on stderr, whatever the view (above the bars on a terminal). */
  note(text: string): void;
  close(): void;
}

const toStderr = (text: string): void => void process.stderr.write(`${text}\n`);

/** No progress at all (--quiet, --json); notes still go to stderr. */
export const silentView: RunsView = { started() {}, progress() {}, ended() {}, line() {}, note: toStderr, close() {} };

export class TtyRunsView implements RunsView {
  private readonly bars = new Map<number, cliProgress.SingleBar>();
  private readonly multibar: cliProgress.MultiBar;

  constructor(
    private readonly labelWidth: number,
    stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.multibar = new cliProgress.MultiBar(
      {
        format: `{label} ${chalk.cyan('{bar}')} {value}/{total} | loss {loss}`,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        barsize: 24,
        stream,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  started(index: number, label: string, iterations: number): void {
    this.bars.set(index, this.multibar.create(iterations, 0, { label: label.padEnd(this.labelWidth), loss: '-' }));
  }

  progress(index: number, iteration: number, _iterations: number, loss: number): void {
    this.bars.get(index)?.update(iteration, { loss: loss.toFixed(4) });
  }

  ended(index: number): void {
    const bar = this.bars.get(index);
    if (bar === undefined) return;
    this.bars.delete(index);
    // The last bar: stop the whole display (it clears its lines; a later run starts it again).
    // NOTE: MultiBar.remove() of the last bar leaves that bar's line on the screen.
    if (this.bars.size === 0) this.multibar.stop();
    else this.multibar.remove(bar);
  }

  line(text: string): void {
    if (this.bars.size === 0) {
      toStderr(text);
      return;
    }
    // Logged lines are written at the next redraw: redraw now, so they keep their order.
    this.multibar.log(`${text}\n`);
    this.multibar.update();
  }

  note(text: string): void {
    this.line(text);
  }

  close(): void {
    this.multibar.stop();
  }
}

export class PlainRunsView implements RunsView {
  private readonly running = new Map<number, { label: string; iteration: number; iterations: number }>();
  private last = performance.now();

  constructor(
    private readonly output: Output,
    private readonly progressEveryMs = 10_000,
  ) {}

  started(index: number, label: string, iterations: number): void {
    this.running.set(index, { label, iteration: 0, iterations });
  }

  progress(index: number, iteration: number): void {
    const run = this.running.get(index);
    if (run !== undefined) run.iteration = iteration;
    if (performance.now() - this.last < this.progressEveryMs || this.running.size === 0) return;
    const parts = [...this.running.entries()].sort(([a], [b]) => a - b).map(([, r]) => `${r.label} ${thousands(r.iteration)}/${thousands(r.iterations)}`);
    this.line(`  running: ${parts.join(', ')}`);
  }

  ended(index: number): void {
    this.running.delete(index);
  }

  line(text: string): void {
    this.output.out(text);
    this.last = performance.now();
  }

  note(text: string): void {
    this.output.err(text);
  }

  close(): void {}
}
