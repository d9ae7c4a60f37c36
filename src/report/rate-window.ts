/**
 * The training speed over a recent window, for the progress bar and the plain progress lines:
 * iterations per second from (time, iteration) samples of the last `spanMs`, and the time the
 * rest of an epoch or run takes at that speed.
 *
 * The clock is the trainer's training time (ProgressEvent.trainMs), which stops while training
 * waits for a measurement: an evaluation in line does not slow the speed shown after it. The
 * epoch and iteration a sample counts are never taken from epoch events: with several threads
 * an epoch event arrives after the next epoch's training has started (trainer.ts), so its
 * iteration is behind the training clock at that moment.
 */
export class RateWindow {
  private readonly samples: { ms: number; iteration: number }[] = [];

  /**
   * @param spanMs the samples kept: the newest, and back to the last one at least this much older
   * @param minSpanMs below this span no speed is given (a few iterations make a noisy one)
   */
  constructor(
    readonly spanMs = 1000,
    readonly minSpanMs = 300,
  ) {}

  /** Starts again from one sample (a run's start: training time 0 at its first iteration). */
  reset(ms: number, iteration: number): void {
    this.samples.length = 0;
    this.samples.push({ ms, iteration });
  }

  /** A sample: `iteration` iterations done when the clock read `ms`. A clock that went back restarts the window. */
  add(ms: number, iteration: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && (ms < last.ms || iteration < last.iteration)) this.samples.length = 0;
    this.samples.push({ ms, iteration });
    // Drop the oldest while the next one still reaches back spanMs.
    while (this.samples.length > 2 && this.samples[1].ms <= ms - this.spanMs) this.samples.shift();
  }

  /** Iterations per second over the window; NaN while it spans less than minSpanMs. */
  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last.ms - first.ms < this.minSpanMs) return NaN;
    return ((last.iteration - first.iteration) * 1000) / (last.ms - first.ms);
  }

  /** Seconds that `iterations` more take at the window's speed; NaN while it has none (or none > 0). */
  secondsFor(iterations: number): number {
    const speed = this.perSecond();
    return speed > 0 ? Math.max(0, iterations) / speed : NaN;
  }
}
