/**
 * A fake Engine (src/engine/engine.ts) for trainer tests: no network arithmetic, only numbers
 * that say what happened, and a clock it moves itself.
 * - step(rows): loss = losses(k, rows) for the k-th call (1-based); when the loss is above
 *   maxLoss or NaN nothing changes, else its `steps` counter goes up.
 * - Its "weights" are that counter; sync() writes it into the home net's first weight, so a
 *   state handed to afterMeasure shows which step it was measured after.
 * - measure(): accuracies are a function of the counter at the call (trainAcc = steps / 1000,
 *   testAcc = steps / 2000). In line, they are ready at once and the clock moves IN_LINE_MS.
 *   Alongside (when allowed and `alongside` is set), they are ready `lag` steps later; hurry()
 *   makes them ready at once and moves the clock HURRY_MS (the wait).
 * - Every call is written to `log` ('step 41', 'measure 40 alongside', 'hurry', 'sync', 'close').
 */
import type { Accuracies, Engine, EngineFactory, EngineInit, MeasureRequest, Measurement } from '../../src/engine/engine.js';

export const STEP_MS = 1;
export const IN_LINE_MS = 50;
export const HURRY_MS = 7;

export interface FakeOptions {
  /** Whether measurements may run alongside (as an engine with other threads). */
  alongside: boolean;
  /** Steps after which a measurement alongside is ready by itself (Infinity: only when hurried). */
  lag?: number;
  /** The k-th step's loss (k from 1). */
  losses?: (k: number, rows: Int32Array) => number;
  /** Throw from the k-th step. */
  throwAt?: number;
}

/** A clock for performance.now(): the fake engine moves it; nothing else does. */
export const clock = { now: 0 };

interface Pending {
  left: number;
  /** Marks the measurement settled (at once, so the trainer sees it after this very step) and resolves it. */
  finish: () => void;
  ready: boolean;
}

export class FakeEngine implements Engine {
  readonly executor = 'fake';
  readonly threads = 1;
  readonly log: string[] = [];
  /** The rows of every step. */
  readonly rows: Int32Array[] = [];
  steps = 0;
  private calls = 0;
  private readonly pending: Pending[] = [];

  constructor(
    private readonly init: EngineInit,
    private readonly options: FakeOptions,
  ) {}

  step(rows: Int32Array): number {
    this.calls++;
    clock.now += STEP_MS;
    this.rows.push(rows.slice());
    this.log.push(`step ${this.calls}`);
    if (this.options.throwAt === this.calls) throw new Error(`fake step ${this.calls} failed`);
    const loss = this.options.losses?.(this.calls, rows) ?? 1 / this.calls;
    if (loss <= this.init.maxLoss) this.steps++;
    for (const p of this.pending) {
      p.left--;
      if (p.left <= 0 && !p.ready) p.finish();
    }
    return loss;
  }

  measure(request: MeasureRequest): Measurement {
    const alongside = request.alongside && this.options.alongside;
    const measured = this.steps;
    this.log.push(`measure ${measured}${alongside ? ' alongside' : ''}`);
    const accuracies: Accuracies = { trainAcc: measured / 1000, testAcc: measured / 2000 };
    if (!alongside) {
      clock.now += IN_LINE_MS;
      return { alongside: false, accuracies: Promise.resolve(accuracies), settled: true, hurry: () => {} };
    }
    let resolve = (): void => {};
    const ready = new Promise<void>((r) => (resolve = r));
    const measurement = {
      alongside: true,
      settled: false,
      accuracies: ready.then(() => accuracies),
      hurry: () => {
        this.log.push('hurry');
        clock.now += HURRY_MS;
        pending.finish();
      },
    };
    const pending: Pending = {
      left: this.options.lag ?? Infinity,
      ready: false,
      finish: () => {
        pending.ready = true;
        measurement.settled = true;
        resolve();
      },
    };
    this.pending.push(pending);
    return measurement;
  }

  sync(): void {
    this.log.push('sync');
    this.init.net.params.W1.data[0] = this.steps;
    this.init.net.iteration = this.steps;
  }

  async close(): Promise<void> {
    this.log.push('close');
  }
}

/** A factory that opens one FakeEngine and keeps it for the test to look at. */
export function fakeFactory(options: FakeOptions): { open: EngineFactory; engine: () => FakeEngine } {
  let engine: FakeEngine | null = null;
  return {
    open: async (init) => (engine = new FakeEngine(init, options)),
    engine: () => {
      if (engine === null) throw new Error('no engine was opened');
      return engine;
    },
  };
}
