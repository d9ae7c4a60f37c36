/**
 * The trainer (src/train/trainer.ts) against a fake engine (fake-engine.ts): what it asks of an
 * engine and in which order, with measurements in line and alongside, divergence, stop and
 * errors; the events it emits, evalMs (the time training waited, by a clock only the fake
 * moves), and the state afterMeasure gets. No arithmetic of a network is involved.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import type { TrainEvent } from '../../src/train/events.js';
import { initialState, train, type TrainConfig, type TrainHooks, type TrainResult, type TrainState } from '../../src/train/trainer.js';
import { clock, fakeFactory, HURRY_MS, IN_LINE_MS, STEP_MS, type FakeEngine, type FakeOptions } from './fake-engine.js';
import { blobDataset } from './synthetic.js';

/** 200 / 10 = 20 iterations per epoch: measurements at 20, 40 and 50. */
const config: TrainConfig = { hidden: [3], lr: 0.1, batchSize: 10, iterations: 50, weightInitStd: 0.01, seed: 5 };

let dataset: Dataset;
beforeAll(() => {
  dataset = blobDataset(200, 50);
});
beforeEach(() => {
  clock.now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock.now);
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Seen {
  iteration: number;
  live: boolean;
  W1: number;
  netIteration: number;
  sampler: number[];
}

interface Run {
  result: TrainResult;
  /** The engine's calls and the trainer's events, in the order they happened. */
  log: string[];
  events: TrainEvent[];
  state: TrainState;
  engine: FakeEngine;
  seen: Seen[];
}

async function run(options: FakeOptions, hooks: Partial<TrainHooks> & { stopAt?: number } = {}, withAfterMeasure = true): Promise<Run> {
  const factory = fakeFactory(options);
  const state = initialState(config, 784);
  const events: TrainEvent[] = [];
  const seen: Seen[] = [];
  const stop = {
    get requested(): boolean {
      return hooks.stopAt !== undefined && state.iteration >= hooks.stopAt;
    },
  };
  const log = (): string[] => factory.engine().log;
  const result = await train(
    dataset,
    config,
    state,
    {
      emit: (e) => {
        events.push(e);
        if (e.event !== 'progress') log().push(`${e.event}${'iteration' in e ? ` ${e.iteration}` : ''}`);
      },
      stop,
      afterMeasure: withAfterMeasure
        ? (s) => {
            seen.push({ iteration: s.iteration, live: s === state, W1: s.net.params.W1.data[0], netIteration: s.net.iteration, sampler: [...s.sampler.getState()] });
          }
        : undefined,
    },
    { engine: factory.open },
  );
  return { result, log: log(), events, state, engine: factory.engine(), seen };
}

const steps = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `step ${from + i}`);

/** The sampler's state after `iterations` batches of the config, replayed. */
function samplerAfter(iterations: number): number[] {
  const r = new Random(config.seed ^ 0x5a3c_96e1);
  for (let i = 0; i < iterations * config.batchSize; i++) r.nextInt(200);
  return [...r.getState()];
}

describe('train with a fake engine, measuring in line', () => {
  it('steps, syncs and measures at 20, 40 and 50, in that order, then syncs and closes', async () => {
    const { log } = await run({ alongside: false });
    expect(log).toEqual([
      'start',
      ...steps(1, 20), 'sync', 'measure 20', 'epoch 20',
      ...steps(21, 40), 'sync', 'measure 40', 'epoch 40',
      ...steps(41, 50), 'sync', 'measure 50', 'epoch 50',
      'sync', 'close',
    ]);
  });

  it('reports the accuracies of the weights measured, the mean loss of each epoch, and the best epoch', async () => {
    const { result } = await run({ alongside: false, losses: (k) => 100 / (k + 1) });
    const epochs = result.history.map(({ elapsedMs: _e, ...rest }) => rest);
    const meanLoss = (a: number, b: number): number => {
      let sum = 0;
      for (let k = a; k <= b; k++) sum += 100 / (k + 1);
      return sum / (b - a + 1);
    };
    expect(epochs).toEqual([
      { event: 'epoch', epoch: 1, iteration: 20, loss: meanLoss(1, 20), trainAcc: 0.02, testAcc: 0.01 },
      { event: 'epoch', epoch: 2, iteration: 40, loss: meanLoss(21, 40), trainAcc: 0.04, testAcc: 0.02 },
      { event: 'epoch', epoch: 3, iteration: 50, loss: meanLoss(41, 50), trainAcc: 0.05, testAcc: 0.025 },
    ]);
    expect([result.bestTestAcc, result.bestEpoch, result.finalLoss]).toEqual([0.025, 3, meanLoss(41, 50)]);
  });

  it('counts the steps as training time and the in-line measurements as evaluation time', async () => {
    const { result } = await run({ alongside: false });
    expect(result.trainMs).toBe(50 * STEP_MS);
    expect(result.evalMs).toBe(3 * IN_LINE_MS);
  });

  it('hands afterMeasure the live state, synced: weights and sampler as measured', async () => {
    const { seen, state } = await run({ alongside: false });
    expect(seen).toEqual([20, 40, 50].map((i) => ({ iteration: i, live: true, W1: i, netIteration: i, sampler: samplerAfter(i) })));
    expect(state.iteration).toBe(50);
  });

  it('draws each batch with sampler.nextInt(train size), row by row, and hands the rows to step', async () => {
    const { engine } = await run({ alongside: false });
    const r = new Random(config.seed ^ 0x5a3c_96e1);
    const expected = Array.from({ length: 50 }, () => Int32Array.from({ length: 10 }, () => r.nextInt(200)));
    expect(engine.rows).toEqual(expected);
  });
});

describe('train with a fake engine, measuring alongside', () => {
  it('trains on while a measurement runs: its epoch event comes after the next epoch started, the last one in line', async () => {
    const { log, result } = await run({ alongside: true, lag: 5 });
    expect(log).toEqual([
      'start',
      ...steps(1, 20), 'sync', 'measure 20 alongside',
      ...steps(21, 25), 'epoch 20',
      ...steps(26, 40), 'sync', 'measure 40 alongside',
      ...steps(41, 45), 'epoch 40',
      ...steps(46, 50), 'sync', 'measure 50', 'epoch 50',
      'sync', 'close',
    ]);
    expect(result.history.map((e) => [e.iteration, e.trainAcc])).toEqual([[20, 0.02], [40, 0.04], [50, 0.05]]);
    // Training never waited for the two counts alongside: only the last, in line, is evaluation time.
    expect(result.evalMs).toBe(IN_LINE_MS);
    expect(result.trainMs).toBe(50 * STEP_MS);
  });

  it('hurries a measurement still running when the next one is due, and counts only that wait as evaluation time', async () => {
    const { log, result } = await run({ alongside: true, lag: Infinity });
    expect(log).toEqual([
      'start',
      ...steps(1, 20), 'sync', 'measure 20 alongside',
      ...steps(21, 40), 'hurry', 'epoch 20', 'sync', 'measure 40 alongside',
      ...steps(41, 50), 'hurry', 'epoch 40', 'sync', 'measure 50', 'epoch 50',
      'sync', 'close',
    ]);
    expect(result.evalMs).toBe(2 * HURRY_MS + IN_LINE_MS);
  });

  it('hands afterMeasure a copy of the state as it was measured, not the live one', async () => {
    const { seen, state } = await run({ alongside: true, lag: 5 });
    expect(seen).toEqual([
      { iteration: 20, live: false, W1: 20, netIteration: 20, sampler: samplerAfter(20) },
      { iteration: 40, live: false, W1: 40, netIteration: 40, sampler: samplerAfter(40) },
      { iteration: 50, live: true, W1: 50, netIteration: 50, sampler: samplerAfter(50) },
    ]);
    expect(state.sampler.getState()).toEqual(samplerAfter(50));
  });

  // On a busy machine a measurement can outlast the next epoch: the progress must go on meanwhile.
  it('emits progress while a measurement runs, before the measured epoch\'s event', async () => {
    // Each step moves the clock a further 100 ms (the yielder's interval), so every iteration reports.
    const slow = (k: number): number => {
      clock.now += 100;
      return 1 / k;
    };
    const { events } = await run({ alongside: true, lag: Infinity, losses: slow });
    const order = events.filter((e) => e.event !== 'start').map((e) => `${e.event} ${'iteration' in e ? e.iteration : ''}`);
    const progress = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `progress ${from + i}`);
    expect(order).toEqual([
      ...progress(1, 19), // not at 20: its loss sum was just reset
      ...progress(21, 39), 'epoch 20',
      ...progress(41, 49), 'epoch 40', 'epoch 50',
    ]);
    const second = events.find((e) => e.event === 'progress' && e.iteration === 25);
    expect(second).toMatchObject({ epoch: 2, epochIteration: 5, loss: (1 / 21 + 1 / 22 + 1 / 23 + 1 / 24 + 1 / 25) / 5 });
  });

  it('emits the same epoch events with or without afterMeasure', async () => {
    const withHook = await run({ alongside: true, lag: 5 });
    const without = await run({ alongside: true, lag: 5 }, {}, false);
    expect(without.log).toEqual(withHook.log);
    expect(without.result.history).toEqual(withHook.result.history);
  });
});

describe('train with a fake engine: divergence, stop, errors', () => {
  for (const [what, bad] of [['NaN', NaN], ['+Infinity', Infinity], ['a finite loss above 149 ln 2', 1e9]] as const) {
    it(`stops at a step whose loss is ${what}: the measurement running is reported first, nothing is measured after`, async () => {
      const { log, result, engine, state } = await run({ alongside: true, lag: Infinity, losses: (k) => (k === 27 ? bad : 1 / k) });
      expect(log.slice(-6)).toEqual(['step 27', 'hurry', 'epoch 20', 'diverged 27', 'sync', 'close']);
      expect(Object.is(result.diverged?.loss, bad)).toBe(true);
      expect(result.diverged?.iteration).toBe(27);
      expect([result.iterations, state.iteration, engine.steps]).toEqual([26, 26, 26]);
      expect(Object.is(result.finalLoss, bad)).toBe(true);
      expect(result.history.map((e) => e.iteration)).toEqual([20]);
    });
  }

  it('stops after the iteration where stop is requested, once the measurement running is reported', async () => {
    const { log, result } = await run({ alongside: true, lag: Infinity }, { stopAt: 33 });
    expect(log.slice(-6)).toEqual(['step 33', 'hurry', 'epoch 20', 'interrupted 33', 'sync', 'close']);
    expect(result.interrupted).toBe(true);
    expect(result.iterations).toBe(33);
    expect(result.history.map((e) => e.iteration)).toEqual([20]);
  });

  it('measures in line when stop is requested at the end of an epoch, then stops', async () => {
    const { log, result } = await run({ alongside: true, lag: Infinity }, { stopAt: 40 });
    expect(log.slice(-9)).toEqual(['step 40', 'hurry', 'epoch 20', 'sync', 'measure 40', 'epoch 40', 'interrupted 40', 'sync', 'close']);
    expect(result.history.map((e) => e.iteration)).toEqual([20, 40]);
    expect(result.interrupted).toBe(true);
  });

  it('closes the engine when a step throws (hurrying the measurement running first, then bringing the state home), and rethrows', async () => {
    const factory = fakeFactory({ alongside: true, lag: Infinity, throwAt: 25 });
    const state = initialState(config, 784);
    await expect(train(dataset, config, state, { emit: () => {} }, { engine: factory.open })).rejects.toThrow('fake step 25 failed');
    expect(factory.engine().log.slice(-4)).toEqual(['step 25', 'hurry', 'sync', 'close']);
  });

  it('names the network, the optimizer and the backend in the start event', async () => {
    const { events } = await run({ alongside: false });
    expect(events[0]).toMatchObject({ event: 'start', hidden: [3], network: '784-3-10 relu std 0.01', optimizer: 'sgd lr 0.1', lr: 0.1, itersPerEpoch: 20 });
  });
});
