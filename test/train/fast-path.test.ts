/**
 * The fused fast path (src/kernels/wasm-fused.ts, src/train/step.ts) against the readable layer
 * path that is its reference: after the same batches, the same weights to ~1e-5 relative; the
 * same counts of correct predictions; the same accuracy curve within a tolerance; the wasm
 * gradient check in float32; and the threaded evaluation exactly equal to the one-thread one.
 *
 * Needs `npm run build` (build/simd.wasm, and dist/ for the evaluation worker threads).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { fusedTwoLayerNet, setBackend } from '../../src/kernels/backend.js';
import { PARAM_NAMES, TwoLayerNet } from '../../src/network/two-layer-net.js';
import { EvalPool } from '../../src/train/eval-pool.js';
import { gradcheck } from '../../src/train/gradcheck.js';
import { FusedStep, LayerStep, makeTrainStep } from '../../src/train/step.js';
import { initialState, train, type TrainConfig } from '../../src/train/trainer.js';
import { RangeCounter } from '../../src/train/count-correct.js';
import { expectClose } from '../helpers/assert-close.js';
import { blobDataset, blobSplit, noiseSplit } from './synthetic.js';

afterAll(() => {
  setBackend('wasm');
});

const netOf = (hidden: number, seed = 1, weightInitStd = 0.01): TwoLayerNet =>
  new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, seed, weightInitStd });

/** `steps` iterations of both paths from the same weights and the same sampler seed. */
function trainBoth(split: Split, hidden: number, batch: number, steps: number, lr = 0.1): { layers: TwoLayerNet; fused: TwoLayerNet; losses: [number, number][] } {
  setBackend('js');
  const layers = netOf(hidden);
  const layerStep = new LayerStep(layers, split, batch, lr, Infinity);
  setBackend('wasm');
  const fused = netOf(hidden);
  const engine = fusedTwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, maxBatch: batch });
  if (engine === null) throw new Error('the wasm backend has no fused net');
  const fusedStep = new FusedStep(fused, engine, split, batch, lr, Infinity);
  const [r1, r2] = [new Random(9), new Random(9)];
  const losses: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    setBackend('js');
    const a = layerStep.step(r1);
    setBackend('wasm');
    losses.push([a, fusedStep.step(r2)]);
  }
  fusedStep.sync();
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

describe('fused training step (wasm) against the layer path (js reference)', () => {
  for (const [what, split, hidden, batch] of [
    ['the book shape: 50 hidden, batch 100, blob images', blobSplit(300, 1), 50, 100],
    ['7 hidden (one SIMD block and a ragged tail), batch 33, 80% zero noise', noiseSplit(200, 2, 0.8), 7, 33],
    ['100 hidden (several blocks), batch 64, noise', noiseSplit(200, 3, 0.6), 100, 64],
    ['1 hidden, batch 1', blobSplit(50, 4), 1, 1],
    // The fused step trains on a sparse copy of the split made in chunks of 500 images
    // (wasm-fused.ts): 1,300 images cross two chunk ends; sparseNoise has its corner cases.
    ['sparse copy: 1,300 images, 99.5% zero noise, some blank, 12 hidden, batch 100', sparseNoise(1300), 12, 100],
  ] as const) {
    it(`gives the same losses and weights after 15 steps: ${what}`, () => {
      const { layers, fused, losses } = trainBoth(split, hidden, batch, 15);
      for (const [a, b] of losses) expectClose([b], [a], { rel: 1e-5 });
      for (const name of PARAM_NAMES) {
        const expected = layers.params[name].data;
        const scale = Math.max(...Array.from(expected, Math.abs));
        // 1e-5 relative to the largest weight of the parameter (single weights near 0 have no relative size)
        expectClose(fused.params[name].data, expected, { abs: 1e-5 * scale, rel: 1e-5 });
      }
    });
  }

  it('leaves the weights untouched and returns the loss when it is above maxLoss', () => {
    setBackend('wasm');
    const net = netOf(20);
    const before = net.params.W1.data.slice();
    const step = makeTrainStep(net, blobSplit(100, 5), 10, 0.1, 0);
    expect(step.path).toBe('fused');
    const loss = step.step(new Random(1));
    step.sync();
    expect(loss).toBeGreaterThan(0);
    expect(net.params.W1.data).toEqual(before);
  });

  it('is chosen on wasm for float32 and never on js', () => {
    setBackend('js');
    expect(makeTrainStep(netOf(5), blobSplit(10, 1), 5, 0.1).path).toBe('layers');
    setBackend('wasm');
    expect(makeTrainStep(netOf(5), blobSplit(10, 1), 5, 0.1).path).toBe('fused');
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
      const dataset = { source: 'noise', train: noiseSplit(1001, 7, 0.8), test: noiseSplit(333, 8, 0.8) };
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
