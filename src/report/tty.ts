/**
 * The terminal reporter: a cli-progress bar over the iterations of the current epoch (loss,
 * speed, ETA), coloured epoch lines printed above it. The bar is drawn on stderr; it is
 * cleared before each epoch line and started again for the next epoch.
 */
import cliProgress from 'cli-progress';
import chalk from 'chalk';
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { acc, epochLine, startLine, summaryLines } from './format.js';
import { sparkline } from './sparkline.js';
import type { Output, Reporter } from './reporter.js';

export class TtyReporter implements Reporter {
  private bar: cliProgress.SingleBar | null = null;
  private totalEpochs = 1;
  private epochStartMs = 0;
  private epochStartIteration = 0;
  private readonly testAccs: number[] = [];

  constructor(private readonly output: Output) {}

  event(e: TrainEvent): void {
    switch (e.event) {
      case 'start':
        this.totalEpochs = Math.ceil(e.iterations / e.itersPerEpoch);
        this.epochStartMs = performance.now();
        this.epochStartIteration = e.startIteration;
        this.output.out(startLine(e));
        break;
      case 'progress': {
        const total = Math.min(e.itersPerEpoch, e.iterations - (e.epoch - 1) * e.itersPerEpoch);
        const done = e.iteration - this.epochStartIteration;
        const speed = done / Math.max(1e-3, (performance.now() - this.epochStartMs) / 1000);
        const payload = {
          epoch: `${e.epoch}/${this.totalEpochs}`,
          loss: e.loss.toFixed(4),
          speed: speed.toFixed(0),
          // our own estimates: cli-progress's ETA is noisy at the start of each epoch
          epochEta: duration((total - e.epochIteration) / speed),
          runEta: duration((e.iterations - e.iteration) / speed),
        };
        if (this.bar === null) {
          this.bar = new cliProgress.SingleBar(
            {
              format: `epoch {epoch} ${chalk.cyan('{bar}')} {value}/{total} | loss {loss} | {speed} it/s | epoch ETA {epochEta}, run ETA {runEta}`,
              hideCursor: true,
              clearOnComplete: true,
              stopOnComplete: false,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(total, e.epochIteration, payload);
        } else {
          this.bar.update(e.epochIteration, payload);
        }
        break;
      }
      case 'epoch':
        this.stopBar();
        this.output.out(epochLine(e, this.totalEpochs));
        this.testAccs.push(e.testAcc);
        this.epochStartMs = performance.now();
        this.epochStartIteration = e.iteration;
        break;
      case 'diverged':
      case 'interrupted':
        this.stopBar();
        break;
    }
  }

  summary(s: Summary): void {
    this.stopBar();
    for (const line of summaryLines(s)) this.output.out(line);
    if (this.testAccs.length > 1) {
      const first = this.testAccs[0];
      const last = this.testAccs[this.testAccs.length - 1];
      this.output.out(`test accuracy per epoch ${acc(first)} ${chalk.green(sparkline(this.testAccs))} ${acc(last)}`);
    }
  }

  note(line: string): void {
    this.stopBar();
    this.output.err(line);
  }

  close(): void {
    this.stopBar();
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** 75 -> "1m15s", 9.4 -> "9s" (training steps only: evaluations add to it). */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
