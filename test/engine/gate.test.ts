/**
 * Issue 12's gate: the wasm program of the default spec (784-50-10 ReLU, SGD lr 0.1, batch 100)
 * gives, after 100 steps of the default run (full MNIST, the trainer's sampler for seed 1), the
 * weights that the fused TwoLayerNet it replaced gave at commit 5971cbe: the same float32
 * operations in the same order (the per-image sums over the nonzero pixels, the 7/6-vector
 * blocks, dW2 and the biases summed over the batch in image order, W1 stepped image by image
 * from the pixel lists). The run's 17 epoch lines are test/train/default-run-gate.test.ts's.
 *
 * Needs `npm run build:wasm`.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { loadDataset } from '../../src/data/sources.js';
import { paramArrays, WasmProgram } from '../../src/engine/wasm-program.js';
import { setBackend } from '../../src/kernels/backend.js';
import { TwoLayerNet } from '../../src/network/two-layer-net.js';

setBackend('wasm');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** The default run's weights after 100 steps (W1, b1, W2, b2 bytes), recorded from commit 5971cbe. */
const WEIGHTS_AFTER_100 = 'efc41a4612471c10939c10ee9f5716769760114eb9547608f906095c49f3c78f';

describe('the gate', () => {
  it('100 steps of the default run give the weights recorded before the redesign', () => {
    const { train } = loadDataset('mnist');
    const net = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 1, weightInitStd: 0.01 });
    const program = new WasmProgram({ inputSize: 784, hiddenSizeList: [50], outputSize: 10, optimizer: 'sgd', hyper: { lr: 0.1 }, maxBatch: 100 });
    cleanups.push(() => program.release());
    program.setParams(paramArrays(net));
    const sampler = new Random(1 ^ 0x5a3c_96e1); // the trainer's sampler for seed 1
    const rows = new Int32Array(100);
    for (let s = 0; s < 100; s++) {
      for (let r = 0; r < 100; r++) rows[r] = sampler.nextInt(train.count);
      program.step(train, rows);
    }
    const params = program.getParams();
    const hash = createHash('sha256');
    for (const name of ['W1', 'b1', 'W2', 'b2']) hash.update(new Uint8Array(params[name].buffer, params[name].byteOffset, params[name].byteLength));
    expect(hash.digest('hex')).toBe(WEIGHTS_AFTER_100);
  });
});
