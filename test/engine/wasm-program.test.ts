/**
 * The wasm program (src/engine/wasm-program.ts) against the reference executor: MultiLayerNet
 * with the reference optimizer on the plain js kernels, in float32, from the same weights and
 * on the same batch rows, for every activation x every optimizer at depths 1 to 3, and with
 * weight decay. The criterion, tensor by tensor after 20 steps:
 * - norm-wise: ||a - e|| <= 1e-5 ||e|| + 1e-7 sqrt(n) (2-norms, n values; the floor only
 *   matters for a tensor near zero);
 * - element-wise: max |a - e| / (|e| + max |e|) <= 1e-5, or 10 times what the same reference
 *   layers reach on the wasm kernels (another float32 evaluation order: the noise floor) when
 *   that is larger. AdaGrad and RMSprop divide each step by sqrt(h) + 1e-7, so a weight whose
 *   gradient is near 0 (a sum that cancels, ~1e-8) moves by lr / 1e-7 = 1e5 times its rounding
 *   noise (~1e-10): two correct float32 evaluations then differ by up to ~2e-4 in single
 *   weights of W1. Measured: this program's deviation is 0.3 to 5 times the floor there;
 * - the loss of every step within 1e-5 relative, and the counts of correct answers equal.
 * RMSprop runs at lr 0.001: at the book's 0.01 its first steps move every weight by
 * lr / sqrt(1 - decayRate) = 0.1, and 20 such steps amplify rounding differences to ~5e-6 for
 * any two float32 evaluations, this program's and the wasm kernels' alike.
 *
 * Needs `npm run build:wasm`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/kernels/backend.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../../src/optim/optimizer.js';
import { ACTIVATIONS } from '../../src/network/spec.js';
import { makeOptimizer, type Hyperparameters } from '../../src/optim/make-optimizer.js';
import { blobSplit } from '../train/synthetic.js';
import { batchRows, floatBatch, paramsOf, programFor, referenceNet, tensorDiffs, trainBoth, trainOnWasmKernels, type Case } from './reference.js';

afterAll(() => {
  setBackend('wasm');
});

const split = blobSplit(300, 1);
const HYPER: Record<OptimizerName, Hyperparameters> = {
  sgd: { lr: 0.1 },
  momentum: {},
  nesterov: {},
  adagrad: {},
  rmsprop: { lr: 0.001 },
  adam: {},
};

/** Trains both executors on `c` and checks the criterion above; returns the largest norm-wise difference. */
async function compare(c: Case): Promise<number> {
  const net = referenceNet(split, c);
  const program = programFor(split, c, net);
  try {
    const batches = trainBoth(split, c, net, program);
    const reference = paramsOf(net);
    const diffs = tensorDiffs(program.getParams(), reference);
    const floors = tensorDiffs(paramsOf(trainOnWasmKernels(split, c, batches)), reference);
    diffs.forEach((d, i) => {
      const n = reference[d.name].length;
      let norm = 0;
      for (const v of reference[d.name]) norm += v * v;
      expect(d.normwise * Math.sqrt(norm), `${d.name} norm-wise (relative ${d.normwise})`).toBeLessThanOrEqual(1e-5 * Math.sqrt(norm) + 1e-7 * Math.sqrt(n));
      expect(d.elementwise, `${d.name} element-wise (the wasm kernels' floor ${floors[i].elementwise})`).toBeLessThanOrEqual(Math.max(1e-5, 10 * floors[i].elementwise));
    });
    setBackend('js');
    expect(program.countCorrect(split, 0, split.count)).toBe(net.countCorrect(everyImage.x, everyImage.t));
    setBackend('wasm');
    return Math.max(...diffs.map((d) => d.normwise));
  } finally {
    await program.release();
  }
}

const everyImage = floatBatch(split, Int32Array.from({ length: split.count }, (_, i) => i));

const DEPTHS = [[50], [100, 100], [30, 20, 17]];

describe('the wasm program trains as the reference does', () => {
  for (const activation of ACTIVATIONS) {
    for (const optimizer of OPTIMIZER_NAMES) {
      for (const hidden of DEPTHS) {
        it(`784-${hidden.join('-')}-10 ${activation} ${optimizer}`, async () => {
          await compare({ hidden, activation, optimizer, hyper: HYPER[optimizer], batch: 50, steps: 20 });
        });
      }
    }
  }

  it('with no hidden layer (softmax regression), SGD and Adam', async () => {
    await compare({ hidden: [], activation: 'relu', optimizer: 'sgd', hyper: HYPER.sgd, batch: 50, steps: 20 });
    await compare({ hidden: [], activation: 'relu', optimizer: 'adam', hyper: HYPER.adam, batch: 50, steps: 20 });
  });

  it('with a batch of one and widths that fill no vector (784-1-3-10 sigmoid)', async () => {
    await compare({ hidden: [1, 3], activation: 'sigmoid', optimizer: 'momentum', hyper: HYPER.momentum, batch: 1, steps: 20 });
  });
});

describe('with weight decay (lambda 0.01: W gets lambda W, the loss 0.5 lambda sum W^2)', () => {
  for (const optimizer of OPTIMIZER_NAMES) {
    it(`784-30-20-10 relu ${optimizer}`, async () => {
      await compare({ hidden: [30, 20], activation: 'relu', optimizer, hyper: HYPER[optimizer], weightDecayLambda: 0.01, batch: 50, steps: 20 });
    });
  }
});

describe('optimizer state and parameters in and out', () => {
  const c: Case = { hidden: [30, 20], activation: 'relu', optimizer: 'adam', hyper: HYPER.adam, batch: 25, steps: 20 };

  it('gives the reference optimizer\'s state (slots by <slot>.<param>, Adam\'s t) after the same steps', async () => {
    const net = referenceNet(split, c);
    const program = programFor(split, c, net);
    const batches = batchRows(split, c.batch, c.steps, 3);
    setBackend('js');
    const optimizer = makeOptimizer('adam', HYPER.adam);
    for (const rows of batches) {
      const { x, t } = floatBatch(split, rows);
      optimizer.update(net.params, net.gradient(x, t));
    }
    setBackend('wasm');
    batches.forEach((rows) => program.step(split, rows));
    const expected = optimizer.state();
    const actual = program.optimizerState();
    expect(actual.scalars).toEqual({ t: 20 });
    expect(Object.keys(actual.tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const d of tensorDiffs(actual.tensors, expected.tensors)) expect(d.normwise, d.name).toBeLessThan(1e-5);
    await program.release();
  });

  it('continues bit for bit from its own state, loaded into a new program', async () => {
    for (const optimizer of OPTIMIZER_NAMES) {
      const k: Case = { ...c, optimizer, hyper: HYPER[optimizer] };
      const batches = batchRows(split, k.batch, k.steps, 4);
      const straight = programFor(split, k, referenceNet(split, k));
      batches.forEach((rows) => straight.step(split, rows));
      const first = programFor(split, k, referenceNet(split, k));
      batches.slice(0, 10).forEach((rows) => first.step(split, rows));
      const second = programFor(split, k, referenceNet(split, { ...k, seed: 99 }));
      second.setParams(first.getParams());
      second.loadOptimizerState(first.optimizerState());
      batches.slice(10).forEach((rows) => second.step(split, rows));
      expect(second.getParams(), optimizer).toEqual(straight.getParams());
      expect(second.optimizerState(), optimizer).toEqual(straight.optimizerState());
      for (const p of [straight, first, second]) await p.release();
    }
  });

  it('stores a slot that falls below 2^-100 as 0 (optim.as.ts), and keeps a NaN', async () => {
    // Momentum, v = 0.9 v - lr g from v = 1e-30 (2^-100 is 7.9e-31): where g = 0 (W1's rows of
    // the pixels that are 0 in every image of the batch), v is kept twice, then 0.
    const k: Case = { ...c, optimizer: 'momentum', hyper: HYPER.momentum, batch: 3 };
    const program = programFor(split, k, referenceNet(split, k));
    const [rows] = batchRows(split, k.batch, 1, 6);
    const D = split.rows * split.cols, H = k.hidden[0];
    const zero = Array.from({ length: D }, (_, p) => p).filter((p) => rows.every((n) => split.images[n * D + p] === 0));
    expect(zero.length).toBeGreaterThanOrEqual(2);
    const v = Object.fromEntries(Object.entries(program.getParams()).map(([name, p]) => [`v.${name}`, new Float32Array(p.length).fill(1e-30)]));
    const nan = zero[0] * H; // W1[zero[0], 0]: its weight turns NaN, but no batch image reads it
    v['v.W1'][nan] = NaN;
    program.loadOptimizerState({ scalars: {}, tensors: v });
    const mu = Math.fround(0.9);
    let expected = 1e-30;
    for (let step = 1; step <= 3; step++) {
      program.step(split, rows);
      expected = Math.fround(mu * Math.fround(expected));
      const slot = program.optimizerState().tensors['v.W1'];
      const values = new Set(zero.flatMap((p) => Array.from(slot.subarray(p * H, (p + 1) * H))).filter((_, j) => j !== 0));
      expect(values, `after step ${step}`).toEqual(new Set([expected >= 2 ** -100 ? expected : 0]));
      expect(slot[nan]).toBeNaN();
    }
    expect(expected).toBeLessThan(2 ** -100); // the reference keeps it
    expect(program.getParams().W1[nan]).toBeNaN();
    await program.release();
  });

  it('leaves every weight and Adam\'s t as they were when the loss is above maxLoss', async () => {
    const program = programFor(split, c, referenceNet(split, c));
    const [rows] = batchRows(split, c.batch, 1, 5);
    program.step(split, rows);
    const before = { params: program.getParams(), state: program.optimizerState() };
    const loss = program.step(split, rows, 0.01);
    expect(loss).toBeGreaterThan(0.01);
    expect(program.getParams()).toEqual(before.params);
    expect(program.optimizerState()).toEqual(before.state);
    await program.release();
  });

  it('says what is wrong with a bad batch, bad tensors and use after release', async () => {
    const program = programFor(split, c, referenceNet(split, c));
    expect(() => program.step(split, new Int32Array(26))).toThrow('a batch of 26 rows, room for 1 .. 25');
    expect(() => program.step(split, [0, 300])).toThrow("row 300 outside the split's 300 images");
    expect(() => program.setParams({ ...program.getParams(), W2: new Float32Array(3) })).toThrow("'W2' has 3 values, expected 30 x 20");
    expect(() => program.loadOptimizerState({ scalars: {}, tensors: { 'h.W1': new Float32Array(1) } })).toThrow("unexpected tensor 'h.W1' for adam");
    expect(() => program.countCorrect(split, 299, 2)).toThrow("images 299 .. 300 outside the split's 300");
    await program.release();
    expect(() => program.step(split, [0])).toThrow('used after release()');
  });
});
