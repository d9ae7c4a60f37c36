/**
 * Gives the event loop a turn about every 100 ms of synchronous work. Without it a training
 * loop starves cli-progress's redraw timer and the SIGINT handler.
 */
export class Yielder {
  private last = performance.now();

  constructor(readonly intervalMs = 100) {}

  /** True when it yielded (a natural moment to report progress). */
  async maybeYield(): Promise<boolean> {
    const now = performance.now();
    if (now - this.last < this.intervalMs) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
    return true;
  }
}
