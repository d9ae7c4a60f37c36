/**
 * Tests for MultiLayerNet with batch norm and dropout (the book's MultiLayerNetExtend): the
 * plan's names (Affine1, BatchNorm1, Relu1, Dropout1, ...), gamma/beta params and running-stat
 * buffers shared with the layers; backprop against float64 central differences with batch
 * norm (depths 1 and 2, three activations, with and without weight decay) and with dropout at a
 * fixed iteration; test mode by default; the running stats; the masks' iteration and resume.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { BatchNormalization } from '../../src/layers/batch-normalization.js';
import { Dropout } from '../../src/layers/dropout.js';
import { dropoutUniform } from '../../src/layers/dropout-mask.js';
import { MultiLayerNet, type MultiLayerNetOptions } from '../../src/network/multi-layer-net.js';
import { numericalGradient } from '../../src/network/numerical-gradient.js';
import { Adam } from '../../src/optim/adam.js';
import { expectClose } from '../helpers/assert-close.js';

type Activation = 'relu' | 'sigmoid' | 'tanh';

/** A float64 net on 6 rows of 5 N(0, 1) inputs, 3 classes. */
function smallProblem(hiddenSizeList: number[], activation: Activation, extra: Partial<MultiLayerNetOptions> = {}) {
  const weightInitStd = activation === 'relu' ? 'he' : 'xavier';
  const net = new MultiLayerNet({ inputSize: 5, hiddenSizeList, outputSize: 3, activation, weightInitStd, seed: 7, dtype: 'float64', ...extra });
  const random = new Random(11);
  const x = Matrix.zeros(6, 5, 'float64');
  for (let i = 0; i < x.size; i++) x.data[i] = random.nextGaussian();
  return { net, x, t: [0, 2, 1, 2, 0, 1] };
}

const copy = (m: Matrix): number[] => Array.from(m.data);

describe('MultiLayerNet with batch norm and dropout: layers, params, buffers', () => {
  it('names the blocks Affine_i, BatchNorm_i, activation_i, Dropout_i, with nothing after the last Affine', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2, useBatchnorm: true, useDropout: true });
    expect(net.layers.map((l) => l.name)).toEqual(['Affine1', 'BatchNorm1', 'Relu1', 'Dropout1', 'Affine2', 'BatchNorm2', 'Relu2', 'Dropout2', 'Affine3']);
    expect(net.plan.layers.map((l) => l.name).at(-1)).toBe('SoftmaxWithLoss');
    expect(net.layers[1].layer).toBeInstanceOf(BatchNormalization);
    expect(net.layers[3].layer).toBeInstanceOf(Dropout);
    expect((net.layers[3].layer as Dropout).dropoutRatio).toBe(0.5);
    const onlyBn = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2], outputSize: 2, activation: 'tanh', useBatchnorm: true });
    expect(onlyBn.layers.map((l) => l.name)).toEqual(['Affine1', 'BatchNorm1', 'Tanh1', 'Affine2']);
    const onlyDropout = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2], outputSize: 2, useDropout: true, dropoutRatio: 0.2 });
    expect(onlyDropout.layers.map((l) => l.name)).toEqual(['Affine1', 'Relu1', 'Dropout1', 'Affine2']);
    expect(onlyDropout.plan.layers[2]).toEqual({ kind: 'dropout', name: 'Dropout1', index: 1, dropoutRatio: 0.2, size: 2 });
    expect(onlyDropout.plan.buffers).toEqual([]);
  });

  it('params W1, b1, gamma1 (ones), beta1 (zeros), ...; buffers running_mean_i, running_var_i (zeros)', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2, useBatchnorm: true });
    expect(Object.keys(net.params)).toEqual(['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3']);
    expect(copy(net.params.gamma1)).toEqual([1, 1, 1, 1, 1]);
    expect(copy(net.params.beta2)).toEqual([0, 0, 0, 0]);
    expect(net.plan.params.filter((p) => p.role === 'gamma' || p.role === 'beta').map((p) => [p.name, p.rows, p.cols])).toEqual([
      ['gamma1', 1, 5], ['beta1', 1, 5], ['gamma2', 1, 4], ['beta2', 1, 4],
    ]);
    expect(Object.keys(net.buffers)).toEqual(['running_mean1', 'running_var1', 'running_mean2', 'running_var2']);
    expect(net.plan.buffers.map((b) => b.name)).toEqual(Object.keys(net.buffers));
    expect(copy(net.buffers.running_var2)).toEqual([0, 0, 0, 0]);
  });

  it('gamma, beta and the running stats are the very matrices the BatchNorm layers hold', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2, useBatchnorm: true });
    const bns = net.layers.filter((l) => l.kind === 'batchnorm');
    expect(bns).toHaveLength(2);
    bns.forEach((entry, k) => {
      const i = k + 1;
      if (entry.kind !== 'batchnorm') return;
      expect(entry.layer.gamma).toBe(net.params[`gamma${i}`]);
      expect(entry.layer.beta).toBe(net.params[`beta${i}`]);
      expect(entry.layer.runningMean).toBe(net.buffers[`running_mean${i}`]);
      expect(entry.layer.runningVar).toBe(net.buffers[`running_var${i}`]);
    });
  });

  it('draws the same W for a seed with or without batch norm and dropout (gamma and beta draw nothing)', () => {
    const plain = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2, seed: 3 });
    const extended = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2, seed: 3, useBatchnorm: true, useDropout: true });
    for (const name of ['W1', 'W2', 'W3']) expect(copy(extended.params[name])).toEqual(copy(plain.params[name]));
  });
});

describe('MultiLayerNet with batch norm: gradient against numericalGradient (float64, h = 1e-4)', () => {
  // The central difference errs by (h^2 / 6) times the third derivative; batch norm over 6 rows has larger
  // third derivatives than the plain net: measured at most 2.5e-8 over these 12 cases, so the
  // bound is 2e-7 (a bug, say a missing dmu term or decay on gamma, is off by 1e-2 or more).
  // Dropout is off, as in the book's check; the case with masks follows.
  const TOL = { abs: 2e-7 };
  for (const hidden of [[4], [4, 3]]) {
    for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
      for (const lambda of [0, 0.1]) {
        it(`depth ${hidden.length} (${[5, ...hidden, 3].join('-')}), ${activation}, weight decay ${lambda}: every entry within 2e-7`, () => {
          const { net, x, t } = smallProblem(hidden, activation, { useBatchnorm: true, weightDecayLambda: lambda });
          const numerical = net.numericalGradient(x, t);
          const backprop = net.gradient(x, t);
          expect(Object.keys(numerical)).toEqual(Object.keys(net.params));
          expect(Object.keys(backprop).filter((k) => k !== 'loss')).toEqual(Object.keys(net.params));
          for (const name of Object.keys(net.params)) expectClose(backprop[name].data, numerical[name].data, TOL);
          // Not vacuous: gamma and beta have real gradients; b of an Affine feeding batch norm has none.
          expect(Math.max(...Array.from(backprop.gamma1.data, Math.abs))).toBeGreaterThan(0.01);
          expect(Math.max(...Array.from(backprop.beta1.data, Math.abs))).toBeGreaterThan(0.01);
          expect(Math.max(...Array.from(backprop.b1.data, Math.abs))).toBeLessThan(1e-15);
        });
      }
    }
  }

  it('with dropout too (ratio 0.3), gradient and numericalGradient at the same iteration agree (1e-6; 1e-8 with h = 1e-5)', () => {
    // Measured 1.4e-7 with h = 1e-4 and 1.4e-9 with h = 1e-5: the h^2 of truncation, not a mismatch
    // of masks (different masks change the gradients by 1e-2 and more).
    for (const activation of ['relu', 'tanh'] as const) {
      const { net, x, t } = smallProblem([6, 5], activation, { useBatchnorm: true, useDropout: true, dropoutRatio: 0.3 });
      net.iteration = 4;
      const numerical = net.numericalGradient(x, t);
      expect(net.iteration).toBe(4); // the check does not advance the masks
      const backprop = net.gradient(x, t);
      const W1 = copy(backprop.W1); // backprop holds live buffers
      expect(net.iteration).toBe(5);
      for (const name of Object.keys(net.params)) expectClose(backprop[name].data, numerical[name].data, { abs: 1e-6 });
      net.iteration = 4;
      const loss = (): number => net.loss(x, t, true);
      for (const name of Object.keys(net.params)) {
        expectClose(backprop[name].data, numericalGradient(loss, net.params[name], 1e-5).data, { abs: 1e-8 });
      }
      // Not vacuous: units are dropped, and another iteration's masks give other gradients.
      const dropout1 = net.layers.find((l) => l.name === 'Dropout1')!.layer as Dropout;
      expect(Array.from(dropout1.mask!).filter((m) => m === 0).length).toBeGreaterThan(3);
      net.iteration = 4;
      expect(copy(net.gradient(x, t).W1)).toEqual(W1);
      const other = copy(net.gradient(x, t).W1); // iteration 5
      expect(Math.max(...other.map((v, i) => Math.abs(v - W1[i])))).toBeGreaterThan(1e-2);
    }
  });

  it('weight decay leaves gamma and beta alone: their grads are equal with lambda 0 and 0.3, W gains lambda W', () => {
    const plain = smallProblem([4, 3], 'relu', { useBatchnorm: true });
    const decayed = smallProblem([4, 3], 'relu', { useBatchnorm: true, weightDecayLambda: 0.3 });
    for (const m of [plain.net.params.gamma1, decayed.net.params.gamma1]) m.data.set([1.5, 0.5, 2, -1]); // not 1, so decay would show
    const g0 = plain.net.gradient(plain.x, plain.t);
    const g = decayed.net.gradient(decayed.x, decayed.t);
    for (const name of ['gamma1', 'beta1', 'gamma2', 'beta2', 'b1', 'b3']) expect(copy(g[name]), name).toEqual(copy(g0[name]));
    const W2 = decayed.net.params.W2;
    expect(copy(g.W2)).toEqual(Array.from(g0.W2.data, (v, i) => v + 0.3 * W2.data[i]));
    const sumW2 = ['W1', 'W2', 'W3'].reduce((s, n) => s + copy(decayed.net.params[n]).reduce((a, v) => a + v * v, 0), 0);
    expect(g.loss).toBeCloseTo(g0.loss + 0.15 * sumW2, 12);
  });
});

describe('MultiLayerNet with batch norm and dropout: modes and state', () => {
  it('predict and loss default to test mode (running stats, no mask), which changes no state', () => {
    const { net, x, t } = smallProblem([4], 'relu', { useBatchnorm: true, useDropout: true });
    const test = net.predict(x).clone();
    expect(copy(net.predict(x, false))).toEqual(copy(test));
    expect(copy(net.buffers.running_mean1)).toEqual([0, 0, 0, 0]);
    expect(net.loss(x, t)).toBe(net.loss(x, t, false));
    expect(net.loss(x, t, true)).not.toBe(net.loss(x, t, false));
    expect(copy(net.predict(x, true))).not.toEqual(copy(test));
  });

  it('test-mode dropout scales by 1 - ratio: scores - b2 are 0.7 times those of the same net without dropout', () => {
    const plain = new MultiLayerNet({ inputSize: 5, hiddenSizeList: [4], outputSize: 3, seed: 2, dtype: 'float64' });
    const dropped = new MultiLayerNet({ inputSize: 5, hiddenSizeList: [4], outputSize: 3, seed: 2, dtype: 'float64', useDropout: true, dropoutRatio: 0.3 });
    plain.params.b2.data.set([0.5, -1, 2]);
    dropped.params.b2.data.set([0.5, -1, 2]);
    const { x } = smallProblem([4], 'relu');
    const b2 = [0.5, -1, 2];
    const expected = plain.predict(x).toArray().map((row) => row.map((v, j) => 0.7 * (v - b2[j]) + b2[j]));
    expectClose(dropped.predict(x).data, expected.flat(), { abs: 1e-14 });
  });

  it('a gradient moves the running stats once: running_mean1 = 0.1 mean(x W1 + b1), running_var1 = 0.1 var', () => {
    const { net, x, t } = smallProblem([4], 'sigmoid', { useBatchnorm: true });
    const { W1, b1 } = net.params;
    const a = Array.from({ length: 6 }, (_, i) => Array.from({ length: 4 }, (_, j) => {
      let s = b1.data[j];
      for (let k = 0; k < 5; k++) s += x.get(i, k) * W1.get(k, j);
      return s;
    }));
    const mean = [0, 1, 2, 3].map((j) => a.reduce((s, row) => s + row[j], 0) / 6);
    const variance = [0, 1, 2, 3].map((j) => a.reduce((s, row) => s + (row[j] - mean[j]) ** 2, 0) / 6);
    net.numericalGradient(x, t);
    expect(copy(net.buffers.running_mean1)).toEqual([0, 0, 0, 0]); // the check leaves them as they were
    net.gradient(x, t);
    expectClose(net.buffers.running_mean1.data, mean.map((m) => 0.1 * m), { abs: 1e-15 });
    expectClose(net.buffers.running_var1.data, variance.map((v) => 0.1 * v), { abs: 1e-15 });
    net.gradient(x, t);
    expectClose(net.buffers.running_mean1.data, mean.map((m) => 0.19 * m), { abs: 1e-15 });
  });

  it('a refused gradient (labels that do not fit, an empty batch) leaves the running stats and the iteration as they were', () => {
    const { net, x, t } = smallProblem([4], 'relu', { useBatchnorm: true });
    net.gradient(x, t);
    const before = [copy(net.buffers.running_mean1), copy(net.buffers.running_var1), net.iteration];
    expect(() => net.gradient(x, t.map((label, i) => (i === 2 ? 9 : label)))).toThrow('MultiLayerNet.loss: label 9 at row 2 is not a class in 0..2');
    expect(() => net.gradient(x, [...t, 0])).toThrow(`MultiLayerNet.loss: 6 rows but 7 labels`);
    expect(() => net.gradient(Matrix.zeros(0, 5), [])).toThrow('MultiLayerNet.loss: an empty batch (0 rows)');
    expect([copy(net.buffers.running_mean1), copy(net.buffers.running_var1), net.iteration]).toEqual(before);
    expect(before[0]).not.toEqual([0, 0, 0, 0]);
    // The layer itself refuses a batch of no rows in train mode: its mean would be 0/0.
    const bn = new BatchNormalization(Matrix.fromArray([[1, 1]]), Matrix.fromArray([[0, 0]]));
    expect(() => bn.forward(Matrix.zeros(0, 2), true)).toThrow('BatchNormalization.forward: an empty batch (0 rows) has no mean or variance');
    expect(Array.from(bn.runningMean.data)).toEqual([0, 0]);
  });

  it("draws Dropout_i's mask from (seed, iteration, i, row, unit); iteration advances once per gradient", () => {
    const { net, x, t } = smallProblem([6, 5], 'relu', { useDropout: true, seed: 12 });
    expect(net.iteration).toBe(0);
    net.loss(x, t, true); // a training forward does not advance it
    expect(net.iteration).toBe(0);
    net.gradient(x, t);
    net.gradient(x, t);
    expect(net.iteration).toBe(2);
    const dropout2 = net.layers.find((l) => l.name === 'Dropout2')!.layer as Dropout;
    for (let row = 0; row < 6; row++) {
      for (let unit = 0; unit < 5; unit++) expect(dropout2.mask![row * 5 + unit]).toBe(dropoutUniform(12, 1, 2, row, unit) > 0.5 ? 1 : 0);
    }
  });

  it('a resumed net (iteration set, weights copied) draws the same masks and gradients as the one that ran on', () => {
    const options = { useBatchnorm: true, useDropout: true, dropoutRatio: 0.4 } as const;
    const first = smallProblem([6, 5], 'tanh', options);
    const adam = new Adam(0.01);
    for (let i = 0; i < 3; i++) adam.update(first.net.params, first.net.gradient(first.x, first.t));
    const resumed = smallProblem([6, 5], 'tanh', options).net;
    for (const [name, m] of Object.entries(first.net.params)) resumed.params[name].data.set(m.data);
    for (const [name, m] of Object.entries(first.net.buffers)) resumed.buffers[name].data.set(m.data);
    resumed.iteration = first.net.iteration;
    const expected = first.net.gradient(first.x, first.t);
    const got = resumed.gradient(first.x, first.t);
    for (const name of Object.keys(first.net.params)) expect(copy(got[name]), name).toEqual(copy(expected[name]));
    expect(got.loss).toBe(expected.loss);
    for (const name of Object.keys(first.net.buffers)) expect(copy(resumed.buffers[name]), name).toEqual(copy(first.net.buffers[name]));
  });

  it('learns a small problem with batch norm (float32, Adam): train-mode loss under 0.1, test-mode accuracy 1', () => {
    const { x: x64, t } = smallProblem([8], 'relu');
    const x = new Matrix(6, 5, Float32Array.from(x64.data));
    const net = new MultiLayerNet({ inputSize: 5, hiddenSizeList: [8, 8], outputSize: 3, useBatchnorm: true, seed: 5 });
    const adam = new Adam(0.05);
    let loss = NaN;
    for (let i = 0; i < 200; i++) {
      const grads = net.gradient(x, t);
      loss = grads.loss;
      adam.update(net.params, grads);
    }
    expect(net.params.gamma1.data).toBeInstanceOf(Float32Array);
    expect(loss).toBeLessThan(0.1);
    expect(net.accuracy(x, t)).toBe(1);
  });

  it('rejects a bad dropoutRatio, useBatchnorm or iteration with a RangeError naming it', () => {
    const base = { inputSize: 3, hiddenSizeList: [2], outputSize: 2 };
    expect(() => new MultiLayerNet({ ...base, useDropout: true, dropoutRatio: 1 })).toThrow(/MultiLayerNet: dropoutRatio must be a number in \[0, 1\), got 1/);
    expect(() => new MultiLayerNet({ ...base, useBatchnorm: 'yes' as unknown as boolean })).toThrow(/MultiLayerNet: useBatchnorm must be true or false, got 'yes'/);
    const net = new MultiLayerNet(base);
    expect(() => {
      net.iteration = -1;
    }).toThrow(/MultiLayerNet: iteration must be an integer >= 0, got -1/);
  });
});
