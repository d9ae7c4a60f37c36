/**
 * Interrupt and resume, in process: a run stopped at any iteration, written to a model file,
 * read back and continued ends with weights byte-identical to the run never interrupted.
 * Each hop goes through the file's bytes (encodeModel / decodeModel), as the CLI's does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { modelMeta } from '../../src/cli/commands/train-model.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { loadDataset } from '../../src/data/sources.js';
import { decodeModel, encodeModel } from '../../src/model/model-file.js';
import { initialState, train, type TrainConfig, type TrainState } from '../../src/train/trainer.js';

const config: TrainConfig = { hidden: 50, lr: 0.1, batchSize: 100, iterations: 300, weightInitStd: 0.01, seed: 11 };
const data = { source: 'mnist', trainLimit: 2000, testLimit: 500 };
let dataset: Dataset;
let reference: Uint8Array;

/** The W1, b1, W2, b2 bytes of a model file (its data section). */
function weightBytes(file: Uint8Array): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return file.subarray(8 + n);
}

/** Trains from `state` until iteration `stopAt` (a stop request, as SIGINT makes) or the end; returns the file's bytes. */
async function runUntil(state: TrainState, stopAt: number): Promise<Uint8Array> {
  const stop = {
    get requested(): boolean {
      return state.iteration >= stopAt;
    },
  };
  const result = await train(dataset, config, state, { emit: () => {}, stop });
  expect(result.interrupted).toBe(stopAt < config.iterations);
  expect(state.iteration).toBe(Math.min(stopAt, config.iterations));
  return encodeModel(state.net, modelMeta(config, data, state, []));
}

function resumeFrom(file: Uint8Array): TrainState {
  const { net, meta } = decodeModel(file, 'hop.safetensors');
  return { net, sampler: Random.fromState(meta.samplerState), iteration: meta.iteration };
}

beforeAll(async () => {
  dataset = loadDataset(data.source, data);
  reference = weightBytes(await runUntil(initialState(config, 784), Infinity));
});

describe('a run interrupted and resumed', () => {
  it.each([1, 13, 20, 21, 140, 299])('stopped after iteration %i ends byte-identical to the uninterrupted run', async (stopAt) => {
    const first = await runUntil(initialState(config, 784), stopAt);
    expect(weightBytes(first)).not.toEqual(reference);
    const last = await runUntil(resumeFrom(first), Infinity);
    expect(Buffer.compare(weightBytes(last), reference)).toBe(0);
  });

  it('stopped three times ends byte-identical too', async () => {
    let file = await runUntil(initialState(config, 784), 37);
    file = await runUntil(resumeFrom(file), 38);
    file = await runUntil(resumeFrom(file), 250);
    file = await runUntil(resumeFrom(file), Infinity);
    expect(Buffer.compare(weightBytes(file), reference)).toBe(0);
  });

  it('resumed without the saved sampler state, it ends elsewhere (the comparison can fail)', async () => {
    const state = resumeFrom(await runUntil(initialState(config, 784), 140));
    state.sampler = new Random(config.seed ^ 0x5a3c_96e1); // the fresh run's sampler, not the saved one
    const last = await runUntil(state, Infinity);
    expect(Buffer.compare(weightBytes(last), reference)).not.toBe(0);
  });
});
