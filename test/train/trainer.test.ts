/**
 * Tests for the training loop (src/train/trainer.ts) on a small deterministic blob dataset
 * (test/train/synthetic.ts): it learns, measures once per epoch and at the end, is exactly
 * reproducible from its seed, reports divergence, stops on request, and resumes exactly.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { BACKENDS, setBackend } from '../../src/kernels/backend.js';
import type { Matrix } from '../../src/kernels/matrix.js';
import { PARAM_NAMES } from '../../src/network/two-layer-net.js';
import type { EpochEvent, ProgressEvent, TrainEvent } from '../../src/train/events.js';
import { availableParallelism } from 'node:os';
import { DIVERGED_LOSS, initialState, itersPerEpoch, train, type TrainConfig, type TrainResult, type TrainState } from '../../src/train/trainer.js';
import { teamSize } from '../../src/engine/team-size.js';
import { blobDataset } from './synthetic.js';

const bytes = (m: Matrix): Uint8Array => new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength).slice();

/** 2,000 / 50 = 40 iterations per epoch. */
const base: TrainConfig = { hidden: 24, lr: 0.1, batchSize: 50, iterations: 100, weightInitStd: 0.01, seed: 1 };

let dataset: Dataset;
beforeAll(() => {
  dataset = blobDataset(2000, 500);
});

interface Run {
  result: TrainResult;
  events: TrainEvent[];
  state: TrainState;
}

async function run(config: TrainConfig, state = initialState(config, 28 * 28), stop?: (e: TrainEvent) => boolean): Promise<Run> {
  const events: TrainEvent[] = [];
  const hooks = {
    stop: { requested: false },
    emit(event: TrainEvent) {
      events.push(event);
      if (stop?.(event)) hooks.stop.requested = true;
    },
  };
  const result = await train(dataset, config, state, hooks);
  return { result, events, state };
}

const epochs = (events: TrainEvent[]): EpochEvent[] => events.filter((e): e is EpochEvent => e.event === 'epoch');
const withoutTime = (history: EpochEvent[]) => history.map(({ elapsedMs: _elapsed, ...rest }) => rest);

describe('teamSize', () => {
  it('is the threads asked for, but no more than the cores nor one per 3 vectors of hidden units', () => {
    const cores = availableParallelism();
    expect(teamSize(1, 50)).toBe(1);
    expect(teamSize(2, 50)).toBe(Math.min(2, cores));
    expect(teamSize(8, 50)).toBe(Math.min(4, cores)); // 13 vectors
    expect(teamSize(8, 100)).toBe(Math.min(8, cores)); // 25 vectors
    expect(teamSize(2, 11)).toBe(1); // 3 vectors
    expect(teamSize(2, 24)).toBe(Math.min(2, cores)); // 6 vectors
  });
});

describe('itersPerEpoch', () => {
  it('is floor(train size / batch size), at least 1', () => {
    expect(itersPerEpoch(60_000, 100)).toBe(600);
    expect(itersPerEpoch(2000, 50)).toBe(40);
    expect(itersPerEpoch(2049, 50)).toBe(40);
    expect(itersPerEpoch(10, 100)).toBe(1);
  });
});

/** Every backend that loads here; the trainer must be exact and resumable on each (bits differ between them). */
const availableBackends = BACKENDS.filter((name) => {
  try {
    setBackend(name);
    return true;
  } catch {
    return false;
  }
});

describe.each(availableBackends)('train (%s backend)', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  it('learns the blob dataset: accuracy from about chance to above 0.9, loss falling', async () => {
    const { result } = await run({ ...base, iterations: 200 });
    const first = result.history[0];
    expect(first.trainAcc).toBeLessThan(0.5);
    expect(result.trainAcc).toBeGreaterThan(0.9);
    expect(result.testAcc).toBeGreaterThan(0.9);
    expect(result.history[result.history.length - 1].loss).toBeLessThan(first.loss / 2);
    expect(result.bestTestAcc).toBe(Math.max(...result.history.map((h) => h.testAcc)));
    expect(result.iterations).toBe(200);
    expect(result.diverged).toBeNull();
    expect(result.interrupted).toBe(false);
  });

  it('measures at the end of each epoch and once more at the end: 100 iterations, 40 per epoch -> 40, 80, 100', async () => {
    const { result, events } = await run(base);
    const history = epochs(events);
    expect(history.map((e) => e.iteration)).toEqual([40, 80, 100]);
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(history).toHaveLength(Math.ceil(100 / itersPerEpoch(2000, 50)));
    expect(result.history).toEqual(history);
    for (const e of history) {
      expect(e.trainAcc).toBeGreaterThanOrEqual(0);
      expect(e.trainAcc).toBeLessThanOrEqual(1);
      expect(Number.isFinite(e.loss)).toBe(true);
    }
    const start = events[0];
    expect(start.event).toBe('start');
    if (start.event === 'start') {
      expect(start).toMatchObject({ trainSize: 2000, testSize: 500, iterations: 100, startIteration: 0, itersPerEpoch: 40, backend });
    }
    expect(result.finalLoss).toBe(history[2].loss);
  });

  it('measures exactly at 40 and 80 when the iterations are a whole number of epochs', async () => {
    const { result } = await run({ ...base, iterations: 80 });
    expect(result.history.map((e) => e.iteration)).toEqual([40, 80]);
  });

  it('gives identical history and weights for the same seed, and different ones for another seed', async () => {
    const a = await run(base);
    const b = await run(base);
    expect(withoutTime(b.result.history)).toEqual(withoutTime(a.result.history));
    for (const name of PARAM_NAMES) expect(bytes(b.state.net.params[name])).toEqual(bytes(a.state.net.params[name]));
    expect(b.state.sampler.getState()).toEqual(a.state.sampler.getState());

    const c = await run({ ...base, seed: 2 });
    expect(bytes(c.state.net.params.W1)).not.toEqual(bytes(a.state.net.params.W1));
    expect(withoutTime(c.result.history).map((h) => h.loss)).not.toEqual(withoutTime(a.result.history).map((h) => h.loss));
  });

  it('reports divergence with the iteration when the learning rate is absurd (1e6)', async () => {
    const { result, events } = await run({ ...base, lr: 1e6 });
    expect(result.diverged).not.toBeNull();
    const diverged = result.diverged ?? { iteration: 0, loss: 0 };
    expect(diverged.iteration).toBeGreaterThanOrEqual(2); // the first batch, at the initial weights, has loss ~ln 10
    expect(diverged.iteration).toBeLessThan(100);
    expect(diverged.loss <= DIVERGED_LOSS).toBe(false); // NaN, +Infinity or beyond 149 ln 2
    expect(result.iterations).toBe(diverged.iteration - 1);
    expect(events).toContainEqual({ event: 'diverged', iteration: diverged.iteration, loss: diverged.loss });
    expect(events.filter((e) => e.event === 'epoch')).toEqual([]);
    expect(Object.is(result.finalLoss, diverged.loss)).toBe(true);
  });

  it('stops after the current iteration when hooks.stop.requested is set, with interrupted true', async () => {
    const { result, events } = await run(base, undefined, (e) => e.event === 'epoch' && e.iteration === 40);
    expect(result.interrupted).toBe(true);
    expect(result.iterations).toBe(40);
    expect(events[events.length - 1]).toEqual({ event: 'interrupted', iteration: 40 });
    expect(result.history.map((e) => e.iteration)).toEqual([40]);
  });

  it('is not interrupted when the stop comes with the very last iteration', async () => {
    const { result, events } = await run(base, undefined, (e) => e.event === 'epoch' && e.iteration === 100);
    expect(result.interrupted).toBe(false);
    expect(result.iterations).toBe(100);
    expect(events.some((e) => e.event === 'interrupted')).toBe(false);
  });

  it('leaves one consistent state when a hook throws: the net, the optimizer and the sampler all at the iteration reached', async () => {
    const config: TrainConfig = { ...base, optimizer: 'adam', lr: 0.001, iterations: 100 };
    const state = initialState(config, 28 * 28);
    const hooks = {
      emit: () => {},
      onStep: (iteration: number) => {
        if (iteration === 50) throw new Error('a hook failed');
      },
    };
    await expect(train(dataset, config, state, hooks, { threads: 2 })).rejects.toThrow('a hook failed');
    // Between two measurements (40, 80): the wasm program's weights had to be brought home.
    const clean = await run({ ...config, iterations: 50 });
    expect(state.iteration).toBe(50);
    expect(state.net.iteration).toBe(50);
    expect(state.optimizer.state().scalars).toEqual(clean.state.optimizer.state().scalars);
    for (const name of PARAM_NAMES) expect(bytes(state.net.params[name]), name).toEqual(bytes(clean.state.net.params[name]));
    expect(state.sampler.getState()).toEqual(clean.state.sampler.getState());
  });

  it('resumes exactly: 60 iterations then on to 100 with the same state equals 100 in one go', async () => {
    const a = await run(base);

    const b1 = await run({ ...base, iterations: 60 });
    expect(b1.state.iteration).toBe(60);
    expect(b1.result.history.map((e) => e.iteration)).toEqual([40, 60]);
    const b2 = await run(base, b1.state);
    expect(b2.state).toBe(b1.state);
    expect(b2.state.iteration).toBe(100);
    expect(b2.result.history.map((e) => e.iteration)).toEqual([80, 100]);
    const start = b2.events[0];
    expect(start.event === 'start' && start.startIteration).toBe(60);

    for (const name of PARAM_NAMES) expect(bytes(b2.state.net.params[name]), name).toEqual(bytes(a.state.net.params[name]));
    // Accuracies at 80 and 100 depend only on the weights, so they match the single run's.
    const acc = (h: EpochEvent[]) => h.filter((e) => e.iteration >= 80).map((e) => [e.trainAcc, e.testAcc]);
    expect(acc(b2.result.history)).toEqual(acc(a.result.history));
  });

  it('calls afterMeasure once per measurement with the live state', async () => {
    const config = { ...base, iterations: 90 };
    const state = initialState(config, 28 * 28);
    const seen: [number, number][] = [];
    await train(dataset, config, state, {
      emit: () => {},
      afterMeasure: (s, epoch) => {
        expect(s).toBe(state);
        seen.push([s.iteration, epoch.epoch]);
      },
    });
    expect(seen).toEqual([[40, 1], [80, 2], [90, 3]]);
  });

  it('measures alongside training with 2 and 3 threads: the same events, history, weights and measured states as with 1', async () => {
    const config = { ...base, iterations: 90 };
    const runWith = async (threads: number) => {
      const state = initialState(config, 28 * 28);
      const events: TrainEvent[] = [];
      const measured: { iteration: number; epoch: number; weights: Uint8Array[]; sampler: number[] }[] = [];
      const result = await train(
        dataset,
        config,
        state,
        {
          emit: (e) => events.push(e),
          afterMeasure: (s, epoch) => {
            measured.push({ iteration: s.iteration, epoch: epoch.epoch, weights: PARAM_NAMES.map((n) => bytes(s.net.params[n])), sampler: [...s.sampler.getState()] });
          },
        },
        { threads },
      );
      const kinds = events.filter((e) => e.event !== 'progress').map((e) => e.event);
      return { kinds, history: withoutTime(result.history), measured, weights: PARAM_NAMES.map((n) => bytes(state.net.params[n])), best: [result.bestTestAcc, result.bestEpoch] };
    };
    const one = await runWith(1);
    expect(one.measured.map((m) => [m.iteration, m.epoch])).toEqual([[40, 1], [80, 2], [90, 3]]);
    for (const threads of [2, 3]) expect(await runWith(threads), `${threads} threads`).toEqual(one);
  });
});

describe.each(availableBackends)('train without afterMeasure (%s backend)', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  it('reports each measurement alongside with the iteration it measured, with 2 and 3 threads as with 1', async () => {
    const config = { ...base, iterations: 130 };
    const runWith = async (threads: number) => {
      const state = initialState(config, 28 * 28);
      const result = await train(dataset, config, state, { emit: () => {} }, { threads });
      return { history: withoutTime(result.history), weights: PARAM_NAMES.map((n) => bytes(state.net.params[n])), best: [result.bestTestAcc, result.bestEpoch] };
    };
    const one = await runWith(1);
    expect(one.history.map((e) => [e.iteration, e.epoch])).toEqual([[40, 1], [80, 2], [120, 3], [130, 4]]);
    for (const threads of [2, 3]) expect(await runWith(threads), `${threads} threads`).toEqual(one);
  });
});

describe('train progress events (with a fake clock, so the yielder reports after every iteration)', () => {
  beforeAll(() => {
    setBackend('js');
  });

  /** Runs `base` while performance.now() advances 150 ms per call: every maybeYield() yields. */
  async function progressEvents(): Promise<ProgressEvent[]> {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 150));
    try {
      const { events } = await run(base);
      return events.filter((e): e is ProgressEvent => e.event === 'progress');
    } finally {
      now.mockRestore();
    }
  }

  it('are emitted after every iteration once the yielder fires, except those that closed an epoch', async () => {
    const progress = await progressEvents();
    const expected = Array.from({ length: 100 }, (_, i) => i + 1).filter((i) => i % 40 !== 0 && i !== 100);
    expect(progress.map((e) => e.iteration)).toEqual(expected);
    expect(progress.every((e) => e.itersPerEpoch === 40 && e.iterations === 100)).toBe(true);
  });

  // events.ts documents epochIteration as "Iterations done in the current epoch, 1..itersPerEpoch".
  it('report epoch = ceil(iteration / itersPerEpoch) and epochIteration in 1..itersPerEpoch', async () => {
    const progress = await progressEvents();
    const wrong = progress
      .filter((e) => e.epoch !== Math.ceil(e.iteration / 40) || e.epochIteration < 1 || e.epochIteration > 40)
      .map(({ iteration, epoch, epochIteration }) => ({ iteration, epoch, epochIteration }));
    expect(wrong).toEqual([]);
  });

  // Right after an epoch line the loss sums are reset: no progress event may carry that NaN.
  it('never carry a NaN loss', async () => {
    const progress = await progressEvents();
    expect(progress.filter((e) => !Number.isFinite(e.loss)).map((e) => e.iteration)).toEqual([]);
  });
});
