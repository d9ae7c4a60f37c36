/**
 * Issue 12's gate: the wasm program of the default spec (784-50-10 ReLU, SGD) reproduces the
 * earlier fused TwoLayerNet (src/kernels/wasm-fused.ts) bit for bit: the same float32
 * operations in the same order (the per-image sums over the nonzero pixels, the 7/6-vector
 * blocks, dW2 and the biases summed over the batch in image order, W1 stepped image by image
 * from the pixel lists). Checked on the default run itself (full MNIST, 100 steps: the weight
 * digest recorded in test/train/default-run-gate.test.ts) and on the fused net's test shapes.
 *
 * Needs `npm run build:wasm`.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { loadDataset } from '../../src/data/sources.js';
import { WasmProgram } from '../../src/engine/wasm-program.js';
import { fusedTwoLayerNet, setBackend } from '../../src/kernels/backend.js';
import type { ParamArrays } from '../../src/kernels/fused.js';
import { TwoLayerNet } from '../../src/network/two-layer-net.js';
import { twoLayerArrays as paramArrays } from '../../src/engine/count-correct.js';
import { blobSplit, noiseSplit } from '../train/synthetic.js';

setBackend('wasm');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** The default run's weights after 100 steps (W1, b1, W2, b2 bytes), recorded from commit 5971cbe. */
const WEIGHTS_AFTER_100 = 'efc41a4612471c10939c10ee9f5716769760114eb9547608f906095c49f3c78f';

const digest = (p: ParamArrays | Record<string, Float32Array>): string => {
  const hash = createHash('sha256');
  for (const name of ['W1', 'b1', 'W2', 'b2'] as const) hash.update(new Uint8Array((p[name] as Float32Array).buffer));
  return hash.digest('hex');
};

/** `steps` steps of both executors from the same TwoLayerNet on the same rows: their losses and weight digests. */
function trainBoth(split: Split, hidden: number, batch: number, steps: number, lr: number, sampler: Random, weightInitStd = 0.01) {
  const net = new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, seed: 1, weightInitStd });
  const fused = fusedTwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, maxBatch: batch });
  if (fused === null) throw new Error('the wasm backend has no fused net');
  cleanups.push(() => fused.release());
  fused.setParams(paramArrays(net));
  const program = new WasmProgram({ inputSize: 784, hiddenSizeList: [hidden], outputSize: 10, optimizer: 'sgd', hyper: { lr }, maxBatch: batch });
  cleanups.push(() => program.release());
  program.setParams(paramArrays(net) as unknown as Record<string, Float32Array>);
  const rows = new Int32Array(batch);
  const losses: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    for (let r = 0; r < batch; r++) rows[r] = sampler.nextInt(split.count);
    losses.push([fused.trainStep(split.images, split.labels, rows, lr), program.step(split, rows)]);
  }
  const p: ParamArrays = { W1: new Float32Array(784 * hidden), b1: new Float32Array(hidden), W2: new Float32Array(hidden * 10), b2: new Float32Array(10) };
  fused.getParams(p);
  return { losses, fused: digest(p), program: digest(program.getParams()), correct: [fused.countCorrect(split.images, split.labels, 0, split.count), program.countCorrect(split, 0, split.count)] };
}

describe('the default spec reproduces the fused TwoLayerNet bit for bit', () => {
  it('on the default run: 100 steps of full MNIST give the recorded weights, and every loss is the same', () => {
    const { train } = loadDataset('mnist');
    const run = trainBoth(train, 50, 100, 100, 0.1, new Random(1 ^ 0x5a3c_96e1)); // the trainer's sampler for seed 1
    expect(run.program).toBe(WEIGHTS_AFTER_100);
    expect(run.fused).toBe(WEIGHTS_AFTER_100);
    for (const [a, b] of run.losses) expect(b).toBe(a);
    expect(run.correct[1]).toBe(run.correct[0]);
  });

  for (const [what, split, hidden, batch] of [
    ['7 hidden (a ragged vector), batch 33, 80% zero noise', noiseSplit(200, 2, 0.8), 7, 33],
    ['100 hidden (several blocks), batch 64', noiseSplit(200, 3, 0.6), 100, 64],
    ['1 hidden, batch 1', blobSplit(50, 4), 1, 1],
    ['dense images (no zero pixel), 50 hidden, batch 10', noiseSplit(60, 9, 0), 50, 10],
  ] as const) {
    it(`on ${what}: 30 steps, lr 0.5, large weights`, () => {
      const run = trainBoth(split, hidden, batch, 30, 0.5, new Random(11), 0.1);
      expect(run.program).toBe(run.fused);
      for (const [a, b] of run.losses) expect(b).toBe(a);
      expect(run.correct[1]).toBe(run.correct[0]);
    });
  }
});
