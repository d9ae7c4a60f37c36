/**
 * Plain lines for CI logs and pipes: no bar, no carriage return, and on long epochs a
 * progress line at most every `progressEveryMs` (10 s by default). With `quiet`, only the
 * summary is printed.
 */
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { epochLine, startLine, summaryLines, thousands } from './format.js';
import type { Output, Reporter } from './reporter.js';

export class PlainReporter implements Reporter {
  private totalEpochs = 1;
  private lastLine = performance.now();

  constructor(
    private readonly output: Output,
    private readonly quiet = false,
    private readonly progressEveryMs = 10_000,
  ) {}

  event(e: TrainEvent): void {
    if (e.event === 'start') this.totalEpochs = Math.ceil(e.iterations / e.itersPerEpoch);
    if (this.quiet) return;
    switch (e.event) {
      case 'start':
        this.line(startLine(e));
        break;
      case 'progress':
        if (performance.now() - this.lastLine >= this.progressEveryMs) {
          this.line(
            `  iteration ${thousands(e.iteration)}/${thousands(e.iterations)} ` +
              `(epoch ${e.epoch}, ${e.epochIteration}/${e.itersPerEpoch}), loss ${e.loss.toFixed(4)}`,
          );
        }
        break;
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
