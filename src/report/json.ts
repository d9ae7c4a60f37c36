/**
 * JSON lines on stdout, one object per event (start, epoch, diverged, interrupted, summary);
 * progress events are left out. Human text goes to stderr so stdout stays parseable.
 * NaN and infinities are written as null (JSON has no such numbers).
 */
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import type { Output, Reporter } from './reporter.js';

export class JsonReporter implements Reporter {
  constructor(private readonly output: Output) {}

  event(e: TrainEvent): void {
    if (e.event !== 'progress') this.output.out(JSON.stringify(e));
  }

  summary(s: Summary): void {
    this.output.out(JSON.stringify(s));
  }

  note(line: string): void {
    this.output.err(line);
  }

  close(): void {}
}
