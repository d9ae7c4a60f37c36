/**
 * Interrupt and resume, in process: a run stopped at any iteration, written to a model file,
 * read back and continued ends with weights (and optimizer state) byte-identical to the run
 * never interrupted, for the book's chapter-5 run and for every optimizer on a deeper net.
 * Each hop goes through the file's bytes (encodeModel / decodeModel), as the CLI's does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { modelMeta } from '../../src/cli/commands/train-model.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { loadDataset } from '../../src/data/sources.js';
import { decodeModel, encodeModel } from '../../src/model/model-file.js';
import { initialState, train, type TrainConfig, type TrainState } from '../../src/train/trainer.js';

const data = { source: 'mnist', trainLimit: 2000, testLimit: 500 };
let dataset: Dataset;

/** The data section of a model file: every tensor's bytes (the weights, then the optimizer's). */
function tensorBytes(file: Uint8Array): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return file.subarray(8 + n);
}

/** Trains from `state` until iteration `stopAt` (a stop request, as SIGINT makes) or the end; returns the file's bytes. */
async function runUntil(config: TrainConfig, state: TrainState, stopAt: number): Promise<Uint8Array> {
  const stop = {
    get requested(): boolean {
      return state.iteration >= stopAt;
    },
  };
  const result = await train(dataset, config, state, { emit: () => {}, stop });
  expect(result.interrupted).toBe(stopAt < config.iterations);
  expect(state.iteration).toBe(Math.min(stopAt, config.iterations));
  return encodeModel(state.net, modelMeta(config, data, state, []), state.optimizer.state());
}

function resumeFrom(file: Uint8Array): TrainState {
  const { net, optimizer, meta } = decodeModel(file, 'hop.safetensors');
  return { net, optimizer, sampler: Random.fromState(meta.samplerState), iteration: meta.iteration };
}

beforeAll(() => {
  dataset = loadDataset(data.source, { trainLimit: data.trainLimit, testLimit: data.testLimit });
});

const chapter5: TrainConfig = { hidden: 50, lr: 0.1, batchSize: 100, iterations: 300, weightInitStd: 0.01, seed: 11 };
/** A deeper net (20 iterations an epoch) with each optimizer at the book's defaults (Adam: its own lr). */
const deep = (optimizer: TrainConfig['optimizer'], lr: number): TrainConfig => ({
  hidden: [30, 20],
  activation: optimizer === 'rmsprop' ? 'tanh' : 'relu',
  weightInitStd: 'he',
  optimizer,
  lr,
  batchSize: 100,
  iterations: 120,
  seed: 12,
});

describe.each([
  ['sgd, 784-50-10 (the chapter-5 run)', chapter5, [1, 13, 20, 21, 140, 299]],
  ['momentum, 784-30-20-10', deep('momentum', 0.01), [1, 21, 119]],
  ['nesterov, 784-30-20-10', deep('nesterov', 0.01), [7, 40]],
  ['adagrad, 784-30-20-10', deep('adagrad', 0.01), [33]],
  ['rmsprop, 784-30-20-10 tanh', deep('rmsprop', 0.01), [33]],
  ['adam, 784-30-20-10', deep('adam', 0.001), [1, 21, 119]],
] as const)('a run interrupted and resumed: %s', (_name, config, stops) => {
  let reference: Uint8Array;
  beforeAll(async () => {
    reference = tensorBytes(await runUntil(config, initialState(config, 784), Infinity));
  });

  it.each(stops)('stopped after iteration %i ends byte-identical to the uninterrupted run (weights and optimizer state)', async (stopAt) => {
    const first = await runUntil(config, initialState(config, 784), stopAt);
    expect(tensorBytes(first)).not.toEqual(reference);
    const last = await runUntil(config, resumeFrom(first), Infinity);
    expect(Buffer.compare(tensorBytes(last), reference)).toBe(0);
  });

  it('stopped three times ends byte-identical too', async () => {
    const [a, b, c] = [Math.floor(config.iterations / 8), Math.floor(config.iterations / 8) + 1, Math.floor((config.iterations * 5) / 6)];
    let file = await runUntil(config, initialState(config, 784), a);
    file = await runUntil(config, resumeFrom(file), b);
    file = await runUntil(config, resumeFrom(file), c);
    file = await runUntil(config, resumeFrom(file), Infinity);
    expect(Buffer.compare(tensorBytes(file), reference)).toBe(0);
  });

  it('resumed without the saved sampler state, it ends elsewhere (the comparison can fail)', async () => {
    const state = resumeFrom(await runUntil(config, initialState(config, 784), 60));
    state.sampler = new Random(config.seed ^ 0x5a3c_96e1); // the fresh run's sampler, not the saved one
    const last = await runUntil(config, state, Infinity);
    expect(Buffer.compare(tensorBytes(last), reference)).not.toBe(0);
  });
});

describe('a run resumed without its optimizer state', () => {
  it('ends elsewhere with momentum (the state matters, and the comparison can fail)', async () => {
    const config = deep('momentum', 0.01);
    const reference = tensorBytes(await runUntil(config, initialState(config, 784), Infinity));
    const state = resumeFrom(await runUntil(config, initialState(config, 784), 60));
    state.optimizer.loadState({ scalars: {}, tensors: {} }); // the velocities lost
    const last = await runUntil(config, state, Infinity);
    expect(Buffer.compare(tensorBytes(last).subarray(0, 4 * (784 * 30)), reference.subarray(0, 4 * (784 * 30)))).not.toBe(0);
  });
});
