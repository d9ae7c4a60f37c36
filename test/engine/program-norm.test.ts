/**
 * Batch norm and dropout on the wasm program (src/wasm/norm-ops.as.ts) against the reference
 * executor (MultiLayerNet with useBatchnorm / useDropout on the js kernels, float32), from the
 * same weights, running statistics and iteration, on the same batch rows, for every activation
 * and with SGD, Momentum and Adam, after 20 steps:
 * - every loss within 1e-5 relative (the dropout masks are the same: they hash the seed, the
 *   iteration, the layer, the row and the unit);
 * - each tensor norm-wise within 1e-5 (||a - e|| <= 1e-5 ||e|| + 1e-7 sqrt(n)), but the
 *   biases of the Affine layers before a batch norm: batch norm subtracts their effect, so their
 *   gradient is a sum that cancels to rounding noise (~1e-9), and any two float32 evaluations
 *   move them differently (Adam scales that noise up to lr); those are held to 1e-6 absolute
 *   with SGD and Momentum, and only to lr x steps with Adam;
 * - the running mean and variance norm-wise within 1e-5 (but with Adam: 1e-3, since the mean
 *   carries those biases);
 * - the counts (test mode: running statistics, dropout's 1 - ratio) equal the reference's.
 * And the program gives the same bits with 1, 2 and 3 threads.
 *
 * Needs `npm run build:wasm`.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferArrays } from '../../src/engine/wasm-program.js';
import { setBackend } from '../../src/kernels/backend.js';
import { ACTIVATIONS } from '../../src/network/spec.js';
import type { OptimizerName } from '../../src/optim/optimizer.js';
import { blobSplit } from '../train/synthetic.js';
import { batchRows, floatBatch, paramsOf, programFor, referenceNet, tensorDiffs, trainBoth, trainReference, type Case } from './reference.js';

afterAll(() => {
  setBackend('wasm');
});

const split = blobSplit(300, 1);
const everyImage = floatBatch(split, Int32Array.from({ length: split.count }, (_, i) => i));
const LR: Partial<Record<OptimizerName, number>> = { sgd: 0.1, momentum: 0.01, adam: 0.001 };

/** Biases that batch norm cancels: b_k of a hidden layer k when the net has batch norm. */
const cancelled = (c: Case, name: string): boolean => c.useBatchnorm === true && /^b\d+$/.test(name) && Number(name.slice(1)) <= c.hidden.length;

async function compare(c: Case): Promise<void> {
  const net = referenceNet(split, c);
  const program = programFor(split, c, net);
  try {
    trainBoth(split, c, net, program);
    const reference = paramsOf(net);
    const actual = program.getParams();
    for (const d of tensorDiffs(actual, reference)) {
      const e = reference[d.name];
      if (cancelled(c, d.name)) {
        const bound = c.optimizer === 'adam' ? (c.hyper?.lr ?? 0.001) * c.steps : 1e-6;
        e.forEach((v, i) => expect(Math.abs(actual[d.name][i] - v), `${d.name}[${i}] (cancelled by batch norm)`).toBeLessThanOrEqual(bound));
        continue;
      }
      let norm = 0;
      for (const v of e) norm += v * v;
      expect(d.normwise * Math.sqrt(norm), `${d.name} norm-wise (relative ${d.normwise})`).toBeLessThanOrEqual(1e-5 * Math.sqrt(norm) + 1e-7 * Math.sqrt(e.length));
    }
    const stats = program.getBuffers();
    const statsExpected = bufferArrays(net);
    expect(Object.keys(stats)).toEqual(Object.keys(statsExpected));
    for (const d of tensorDiffs(stats, statsExpected)) expect(d.normwise, d.name).toBeLessThanOrEqual(c.optimizer === 'adam' ? 1e-3 : 1e-5);
    setBackend('js');
    expect(program.countCorrect(split, 0, split.count)).toBe(net.countCorrect(everyImage.x, everyImage.t));
    setBackend('wasm');
    expect(program.iteration).toBe(net.iteration);
  } finally {
    await program.release();
  }
}

describe('batch norm and dropout on the wasm program train as the reference does', () => {
  for (const activation of ACTIVATIONS) {
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      it(`784-30-20-10 ${activation} ${optimizer}, batch norm`, async () => {
        await compare({ hidden: [30, 20], activation, optimizer, hyper: { lr: LR[optimizer] }, useBatchnorm: true, batch: 50, steps: 20 });
      });
      it(`784-30-20-10 ${activation} ${optimizer}, dropout 0.3`, async () => {
        await compare({ hidden: [30, 20], activation, optimizer, hyper: { lr: LR[optimizer] }, useDropout: true, dropoutRatio: 0.3, batch: 50, steps: 20 });
      });
    }
    it(`784-40-30-20-10 ${activation} sgd, batch norm, dropout 0.2 and weight decay 0.01`, async () => {
      await compare({
        hidden: [40, 30, 20], activation, optimizer: 'sgd', hyper: { lr: 0.1 }, useBatchnorm: true, useDropout: true, dropoutRatio: 0.2, weightDecayLambda: 0.01, batch: 50, steps: 20,
      });
    });
  }

  it('from a later iteration (the masks of a resumed run), with a batch of one', async () => {
    const c: Case = { hidden: [7, 5], activation: 'tanh', optimizer: 'sgd', hyper: { lr: 0.05 }, useBatchnorm: true, useDropout: true, dropoutRatio: 0.5, batch: 1, steps: 20 };
    const net = referenceNet(split, c);
    net.iteration = 1234;
    const program = programFor(split, c, net);
    try {
      const batches = batchRows(split, c.batch, c.steps, 8);
      // A batch of one normalises every unit to 0: only beta and the later layers learn.
      const expected = trainReference(split, c, net, batches);
      batches.forEach((rows, s) => expect(Math.abs(program.step(split, rows) - expected[s])).toBeLessThanOrEqual(1e-5 * expected[s]));
      expect(program.iteration).toBe(1254);
    } finally {
      await program.release();
    }
  });
});

describe('the same bits for any team', () => {
  it('1, 2 and 3 threads: parameters, running statistics and counts', async () => {
    const c: Case = { hidden: [100, 60], activation: 'relu', optimizer: 'momentum', hyper: { lr: 0.01 }, useBatchnorm: true, useDropout: true, dropoutRatio: 0.2, batch: 64, steps: 15 };
    const batches = batchRows(split, c.batch, c.steps, 6);
    const digests: string[] = [];
    for (const threads of [1, 2, 3]) {
      const program = programFor(split, c, referenceNet(split, c));
      try {
        await program.useThreads(threads);
        for (const rows of batches) program.step(split, rows);
        const hash = createHash('sha256');
        for (const data of [...Object.values(program.getParams()), ...Object.values(program.getBuffers())]) hash.update(new Uint8Array(data.buffer));
        hash.update(String(program.countCorrect(split, 0, split.count)));
        digests.push(hash.digest('hex'));
      } finally {
        await program.release();
      }
    }
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).toBe(digests[0]);
  });
});
