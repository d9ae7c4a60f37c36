/**
 * The program engine (src/engine/program-engine.ts): the wasm program executor behind the
 * trainer. Through train(), a 784-30-20-10 tanh Adam net trains to the reference's weights
 * (the js engine on the js kernels; the criterion of wasm-program.test.ts) and accuracies;
 * 1 and 2 threads give the same bits; a run stopped, synced and reopened goes on bit for bit;
 * the factory picks it on wasm; and the CLI trains 784-100-100-10 Adam with it.
 *
 * Needs `npm run build` (dist/ for the CLI and the worker threads).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { setBackend } from '../../src/kernels/backend.js';
import type { EngineFactory } from '../../src/engine/engine.js';
import { JsEngine } from '../../src/engine/js-engine.js';
import { openEngine } from '../../src/engine/open-engine.js';
import { ProgramEngine } from '../../src/engine/program-engine.js';
import { initialState, train, type TrainConfig, type TrainResult, type TrainState } from '../../src/train/trainer.js';
import { blobDataset } from '../train/synthetic.js';
import { paramsOf, tensorDiffs } from './reference.js';

/** 1000 / 20 = 50 iterations an epoch: one measurement, at the end (and at 20 for the first half of the resumed run). */
const config: TrainConfig = { hidden: [30, 20], activation: 'tanh', optimizer: 'adam', lr: 0.005, batchSize: 20, iterations: 50, weightInitStd: 'xavier', seed: 4 };

let dataset: Dataset;
beforeAll(() => {
  dataset = blobDataset(1000, 300);
});
afterAll(() => {
  setBackend('wasm');
});

const quiet = { emit: () => {} };
const program = (free: number): EngineFactory => (init) => ProgramEngine.open(init, free);
const layers: EngineFactory = (init) => Promise.resolve(new JsEngine(init));

async function run(backend: 'js' | 'wasm', engine: EngineFactory, threads = 1, state: TrainState = initialState(config, 784), iterations = config.iterations): Promise<{ state: TrainState; result: TrainResult }> {
  setBackend(backend);
  const result = await train(dataset, { ...config, iterations }, state, quiet, { engine, threads });
  return { state, result };
}

/** A digest of each array's bytes (a failing comparison of whole arrays would take minutes to print). */
const digests = (record: Record<string, ArrayBufferView>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, a]) => [k, createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex')]));
const bytes = (state: TrainState): Record<string, string> => digests(paramsOf(state.net));
const optimizerBytes = (state: TrainState): { scalars: Record<string, number>; tensors: Record<string, string> } => {
  const { scalars, tensors } = state.optimizer.state();
  return { scalars, tensors: digests(tensors) };
};

describe('ProgramEngine', () => {
  it('trains through the trainer to the reference weights and accuracies (784-30-20-10 tanh, Adam)', async () => {
    const reference = await run('js', layers);
    const onWasmKernels = await run('wasm', layers); // the noise floor: another float32 order of the same sums
    const fast = await run('wasm', program(1));
    expect(fast.state.iteration).toBe(50);
    expect(fast.state.net.iteration).toBe(reference.state.net.iteration);
    const expected = paramsOf(reference.state.net);
    const floors = tensorDiffs(paramsOf(onWasmKernels.state.net), expected);
    tensorDiffs(paramsOf(fast.state.net), expected).forEach((d, i) => {
      const n = expected[d.name].length;
      expect(d.normwise, `${d.name} norm-wise`).toBeLessThanOrEqual(1e-5 + 1e-7 * Math.sqrt(n));
      expect(d.elementwise, `${d.name} element-wise (floor ${floors[i].elementwise})`).toBeLessThanOrEqual(Math.max(1e-5, 10 * floors[i].elementwise));
    });
    // Adam's state came back too: t and the slots.
    const state = fast.state.optimizer.state();
    expect(state.scalars.t).toBe(50);
    expect(Object.keys(state.tensors), 'in the reference order (model files keep it)').toEqual(Object.keys(reference.state.optimizer.state().tensors));
    tensorDiffs(state.tensors, reference.state.optimizer.state().tensors).forEach((d) => expect(d.normwise, d.name).toBeLessThanOrEqual(1e-4));
    expect(fast.result.history.length).toBe(reference.result.history.length);
    fast.result.history.forEach((e, i) => {
      const r = reference.result.history[i];
      expect(Math.abs(e.testAcc - r.testAcc) * dataset.test.count, `test images apart at epoch ${i}`).toBeLessThanOrEqual(1.0001);
      expect(Math.abs(e.trainAcc - r.trainAcc) * dataset.train.count, `train images apart at epoch ${i}`).toBeLessThanOrEqual(1.0001);
    });
  });

  it('gives the same bits on 1 and 2 threads (2: shared steps, counts alongside)', async () => {
    const one = await run('wasm', program(1), 1);
    let threads = 0;
    const two = await run('wasm', async (init) => {
      const engine = await ProgramEngine.open(init, 2);
      threads = engine.threads;
      return engine;
    }, 2);
    expect(threads).toBe(2);
    expect(bytes(two.state)).toEqual(bytes(one.state));
    expect(two.result.testAcc).toBe(one.result.testAcc);
    expect(optimizerBytes(two.state)).toEqual(optimizerBytes(one.state));
  });

  it('resumes bit for bit: stopped at 20, synced, reopened from the synced state, on to 50', async () => {
    const whole = await run('wasm', program(1));
    const first = await run('wasm', program(1), 1, initialState(config, 784), 20);
    expect(first.state.iteration).toBe(20);
    expect(first.state.net.iteration).toBe(20);
    expect(first.state.optimizer.state().scalars.t).toBe(20);
    const rest = await run('wasm', program(1), 1, first.state, 50);
    expect(rest.state.iteration).toBe(50);
    expect(bytes(rest.state)).toEqual(bytes(whole.state));
    expect(optimizerBytes(rest.state)).toEqual(optimizerBytes(whole.state));
  });

  it('is what the factory opens on wasm for a deep Adam net, and a step above maxLoss changes nothing', async () => {
    setBackend('wasm');
    const { net, optimizer } = initialState(config, 784);
    const before = digests(paramsOf(net));
    const engine = await openEngine({ net, optimizer, dataset, batchSize: 20, maxLoss: 0, threads: 1 });
    try {
      expect(engine.executor).toBe('program');
      expect(engine.step(Int32Array.from({ length: 20 }, (_, i) => i))).toBeGreaterThan(0);
      engine.sync();
      expect(digests(paramsOf(net))).toEqual(before);
      expect(net.iteration).toBe(0);
      expect(optimizer.state().scalars.t).toBe(0);
    } finally {
      await engine.close();
    }
  });
});

describe('the CLI on the program engine', () => {
  it('both engines take a batch shorter than batchSize (its largest), with the same weights after it', async () => {
    const stepShort = async (backend: 'js' | 'wasm', factory: EngineFactory): Promise<{ loss: number; params: Record<string, Float32Array> }> => {
      setBackend(backend);
      const state = initialState(config, 784);
      const engine = await factory({ net: state.net, optimizer: state.optimizer, dataset, batchSize: config.batchSize, maxLoss: Infinity, threads: 1 });
      try {
        const loss = engine.step(Int32Array.from([3, 141, 59, 26, 535, 897, 932])); // 7 rows of 20
        engine.sync();
        return { loss, params: paramsOf(state.net) };
      } finally {
        await engine.close();
      }
    };
    const reference = await stepShort('js', layers);
    const fast = await stepShort('wasm', program(1));
    expect(Math.abs(fast.loss - reference.loss)).toBeLessThanOrEqual(1e-5 * reference.loss);
    for (const d of tensorDiffs(fast.params, reference.params)) expect(d.normwise, d.name).toBeLessThanOrEqual(1e-5);
  });

  it('trains 784-100-100-10 he Adam on mnist-lite above 0.85 test accuracy, exit 0', () => {
    const out = spawnSync(process.execPath, ['bin/bp-train.js', '--hidden', '100,100', '--init', 'he', '--optimizer', 'adam', '--iters', '300', '--data', 'mnist-lite', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const summary = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as { testAcc?: number; testAccuracy?: number };
    expect(summary.testAcc ?? summary.testAccuracy).toBeGreaterThan(0.85);
  }, 150_000);
});
