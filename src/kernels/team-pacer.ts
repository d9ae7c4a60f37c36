/**
 * Whether thread 0 shares the next training step with its helpers or takes it alone, from how
 * long recent steps of each kind took (engine/program-team.ts asks before every step).
 *
 * Why: the threads of a shared step wait for each other three times a step. On a quiet machine
 * a shared step takes ~0.08 ms against ~0.14 ms alone; while another process holds a core, a
 * thread often waits for one that is not running, and shared steps became slower than steps
 * alone (the book's run: 6 s median, up to 15 s, against 5.4 s with --threads 1). A step alone
 * uses every thread's columns (simd.as.ts's ACTIVE 1, as while the helpers count alongside),
 * so the weights are the same bits whichever kind each step is.
 *
 * How: steps are timed in windows of one kind, the first ones alone. A window of shared steps
 * is compared with the fastest of the last 3 windows alone (one window slowed by other load
 * does not make sharing look good); when sharing is not clearly faster (shareBelow), the next
 * `backoff` steps are alone, and then sharing is tried again: the backoff doubles each time a
 * try fails, and is reset when one pays. A try ends as soon as it is clearly slower (minTry,
 * slack): while another process holds a core, after 8 steps, so trying costs little. While sharing
 * pays, a window alone every `stale` shared steps keeps the comparison current (on a quiet
 * machine: 32 steps alone per 4096, under 0.1% of the run; sooner when sharing pays only a
 * little). Steps that must be alone (the helpers count alongside) are not timed: the helpers
 * compete with them.
 */

/** The pacer's numbers, and its clock; tests change them (pacerSettings) to force switches. */
export interface PacerSettings {
  /** The clock in ms, told which kind of step it times (a fake clock in tests makes one kind slow). */
  now(shared: boolean): number;
  /** Shared steps in a window. */
  sharedWindow: number;
  /** Steps alone in a window. */
  aloneWindow: number;
  /** Steps alone at the start (the code warms up meanwhile: the first window is often slow); 0: sharing from the first step. */
  firstAlone: number;
  /** Sharing goes on while a shared step's mean time is below this times the mean alone. */
  shareBelow: number;
  /**
   * A window of shared steps ends as a failed try, after at least `minTry` steps, as soon as
   * its time is above shareBelow times the time alone of as many steps plus `slack` steps. The
   * slowest step of a window is left out of both: a single slow step is the machine's (a
   * garbage collection's threads, say), not sharing's. While another process holds a core, a
   * try ends after minTry steps. (The first shared step after steps alone is not timed at all:
   * the helpers wake up in it, 0.2-0.4 ms on a quiet machine.)
   */
  minTry: number;
  slack: number;
  /** Steps alone after sharing did not pay: the first backoff, and the most. */
  backoffMin: number;
  backoffMax: number;
  /**
   * Shared steps after which the steps alone are measured again: `stale`, or `staleNarrow`
   * when the last window of shared steps took more than `narrow` times the time alone, or
   * while fewer than 3 windows alone were measured (the first, at the start, is often slow:
   * the machine is busy starting the run).
   */
  stale: number;
  staleNarrow: number;
  narrow: number;
}

export const PACER_DEFAULTS: Readonly<PacerSettings> = {
  now: () => performance.now(),
  sharedWindow: 128,
  aloneWindow: 32,
  firstAlone: 64,
  shareBelow: 0.95,
  minTry: 8,
  slack: 2,
  backoffMin: 32,
  backoffMax: 512,
  stale: 4096,
  staleNarrow: 256,
  narrow: 0.75,
};

/** The settings new pacers take (a copy): PACER_DEFAULTS unless a test changed them. */
export const pacerSettings: PacerSettings = { ...PACER_DEFAULTS };

/** Windows alone whose least mean is the time of a step alone. */
const ALONE_KEPT = 3;

export class TeamPacer {
  private readonly settings: PacerSettings = { ...pacerSettings };
  /** The kind of the steps being taken, and how many more of them when alone (at first, firstAlone: something to compare with). */
  private sharing = false;
  private aloneLeft: number;
  /** The current window: its steps, their summed time (ms) and the longest. */
  private steps = 0;
  private sum = 0;
  private longest = 0;
  /** The mean step time (ms) of the last ALONE_KEPT windows alone, and their least (Infinity before the first). */
  private aloneMeans: number[] = [];
  private alone = Infinity;
  /** Shared steps since the last window alone. */
  private sinceAlone = 0;
  private backoff: number;
  /** The start of the step being timed, NaN when it is not timed. */
  private started = NaN;
  /** True for the first shared step after steps alone: it is not timed (the helpers wake up). */
  private waking = true;

  constructor() {
    this.backoff = this.settings.backoffMin;
    this.aloneLeft = this.settings.firstAlone;
    this.sharing = this.aloneLeft <= 0;
  }

  /**
   * Called before each step: true when it is to be shared. `mustBeAlone`: the helpers are busy
   * (counting alongside), so it is alone and not timed.
   */
  begin(mustBeAlone: boolean): boolean {
    if (mustBeAlone) {
      this.started = NaN;
      return false;
    }
    if (this.sharing && this.waking) {
      this.waking = false;
      this.started = NaN;
      return true;
    }
    this.started = this.settings.now(this.sharing);
    return this.sharing;
  }

  /** Called after each step: times it, and decides the kind of the next ones. */
  end(): void {
    if (Number.isNaN(this.started)) return;
    const s = this.settings;
    const took = s.now(this.sharing) - this.started;
    this.sum += took;
    this.longest = Math.max(this.longest, took);
    this.steps++;
    if (this.sharing) {
      this.sinceAlone++;
      // The window's time and steps without its slowest step.
      const time = this.sum - this.longest;
      const steps = this.steps - 1;
      if (this.steps >= s.minTry && time > this.alone * (s.shareBelow * steps + s.slack)) return this.goAlone(this.backoff, true);
      if (this.steps < s.sharedWindow) return;
      if (time > this.alone * s.shareBelow * steps) return this.goAlone(this.backoff, true);
      const narrow = time / steps > this.alone * s.narrow;
      this.clearWindow();
      this.backoff = s.backoffMin; // it paid
      const early = this.aloneMeans.length < ALONE_KEPT;
      if (this.sinceAlone >= (narrow || early ? s.staleNarrow : s.stale)) this.goAlone(s.aloneWindow, false);
      return;
    }
    this.aloneLeft--;
    if (this.steps >= s.aloneWindow) {
      this.aloneMeans.push(this.sum / this.steps);
      if (this.aloneMeans.length > ALONE_KEPT) this.aloneMeans.shift();
      this.alone = Math.min(...this.aloneMeans);
      this.clearWindow();
    }
    if (this.aloneLeft <= 0) {
      this.clearWindow();
      this.sharing = true;
      this.waking = true;
    }
  }

  /** The next `steps` steps alone; `failed`: because sharing did not pay (the next backoff is longer). */
  private goAlone(steps: number, failed: boolean): void {
    this.clearWindow();
    this.sharing = false;
    this.aloneLeft = Math.max(steps, this.settings.aloneWindow);
    this.sinceAlone = 0;
    if (failed) this.backoff = Math.min(this.backoff * 2, this.settings.backoffMax);
  }

  private clearWindow(): void {
    this.steps = 0;
    this.sum = 0;
    this.longest = 0;
  }
}
