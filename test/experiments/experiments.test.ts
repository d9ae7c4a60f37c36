/**
 * The pieces of the chapter-6 experiments, in process: the book's smooth_curve against numpy,
 * the seeded validation split, the random search's draws and ranking, the presets' protocols,
 * the trainer's measurement cadence, per-step losses and validation accuracy, and the pool of
 * training workers (the same outcomes with 1 and 2 workers, in the runs' order).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { holdOut, shuffledOrder, validationCount, withValidation } from '../../src/data/validation-split.js';
import { cutDataset, type RunSpec } from '../../src/experiments/experiment.js';
import { bookWeightScales, PRESET_NAMES, presetPlan, scaleText } from '../../src/experiments/presets.js';
import { BOOK_SPACE, drawTrials, rankTrials, shortNumber, trialRuns } from '../../src/experiments/random-search.js';
import { runAll } from '../../src/experiments/run-pool.js';
import { kaiserWindow, smoothCurve } from '../../src/experiments/smooth-curve.js';
import type { EpochEvent, TrainEvent } from '../../src/train/events.js';
import { initialState, train, type TrainConfig } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { blobDataset } from '../train/synthetic.js';

describe("the book's smooth_curve", () => {
  const fixture = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'smooth-curve.json'), 'utf8')) as { x: number[]; kaiser: number[]; smoothed: number[] };

  it('is numpy.kaiser(11, 2) and the reflected, normalised convolution, value for value', () => {
    const w = kaiserWindow(11, 2);
    fixture.kaiser.forEach((v, i) => expect(w[i]).toBeCloseTo(v, 14));
    const y = smoothCurve(fixture.x);
    expect(y.length).toBe(fixture.x.length);
    fixture.smoothed.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 12));
  });

  it('keeps a constant series and leaves one shorter than the window as it is', () => {
    expect(smoothCurve(new Array(30).fill(2.3)).every((v) => Math.abs(v - 2.3) < 1e-12)).toBe(true);
    expect(smoothCurve([3, 1, 2])).toEqual([3, 1, 2]);
  });
});

describe('the validation split', () => {
  const train = blobDataset(500, 10).train;

  it("holds out the book's int(count x fraction) after a seeded shuffle, and keeps every example once", () => {
    expect(validationCount(500, 0.2)).toBe(100);
    expect(validationCount(100, 0.29)).toBe(29);
    const { train: rest, validation } = holdOut(train, 0.2, 7);
    expect([rest.count, validation.count]).toEqual([400, 100]);
    const order = shuffledOrder(500, 7);
    const pixels = 28 * 28;
    // validation = the first 100 of the permutation, train = the others, in that order
    for (const [split, offset] of [[validation, 0], [rest, 100]] as const) {
      for (let i = 0; i < split.count; i += 37) {
        const from = order[offset + i];
        expect(split.labels[i]).toBe(train.labels[from]);
        expect(split.images.subarray(i * pixels, (i + 1) * pixels)).toEqual(train.images.subarray(from * pixels, (from + 1) * pixels));
      }
    }
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(500).keys()]);
    expect(validation.images.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('is the same for the same seed and another for another seed', () => {
    expect(holdOut(train, 0.2, 7).validation.labels).toEqual(holdOut(train, 0.2, 7).validation.labels);
    expect(shuffledOrder(500, 7)).not.toEqual(shuffledOrder(500, 8));
  });

  it('refuses a share that leaves a split empty', () => {
    expect(() => holdOut(train, 0.001, 1)).toThrow(/holds out 0/);
    expect(() => holdOut(train, 1, 1)).toThrow(RangeError);
  });
});

describe('the random search', () => {
  it("draws log-uniformly in the book's ranges, the same trials for the same seed", () => {
    const trials = drawTrials(400, BOOK_SPACE, 3);
    expect(drawTrials(400, BOOK_SPACE, 3)).toEqual(trials);
    expect(drawTrials(5, BOOK_SPACE, 4)).not.toEqual(trials.slice(0, 5));
    for (const t of trials) {
      expect(t.lr).toBeGreaterThanOrEqual(1e-6);
      expect(t.lr).toBeLessThan(1e-2);
      expect(t.weightDecay).toBeGreaterThanOrEqual(1e-8);
      expect(t.weightDecay).toBeLessThan(1e-4);
    }
    // log-uniform: the exponents spread evenly (means near the middle, each decade visited)
    const meanExp = trials.reduce((s, t) => s + Math.log10(t.lr), 0) / trials.length;
    expect(meanExp).toBeGreaterThan(-4.3);
    expect(meanExp).toBeLessThan(-3.7);
    for (const decade of [-6, -5, -4, -3]) expect(trials.some((t) => Math.floor(Math.log10(t.lr)) === decade)).toBe(true);
    const runs = trialRuns(trials.slice(0, 2), { hidden: [100], weightInitStd: 'he', batchSize: 100, iterations: 8, seed: 3 });
    expect(runs[1].config).toMatchObject({ optimizer: 'sgd', lr: trials[1].lr, weightDecayLambda: trials[1].weightDecay, seed: 3 });
    expect(shortNumber(0.0094)).toBe('0.0094');
    expect(shortNumber(2.8e-6)).toBe('2.8e-6');
  });

  it('ranks by validation accuracy, ties in the order drawn, trials that never ran left out', () => {
    const trials = drawTrials(4, BOOK_SPACE, 1);
    const outcome = (index: number, valAcc: number) => ({ index, label: '', status: 'ok' as const, iterations: 1, losses: new Float64Array(0), lossStride: 1, history: [], trainAcc: 0.5, testAcc: NaN, valAcc, loss: 1, trainMs: 0, evalMs: 0 });
    const ranked = rankTrials(trials, [outcome(0, 0.5), outcome(1, 0.8), null, outcome(3, 0.8)]);
    expect(ranked.map((r) => r.trial)).toEqual([1, 3, 0]);
    const cut = { ...outcome(2, 0.9), status: 'interrupted' as const };
    expect(rankTrials(trials, [outcome(0, NaN), outcome(1, 0.8), cut, null]).map((r) => r.trial)).toEqual([1, 0, 2]);
  });
});

describe("the presets' protocols", () => {
  it("are the book's experiments", () => {
    expect(bookWeightScales()[0]).toBe(1);
    expect(bookWeightScales()[15]).toBeCloseTo(1e-4, 15);
    expect(bookWeightScales().map(scaleText).slice(0, 5)).toEqual(['1', '0.54', '0.29', '0.16', '0.086']);
    const optimizers = presetPlan('optimizers', 1);
    expect(optimizers.runs.map((r) => [r.label, r.config.optimizer, r.config.lr])).toEqual([
      ['SGD', 'sgd', 0.01],
      ['Momentum', 'momentum', 0.01],
      ['AdaGrad', 'adagrad', 0.01],
      ['Adam', 'adam', 0.001],
    ]);
    expect(optimizers.runs[0].config).toMatchObject({ hidden: [100, 100, 100, 100], weightInitStd: 'he', batchSize: 128, iterations: 2000, measureEvery: 0 });
    expect(presetPlan('init', 1).runs.map((r) => r.config.weightInitStd)).toEqual([0.01, 'xavier', 'he']);
    const bn = presetPlan('batchnorm', 1);
    expect(bn.runs.length).toBe(32);
    expect(bn.data).toEqual({ trainLimit: 1000, test: false });
    expect(bn.runs[0].config).toMatchObject({ hidden: [100, 100, 100, 100, 100], useBatchnorm: true, weightInitStd: 1, iterations: 200, batchSize: 100 });
    expect(presetPlan('weight-decay', 1).runs.map((r) => [r.config.weightDecayLambda ?? 0, r.config.iterations])).toEqual([[0, 603], [0.1, 603]]);
    expect(presetPlan('dropout', 1).runs.map((r) => [r.config.useDropout === true, r.config.dropoutRatio, r.config.iterations])).toEqual([[false, undefined, 903], [true, 0.2, 903]]);
    expect(PRESET_NAMES.length).toBe(5);
  });
});

describe('the trainer for the experiments', () => {
  let dataset: Dataset;
  beforeAll(() => {
    dataset = withValidation(blobDataset(2000, 300), 0.25, 5); // 1,500 train / 500 validation
  });
  const base: TrainConfig = { hidden: 24, lr: 0.1, batchSize: 50, iterations: 100, weightInitStd: 0.01, seed: 1 }; // 30 iterations an epoch

  async function run(config: TrainConfig): Promise<{ epochs: EpochEvent[]; steps: [number, number][]; events: TrainEvent[] }> {
    const events: TrainEvent[] = [];
    const steps: [number, number][] = [];
    await train(dataset, config, initialState(config, 784), { emit: (e) => events.push(e), onStep: (i, loss) => steps.push([i, loss]) });
    return { epochs: events.filter((e): e is EpochEvent => e.event === 'epoch'), steps, events };
  }

  it('measures every measureEvery iterations (0: only at the end) with the same training, and reports every step', async () => {
    const every = await run(base);
    const seldom = await run({ ...base, measureEvery: 40 });
    const once = await run({ ...base, measureEvery: 0 });
    expect(every.epochs.map((e) => e.iteration)).toEqual([30, 60, 90, 100]);
    expect(seldom.epochs.map((e) => e.iteration)).toEqual([40, 80, 100]);
    expect(once.epochs.map((e) => e.iteration)).toEqual([100]);
    const last = (r: { epochs: EpochEvent[] }) => r.epochs.at(-1)!;
    expect(last(seldom).trainAcc).toBe(last(every).trainAcc);
    expect(last(once).valAcc).toBe(last(every).valAcc);
    expect(every.steps.map(([i]) => i)).toEqual([...Array(100).keys()].map((i) => i + 1));
    expect(once.steps).toEqual(every.steps);
    // the epoch's loss is the mean of its steps' losses
    const mean = every.steps.slice(90).reduce((s, [, l]) => s + l, 0) / 10;
    expect(last(every).loss).toBeCloseTo(mean, 12);
  });

  it('measures the validation split beside train and test (test mode, its own count)', async () => {
    const { epochs, events } = await run(base);
    expect(events[0]).toMatchObject({ event: 'start', trainSize: 1500, testSize: 300, validationSize: 500 });
    for (const e of epochs) {
      expect(Number.isInteger(e.valAcc! * 500)).toBe(true);
      expect(Number.isInteger(e.trainAcc * 1500)).toBe(true);
    }
    expect(epochs.at(-1)!.valAcc).toBeGreaterThan(0.5);
    const plain = blobDataset(2000, 300);
    const events2: TrainEvent[] = [];
    await train(plain, base, initialState(base, 784), { emit: (e) => events2.push(e) });
    expect(events2.find((e) => e.event === 'epoch')).not.toHaveProperty('valAcc');
    expect(events2[0]).not.toHaveProperty('validationSize');
  });
});

describe('the pool of training workers', () => {
  it('gives the same outcomes with 1 and 2 workers, in the runs order', async () => {
    const dataset = cutDataset(blobDataset(1200, 200), { trainLimit: 1000, validation: 0.2, validationSeed: 3 });
    const runs: RunSpec[] = [0.3, 0.1, 0.03].map((lr) => ({ label: `lr ${lr}`, config: { hidden: [30, 20], weightInitStd: 'he', lr, batchSize: 40, iterations: 60, seed: 2, measureEvery: 20 } }));
    runs.push({ label: 'batch norm', config: { ...runs[0].config, useBatchnorm: true } });
    const done: number[] = [];
    const one = await runAll(dataset, runs, { workers: 1, backend: 'wasm', events: { done: (o) => done.push(o.index) } });
    const two = await runAll(dataset, runs, { workers: 2, backend: 'wasm' });
    expect(done).toEqual([0, 1, 2, 3]); // one worker: in order
    const numbers = (outcomes: typeof one) =>
      outcomes.map((o) => ({ label: o!.label, status: o!.status, losses: [...o!.losses], history: o!.history.map(({ elapsedMs, ...rest }) => rest), trainAcc: o!.trainAcc, valAcc: o!.valAcc, testAcc: o!.testAcc }));
    expect(numbers(two)).toEqual(numbers(one));
    expect(one.map((o) => o!.iterations)).toEqual([60, 60, 60, 60]);
    expect(one[0]!.history.map((e) => e.iteration)).toEqual([20, 40, 60]);
    expect(one[0]!.valAcc).toBeDefined();
  });

  it('stops the runs under way and starts no other when asked', async () => {
    const dataset = blobDataset(1000, 100);
    const runs: RunSpec[] = [1, 2, 3, 4].map((seed) => ({ label: `seed ${seed}`, config: { hidden: 50, weightInitStd: 0.01, lr: 0.1, batchSize: 100, iterations: 1_000_000, seed } }));
    const stop = { requested: false };
    setTimeout(() => (stop.requested = true), 600);
    const outcomes = await runAll(dataset, runs, { workers: 2, backend: 'wasm', stop });
    expect(outcomes.map((o) => o?.status ?? null)).toEqual(['interrupted', 'interrupted', null, null]);
    expect(outcomes[0]!.iterations).toBeGreaterThan(0);
    expect(outcomes[0]!.losses.length).toBe(outcomes[0]!.iterations);
  });

  it('posts each run\'s progress about every 100 ms of training, even with a measurement every few steps', async () => {
    const dataset = blobDataset(1000, 100);
    const runs: RunSpec[] = [{ label: 'small epochs', config: { hidden: 50, weightInitStd: 0.01, lr: 0.1, batchSize: 100, iterations: 1_000_000, seed: 1, measureEvery: 3 } }];
    const posts: { iteration: number; loss: number }[] = [];
    const stop = { requested: false };
    setTimeout(() => (stop.requested = true), 1500);
    const [outcome] = await runAll(dataset, runs, { workers: 1, backend: 'wasm', stop, events: { progress: (_, iteration, _total, loss) => posts.push({ iteration, loss }) } });
    const ms = outcome!.trainMs + outcome!.evalMs;
    // A post is due 100 ms after the last; a gap is at most that plus one step and one measurement.
    expect(posts.length).toBeGreaterThanOrEqual(Math.floor(ms / 200));
    expect(posts.length).toBeLessThanOrEqual(Math.ceil(ms / 100) + 1);
    for (let i = 1; i < posts.length; i++) expect(posts[i].iteration).toBeGreaterThan(posts[i - 1].iteration);
    for (const p of posts) expect(Number.isFinite(p.loss) && p.loss > 0).toBe(true);
  });
});
