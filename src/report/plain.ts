/**
 * Plain lines for CI logs and pipes: no bar, no carriage return, and on long epochs a
 * progress line at most every `progressEveryMs` (10 s by default), with the speed and ETAs of
 * the last second of training (rate-window.ts). With `quiet`, only the summary is printed.
 */
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { duration, epochLine, speedText, startLine, summaryLines, thousands } from './format.js';
import { RateWindow } from './rate-window.js';
import type { Output, Reporter } from './reporter.js';

export class PlainReporter implements Reporter {
  private totalEpochs = 1;
  private lastLine = performance.now();
  private readonly rate = new RateWindow();

  constructor(
    private readonly output: Output,
    private readonly quiet = false,
    private readonly progressEveryMs = 10_000,
  ) {}

  event(e: TrainEvent): void {
    if (e.event === 'start') {
      this.totalEpochs = Math.ceil(e.iterations / e.itersPerEpoch);
      this.rate.reset(0, e.startIteration);
    }
    if (this.quiet) return;
    switch (e.event) {
      case 'start':
        this.line(startLine(e));
        break;
      case 'progress': {
        this.rate.add(e.trainMs, e.iteration);
        if (performance.now() - this.lastLine >= this.progressEveryMs) {
          const epochTotal = Math.min(e.itersPerEpoch, e.iterations - (e.epoch - 1) * e.itersPerEpoch);
          this.line(
            `  iteration ${thousands(e.iteration)}/${thousands(e.iterations)} ` +
              `(epoch ${e.epoch}, ${e.epochIteration}/${e.itersPerEpoch}), loss ${e.loss.toFixed(4)}, ` +
              `${speedText(this.rate.perSecond())} it/s, epoch ETA ${duration(this.rate.secondsFor(epochTotal - e.epochIteration))}, ` +
              `run ETA ${duration(this.rate.secondsFor(e.iterations - e.iteration))}`,
          );
        }
        break;
      }
      case 'epoch':
        this.line(epochLine(e, this.totalEpochs));
        break;
      case 'diverged':
      case 'interrupted':
        break; // the command prints these as errors / notes
    }
  }

  summary(s: Summary): void {
    for (const line of summaryLines(s)) this.output.out(line);
  }

  note(line: string): void {
    this.output.err(line);
  }

  close(): void {}

  private line(text: string): void {
    this.output.out(text);
    this.lastLine = performance.now();
  }
}
