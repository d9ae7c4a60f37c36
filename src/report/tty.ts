/**
 * The terminal reporter: a cli-progress bar over the iterations of the current epoch (loss,
 * speed, ETA), coloured epoch lines printed above it. The bar is drawn on stderr; it is
 * cleared before each epoch line and started again for the next epoch. The speed and ETAs are
 * those of the last second of training (rate-window.ts).
 */
import cliProgress from 'cli-progress';
import chalk from 'chalk';
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { acc, duration, epochLine, speedText, startLine, summaryLines } from './format.js';
import { RateWindow } from './rate-window.js';
import { sparkline } from './sparkline.js';
import type { Output, Reporter } from './reporter.js';

export class TtyReporter implements Reporter {
  private bar: cliProgress.SingleBar | null = null;
  /** The epoch the bar shows. */
  private barEpoch = 0;
  private totalEpochs = 1;
  private readonly rate = new RateWindow();
  private readonly testAccs: number[] = [];

  constructor(private readonly output: Output) {}

  event(e: TrainEvent): void {
    switch (e.event) {
      case 'start':
        this.totalEpochs = Math.ceil(e.iterations / e.itersPerEpoch);
        this.rate.reset(0, e.startIteration);
        this.output.out(startLine(e));
        break;
      case 'progress': {
        const total = Math.min(e.itersPerEpoch, e.iterations - (e.epoch - 1) * e.itersPerEpoch);
        this.rate.add(e.trainMs, e.iteration);
        const payload = {
          epoch: `${e.epoch}/${this.totalEpochs}`,
          loss: e.loss.toFixed(4),
          speed: speedText(this.rate.perSecond()),
          // our own estimates: cli-progress's ETA counts from the bar's start, i.e. the epoch's
          epochEta: duration(this.rate.secondsFor(total - e.epochIteration)),
          runEta: duration(this.rate.secondsFor(e.iterations - e.iteration)),
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
          // The next epoch's progress can come before the last epoch's line (events.ts).
          if (e.epoch !== this.barEpoch) this.bar.setTotal(total);
          this.bar.update(e.epochIteration, payload);
        }
        this.barEpoch = e.epoch;
        break;
      }
      case 'epoch':
        this.stopBar();
        this.output.out(epochLine(e, this.totalEpochs));
        this.testAccs.push(e.testAcc);
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
