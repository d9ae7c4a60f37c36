/**
 * Tests for TwoLayerNet (src/network/two-layer-net.ts) and the numerical gradient: shared
 * parameter buffers, seeded initialisation, backprop against central differences in float64,
 * accuracy on data worked out by hand, and labels against one-hot truths.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { numericalGradient } from '../../src/network/numerical-gradient.js';
import { PARAM_NAMES, TwoLayerNet } from '../../src/network/two-layer-net.js';
import { SGD } from '../../src/optim/sgd.js';
import { expectClose } from '../helpers/assert-close.js';

const bytes = (m: Matrix): Uint8Array => new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength).slice();

function uniformMatrix(random: Random, rows: number, cols: number): Matrix {
  const m = Matrix.zeros(rows, cols, 'float64');
  for (let i = 0; i < m.size; i++) m.data[i] = random.next();
  return m;
}

function oneHot(labels: readonly number[], classes: number): Matrix {
  const t = Matrix.zeros(labels.length, classes, 'float64');
  labels.forEach((label, i) => t.set(i, label, 1));
  return t;
}

/** A small float64 net and batch: 4 samples of 20 inputs in [0, 1), hidden 7, 10 classes. */
function smallProblem(weightInitStd: number) {
  const net = new TwoLayerNet({ inputSize: 20, hiddenSize: 7, outputSize: 10, weightInitStd, seed: 3, dtype: 'float64' });
  const random = new Random(99);
  const x = uniformMatrix(random, 4, 20);
  const t = [3, 7, 0, 7];
  return { net, x, t };
}

describe('TwoLayerNet parameters', () => {
  it('params are the very Matrix objects the Affine layers hold', () => {
    const net = new TwoLayerNet({ inputSize: 6, hiddenSize: 4, outputSize: 3 });
    expect(net.params.W1).toBe(net.affine1.W);
    expect(net.params.b1).toBe(net.affine1.b);
    expect(net.params.W2).toBe(net.affine2.W);
    expect(net.params.b2).toBe(net.affine2.b);
  });

  it('has the book shapes: W1 D x H, b1 1 x H, W2 H x C, b2 1 x C', () => {
    const net = new TwoLayerNet({ inputSize: 6, hiddenSize: 4, outputSize: 3, dtype: 'float64' });
    const shapes = PARAM_NAMES.map((name) => [net.params[name].rows, net.params[name].cols]);
    expect(shapes).toEqual([[6, 4], [1, 4], [4, 3], [1, 3]]);
    expect(net.dtype).toBe('float64');
  });

  it('shares buffers: writing params.W1.data changes what predict returns', () => {
    const net = new TwoLayerNet({ inputSize: 3, hiddenSize: 2, outputSize: 2, weightInitStd: 1, dtype: 'float64' });
    const x = Matrix.fromArray([[1, 2, 3]], 'float64');
    const before = net.predict(x).clone();
    net.params.W1.data.fill(0);
    net.params.b2.data.set([5, -5]);
    // hidden is relu(0) = 0, so the scores are exactly b2
    expect(net.predict(x).toArray()).toEqual([[5, -5]]);
    expect(before.toArray()).not.toEqual([[5, -5]]);
  });

  it('gives identical W1 and W2 bytes for the same seed and different ones for another seed', () => {
    const options = { inputSize: 30, hiddenSize: 8, outputSize: 10 };
    const a = new TwoLayerNet({ ...options, seed: 42 });
    const b = new TwoLayerNet({ ...options, seed: 42 });
    const c = new TwoLayerNet({ ...options, seed: 43 });
    expect(bytes(b.params.W1)).toEqual(bytes(a.params.W1));
    expect(bytes(b.params.W2)).toEqual(bytes(a.params.W2));
    expect(bytes(c.params.W1)).not.toEqual(bytes(a.params.W1));
    const same = Array.from(c.params.W1.data).filter((v, i) => v === a.params.W1.data[i]).length;
    expect(same).toBe(0);
  });

  it('draws W1 with mean ~0 and standard deviation ~weightInitStd, and starts b1, b2 at zero', () => {
    for (const weightInitStd of [0.01, 0.5]) {
      const net = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, weightInitStd, seed: 7 });
      const w = net.params.W1.data;
      let sum = 0;
      let sumSq = 0;
      for (const v of w) {
        sum += v;
        sumSq += v * v;
      }
      const mean = sum / w.length;
      const std = Math.sqrt(sumSq / w.length - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.03 * weightInitStd); // 39,200 draws: sd of the mean ~0.005 std
      expect(Math.abs(std / weightInitStd - 1)).toBeLessThan(0.02);
      expect(Array.from(net.params.b1.data).every((v) => v === 0)).toBe(true);
      expect(Array.from(net.params.b2.data).every((v) => v === 0)).toBe(true);
    }
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => new TwoLayerNet({ inputSize: 0, hiddenSize: 2, outputSize: 2 })).toThrow(/inputSize/);
    expect(() => new TwoLayerNet({ inputSize: 2, hiddenSize: 2.5, outputSize: 2 })).toThrow(/hiddenSize/);
  });
});

describe('TwoLayerNet on hand-set weights', () => {
  // W1 = [1 -1; -1 1], b1 = 0  ->  h = relu([x0 - x1, x1 - x0])
  // W2 = [2 0; 0 1],   b2 = [0 0.5]  ->  scores = [2 h0, h1 + 0.5]
  function handNet(): TwoLayerNet {
    const net = new TwoLayerNet({ inputSize: 2, hiddenSize: 2, outputSize: 2, dtype: 'float64' });
    net.params.W1.data.set([1, -1, -1, 1]);
    net.params.W2.data.set([2, 0, 0, 1]);
    net.params.b2.data.set([0, 0.5]);
    return net;
  }
  const x = Matrix.fromArray([[1, 0], [0, 1], [2, 3], [5, 1], [1, 1]], 'float64');
  const labels = [0, 1, 0, 0, 1]; // the third row scores [0, 1.5]: wrong; the others right

  it('predict gives the hand-computed raw scores', () => {
    expect(handNet().predict(x).toArray()).toEqual([[2, 0.5], [0, 1.5], [0, 1.5], [8, 0.5], [0, 0.5]]);
  });

  it('accuracy is 4/5 with labels and with one-hot truths', () => {
    expect(handNet().accuracy(x, labels)).toBe(0.8);
    expect(handNet().accuracy(x, oneHot(labels, 2))).toBe(0.8);
    expect(handNet().countCorrect(x, Uint8Array.from(labels))).toBe(4);
    expect(handNet().accuracy(x, [1, 0, 1, 1, 0])).toBe(0.2);
  });

  it('loss is the mean of -log softmax(scores)[label], computed by hand', () => {
    const scores = [[2, 0.5], [0, 1.5], [0, 1.5], [8, 0.5], [0, 0.5]];
    const expected =
      scores.reduce((s, [a, b], i) => s - Math.log(Math.exp(labels[i] === 0 ? a : b) / (Math.exp(a) + Math.exp(b))), 0) / 5;
    expect(handNet().loss(x, labels)).toBeCloseTo(expected, 14);
  });
});

describe('TwoLayerNet gradients', () => {
  for (const weightInitStd of [0.01, 0.3]) {
    it(`backprop matches numericalGradient in float64 (weightInitStd ${weightInitStd}): mean |diff| < 1e-9 per param`, () => {
      const { net, x, t } = smallProblem(weightInitStd);
      const numerical = net.numericalGradient(x, t);
      const backprop = net.gradient(x, t);
      for (const name of PARAM_NAMES) {
        const a = backprop[name].data;
        const b = numerical[name].data;
        let sum = 0;
        for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        expect(sum / a.length, name).toBeLessThan(1e-9);
        expectClose(a, b, { abs: 1e-8 });
      }
      // The check is not vacuous: some gradients are far from 0.
      expect(Math.max(...Array.from(backprop.b2.data).map(Math.abs))).toBeGreaterThan(0.05);
    });
  }

  it('numericalGradient leaves every parameter exactly as it found it', () => {
    const { net, x, t } = smallProblem(0.1);
    const before = PARAM_NAMES.map((name) => bytes(net.params[name]));
    net.numericalGradient(x, t);
    expect(PARAM_NAMES.map((name) => bytes(net.params[name]))).toEqual(before);
  });

  it('numericalGradient of a cubic is its derivative (central difference, h = 1e-4)', () => {
    const p = Matrix.fromArray([[1, -2, 0.5]], 'float64');
    // f(p) = sum p_i^3: f' = 3 p^2; central difference error is h^2 = 1e-8 per entry
    const g = numericalGradient(() => Array.from(p.data).reduce((s, v) => s + v * v * v, 0), p);
    expectClose(g.data, [3, 12, 0.75], { abs: 2e-8 });
  });

  it('the loss returned by gradient equals loss(x, t) on the same batch', () => {
    const { net, x, t } = smallProblem(0.3);
    const { loss } = net.gradient(x, t);
    expect(loss).toBe(net.loss(x, t));
    expect(loss).toBeGreaterThan(0);
  });

  it('gradient returns the layers own dW/db buffers', () => {
    const { net, x, t } = smallProblem(0.3);
    const grads = net.gradient(x, t);
    expect(grads.W1).toBe(net.affine1.dW);
    expect(grads.b1).toBe(net.affine1.db);
    expect(grads.W2).toBe(net.affine2.dW);
    expect(grads.b2).toBe(net.affine2.db);
  });

  it('one-hot and label truths give the same loss and the same gradients', () => {
    const { net, x, t } = smallProblem(0.3);
    const byLabels = net.gradient(x, t);
    const lossLabels = byLabels.loss;
    const gradsLabels = PARAM_NAMES.map((name) => Array.from(byLabels[name].data));
    const byOneHot = net.gradient(x, oneHot(t, 10));
    expect(byOneHot.loss).toBeCloseTo(lossLabels, 13);
    PARAM_NAMES.forEach((name, i) => expectClose(byOneHot[name].data, gradsLabels[i], { abs: 1e-15 }));
  });

  it('one SGD step moves params in place by -lr * grad and lowers the loss of that batch', () => {
    const { net, x, t } = smallProblem(0.3);
    const grads = net.gradient(x, t);
    const expected = PARAM_NAMES.map((name) => Array.from(net.params[name].data).map((p, i) => p - 0.1 * grads[name].data[i]));
    const lossBefore = grads.loss;
    new SGD(0.1).update(net.params, grads);
    PARAM_NAMES.forEach((name, i) => expectClose(net.params[name].data, expected[i], { abs: 1e-15 }));
    expect(net.params.W1).toBe(net.affine1.W);
    expect(net.loss(x, t)).toBeLessThan(lossBefore);
  });
});
