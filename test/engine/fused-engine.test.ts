/**
 * The fused engine (src/engine/fused-engine.ts over kernels/wasm-fused.ts) against the js
 * engine on the reference layers (src/engine/js-engine.ts, MultiLayerNet on the js kernels):
 * after the same batches, the same weights to ~1e-5 relative; the same counts of correct
 * predictions; the same accuracy curve within a tolerance; the wasm gradient check in float32;
 * and the threaded evaluation exactly equal to the one-thread one.
 *
 * Needs `npm run build` (build/simd.wasm, and dist/ for the evaluation worker threads).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { setBackend } from '../../src/kernels/backend.js';
import { PARAM_NAMES, TwoLayerNet } from '../../src/network/two-layer-net.js';
import { SGD } from '../../src/optim/sgd.js';
import type { Engine } from '../../src/engine/engine.js';
import { EvalPool } from '../../src/engine/eval-pool.js';
import { FusedEngine } from '../../src/engine/fused-engine.js';
import { JsEngine } from '../../src/engine/js-engine.js';
import { executorFor, openEngine } from '../../src/engine/open-engine.js';
import { RangeCounter } from '../../src/engine/count-correct.js';
import { gradcheck } from '../../src/train/gradcheck.js';
import { initialState, train, type TrainConfig } from '../../src/train/trainer.js';
import { expectClose } from '../helpers/assert-close.js';
import { blobDataset, blobSplit, noiseSplit } from '../train/synthetic.js';

afterAll(() => {
  setBackend('wasm');
});

const netOf = (hidden: number, seed = 1, weightInitStd = 0.01): TwoLayerNet =>
  new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, seed, weightInitStd });

const datasetOf = (train: Split): Dataset => ({ source: 'test', train, test: train });

/** Random rows of the split, as the trainer draws them. */
function drawRows(random: Random, count: number, batch: number): Int32Array {
  return Int32Array.from({ length: batch }, () => random.nextInt(count));
}

/** `steps` iterations of both engines from the same weights and the same rows. */
async function trainBoth(split: Split, hidden: number, batch: number, steps: number, lr = 0.1): Promise<{ layers: TwoLayerNet; fused: TwoLayerNet; losses: [number, number][] }> {
  const dataset = datasetOf(split);
  setBackend('js');
  const layers = netOf(hidden);
  const layerEngine = new JsEngine({ net: layers, optimizer: new SGD(lr), dataset, batchSize: batch, maxLoss: Infinity, threads: 1 });
  setBackend('wasm');
  const fused = netOf(hidden);
  const shape = { inputSize: 784, hiddenSize: hidden, outputSize: 10, maxBatch: batch };
  const fusedEngine = await FusedEngine.open({ net: fused, optimizer: new SGD(lr), dataset, batchSize: batch, maxLoss: Infinity, threads: 1 }, shape);
  const random = new Random(9);
  const losses: [number, number][] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const rows = drawRows(random, split.count, batch);
      setBackend('js');
      const a = layerEngine.step(rows);
      setBackend('wasm');
      losses.push([a, fusedEngine.step(rows)]);
    }
    fusedEngine.sync();
  } finally {
    await layerEngine.close();
    await fusedEngine.close();
  }
  return { layers, fused, losses };
}

/**
 * Noise with long gaps of zeros (over 255 pixels), every 7th image blank, every 11th with a
 * run of 300 nonzero pixels (over 255) and runs of 7 to 9, a nonzero last pixel now and then.
 */
function sparseNoise(count: number): Split {
  const split = noiseSplit(count, 11, 0.995);
  const { images } = split;
  for (let n = 0; n < count; n += 7) images.fill(0, n * 784, (n + 1) * 784);
  for (let n = 4; n < count; n += 11) {
    images.fill(77, n * 784 + 100, n * 784 + 400);
    for (let len = 7; len <= 9; len++) images.fill(len * 20, n * 784 + 420 + len * 20, n * 784 + 420 + len * 21);
  }
  for (let n = 3; n < count; n += 5) images[n * 784 + 783] = 200;
  return split;
}

describe('the fused engine (wasm) against the js engine (reference layers)', () => {
  for (const [what, split, hidden, batch] of [
    ['the book shape: 50 hidden, batch 100, blob images', blobSplit(300, 1), 50, 100],
    ['7 hidden (one SIMD block and a ragged tail), batch 33, 80% zero noise', noiseSplit(200, 2, 0.8), 7, 33],
    ['100 hidden (several blocks), batch 64, noise', noiseSplit(200, 3, 0.6), 100, 64],
    ['1 hidden, batch 1', blobSplit(50, 4), 1, 1],
    // The fused step trains on a sparse copy of the split made in chunks of 500 images
    // (wasm-fused.ts): 1,300 images cross two chunk ends; sparseNoise has its corner cases.
    ['sparse copy: 1,300 images, 99.5% zero noise, some blank, 12 hidden, batch 100', sparseNoise(1300), 12, 100],
  ] as const) {
    it(`gives the same losses and weights after 15 steps: ${what}`, async () => {
      const { layers, fused, losses } = await trainBoth(split, hidden, batch, 15);
      for (const [a, b] of losses) expectClose([b], [a], { rel: 1e-5 });
      for (const name of PARAM_NAMES) {
        const expected = layers.params[name].data;
        const scale = Math.max(...Array.from(expected, Math.abs));
        // 1e-5 relative to the largest weight of the parameter (single weights near 0 have no relative size)
        expectClose(fused.params[name].data, expected, { abs: 1e-5 * scale, rel: 1e-5 });
      }
    });
  }

  it('leaves the weights untouched and returns the loss when it is above maxLoss', async () => {
    setBackend('wasm');
    const net = netOf(20);
    const before = net.params.W1.data.slice();
    const engine = await openEngine({ net, optimizer: new SGD(0.1), dataset: datasetOf(blobSplit(100, 5)), batchSize: 10, maxLoss: 0, threads: 1 });
    try {
      expect(engine.executor).toBe('fused');
      const loss = engine.step(drawRows(new Random(1), 100, 10));
      engine.sync();
      expect(loss).toBeGreaterThan(0);
      expect(net.params.W1.data).toEqual(before);
      expect(net.iteration).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('is chosen on wasm for the chapter-5 net with SGD, never on js nor for another net or optimizer', async () => {
    const choice = (backend: 'js' | 'wasm', init: Parameters<typeof executorFor>[0]): string => {
      setBackend(backend);
      return executorFor(init);
    };
    const sgd = new SGD(0.1);
    expect(choice('js', { net: netOf(5), optimizer: sgd, batchSize: 5 })).toBe('layers');
    expect(choice('wasm', { net: netOf(5), optimizer: sgd, batchSize: 5 })).toBe('fused');
    const config: TrainConfig = { hidden: [5], lr: 0.1, batchSize: 5, iterations: 1, weightInitStd: 'he', seed: 1 };
    expect(choice('wasm', { ...initialState(config, 784), batchSize: 5 }), 'He init: still the chapter-5 layers').toBe('fused');
    for (const other of [{ hidden: [5, 5] }, { activation: 'tanh' as const }, { optimizer: 'adam' as const }, { weightDecayLambda: 0.1 }]) {
      expect(choice('wasm', { ...initialState({ ...config, ...other }, 784), batchSize: 5 }), JSON.stringify(other)).toBe('program');
    }
    expect(choice('wasm', { ...initialState({ ...config, useDropout: true }, 784), batchSize: 5 }), 'dropout').toBe('layers');
    setBackend('wasm');
    const engine: Engine = await openEngine({ net: netOf(5), optimizer: sgd, dataset: datasetOf(blobSplit(20, 1)), batchSize: 5, maxLoss: Infinity, threads: 1 });
    expect(engine.executor).toBe('fused');
    await engine.close();
  });
});

describe('fused evaluation', () => {
  it('counts the same correct predictions as the layers, over any range', async () => {
    const split = noiseSplit(700, 6, 0.8);
    const net = netOf(30, 2, 0.1); // large weights: few near-ties between classes
    setBackend('js');
    const reference = new RangeCounter(split, net);
    const expected = [await reference.count(0, 700), await reference.count(13, 501)];
    setBackend('wasm');
    const fast = new RangeCounter(split, net);
    expect([await fast.count(0, 700), await fast.count(13, 501)]).toEqual(expected);
  });
});

describe('the accuracy curve of a short run on both backends', () => {
  it('agrees within 0.01 at every measurement (blob dataset, 120 iterations)', async () => {
    const dataset = blobDataset(2000, 500);
    const config: TrainConfig = { hidden: 20, lr: 0.1, batchSize: 50, iterations: 120, weightInitStd: 0.01, seed: 1 };
    const curves: { trainAcc: number; testAcc: number; loss: number }[][] = [];
    for (const backend of ['js', 'wasm'] as const) {
      setBackend(backend);
      const result = await train(dataset, config, initialState(config, 784), { emit: () => {} });
      curves.push(result.history.map(({ trainAcc, testAcc, loss }) => ({ trainAcc, testAcc, loss })));
    }
    const [js, wasm] = curves;
    expect(wasm).toHaveLength(js.length);
    js.forEach((point, i) => {
      expect(Math.abs(wasm[i].trainAcc - point.trainAcc), `train accuracy at measurement ${i}`).toBeLessThanOrEqual(0.01);
      expect(Math.abs(wasm[i].testAcc - point.testAcc), `test accuracy at measurement ${i}`).toBeLessThanOrEqual(0.01);
      expect(Math.abs(wasm[i].loss - point.loss) / point.loss, `loss at measurement ${i}`).toBeLessThan(1e-3);
    });
  });
});

describe('gradient check on the wasm backend', () => {
  it('passes in float32 (mean |diff| < 1e-5 per parameter); float64 runs on the js kernels', () => {
    setBackend('wasm');
    const results = gradcheck(noiseSplit(3, 17), { hidden: 10, samples: 3, seed: 1, dtype: 'float32', weightInitStd: 0.01 });
    for (const r of results) expect(r.meanAbsDiff, r.param).toBeLessThan(1e-5);
    const f64 = gradcheck(noiseSplit(3, 17), { hidden: 10, samples: 3, seed: 1, dtype: 'float64', weightInitStd: 0.01 });
    for (const r of f64) expect(r.meanAbsDiff, r.param).toBeLessThan(1e-8);
  });
});

describe('threaded evaluation', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`gives exactly the one-thread accuracies with 2 and 3 threads (${backend})`, async () => {
      setBackend(backend);
      const dataset: Dataset = { source: 'noise', train: noiseSplit(1001, 7, 0.8), test: noiseSplit(333, 8, 0.8) };
      const net = netOf(16, 3, 0.1);
      const results = [];
      for (const threads of [1, 2, 3]) {
        const pool = new EvalPool(dataset, net, threads);
        try {
          results.push(await pool.accuracies());
        } finally {
          await pool.close();
        }
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      expect(results[0].trainAcc).toBeGreaterThan(0);
    });
  }
});
