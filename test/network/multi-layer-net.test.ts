/**
 * Tests for MultiLayerNet (src/network/multi-layer-net.ts) and its plan (plan.ts): the book's
 * layer and parameter names, parameters shared with the layers, backprop against float64
 * central differences for depths 0 to 3, every activation, with and without weight decay;
 * the weight-decay terms against a hand sum; accuracy on hand-set weights; bad input.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { Affine } from '../../src/layers/affine.js';
import { Relu } from '../../src/layers/relu.js';
import { Sigmoid } from '../../src/layers/sigmoid.js';
import { Tanh } from '../../src/layers/tanh.js';
import { MultiLayerNet, type MultiLayerNetOptions } from '../../src/network/multi-layer-net.js';
import { Adam } from '../../src/optim/adam.js';
import { expectClose } from '../helpers/assert-close.js';

type Activation = 'relu' | 'sigmoid' | 'tanh';

/** A float64 net on 4 rows of 6 N(0, 1) inputs, 3 classes. */
function smallProblem(hiddenSizeList: number[], activation: Activation, weightDecayLambda = 0) {
  const weightInitStd = activation === 'relu' ? 'he' : 'xavier';
  const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList, outputSize: 3, activation, weightInitStd, weightDecayLambda, seed: 7, dtype: 'float64' });
  const random = new Random(11);
  const x = Matrix.zeros(4, 6, 'float64');
  for (let i = 0; i < x.size; i++) x.data[i] = random.nextGaussian();
  return { net, x, t: [0, 2, 1, 2] };
}

const sumSquaresOfW = (net: MultiLayerNet): number =>
  Object.entries(net.params)
    .filter(([name]) => name.startsWith('W'))
    .reduce((s, [, m]) => s + Array.from(m.data).reduce((a, v) => a + v * v, 0), 0);

describe('MultiLayerNet layers and params', () => {
  it("names the layers as the book does: Affine1, Relu1, ..., Affine4, then SoftmaxWithLoss", () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4, 3], outputSize: 2 });
    expect(net.layers.map((l) => l.name)).toEqual(['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3', 'Relu3', 'Affine4']);
    expect(net.plan.layers.map((l) => l.name).at(-1)).toBe('SoftmaxWithLoss');
    expect(net.plan.sizes).toEqual([6, 5, 4, 3, 2]);
    expect(Object.keys(net.params)).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4']);
    const shapes = Object.values(net.params).map((m) => [m.rows, m.cols]);
    expect(shapes).toEqual([[6, 5], [1, 5], [5, 4], [1, 4], [4, 3], [1, 3], [3, 2], [1, 2]]);
  });

  it('uses Sigmoid1.. and Tanh1.. layers for those activations, and one Affine for no hidden layer', () => {
    const sig = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2, 2], outputSize: 2, activation: 'sigmoid' });
    expect(sig.layers.map((l) => l.name)).toEqual(['Affine1', 'Sigmoid1', 'Affine2', 'Sigmoid2', 'Affine3']);
    expect(sig.layers[1].layer).toBeInstanceOf(Sigmoid);
    const tanh = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2], outputSize: 2, activation: 'tanh' });
    expect(tanh.layers.map((l) => l.name)).toEqual(['Affine1', 'Tanh1', 'Affine2']);
    expect(tanh.layers[1].layer).toBeInstanceOf(Tanh);
    const relu = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2], outputSize: 2 });
    expect(relu.layers[1].layer).toBeInstanceOf(Relu);
    const flat = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [], outputSize: 2 });
    expect(flat.layers.map((l) => l.name)).toEqual(['Affine1']);
  });

  it('params are the very Matrix objects the Affine layers hold', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4], outputSize: 2 });
    const affines = net.layers.filter((l) => l.kind === 'affine');
    expect(affines).toHaveLength(3);
    affines.forEach((entry, i) => {
      expect(entry.layer).toBeInstanceOf(Affine);
      if (entry.kind !== 'affine') return;
      expect(entry.layer.W).toBe(net.params[`W${i + 1}`]);
      expect(entry.layer.b).toBe(net.params[`b${i + 1}`]);
      expect([entry.W, entry.b]).toEqual([`W${i + 1}`, `b${i + 1}`]);
    });
  });

  it('shares buffers: writing params changes what predict returns', () => {
    const net = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [2, 2], outputSize: 2, weightInitStd: 1, dtype: 'float64' });
    const x = Matrix.fromArray([[1, 2, 3]], 'float64');
    const before = net.predict(x).clone();
    net.params.W3.data.fill(0);
    net.params.b3.data.set([5, -5]);
    expect(net.predict(x).toArray()).toEqual([[5, -5]]);
    expect(before.toArray()).not.toEqual([[5, -5]]);
  });
});

describe('MultiLayerNet gradients against numericalGradient (float64, h = 1e-4)', () => {
  // The central difference errs by about (h^2 / 6) f''' ~ 2e-9 f''' plus rounding ~ 1e-16 L / h
  // ~ 1e-12; measured here at most 4.3e-9. The bound, 1e-7 per entry, leaves a margin of 20
  // and is far below the effects a bug would have (a missing decay term lambda W ~ 5e-2).
  const TOL = { abs: 1e-7 };
  for (const hidden of [[], [5], [5, 4], [5, 4, 3]]) {
    for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
      for (const lambda of [0, 0.1]) {
        it(`depth ${hidden.length} (${[6, ...hidden, 3].join('-')}), ${activation}, weight decay ${lambda}: every entry within 1e-7`, () => {
          const { net, x, t } = smallProblem(hidden, activation, lambda);
          const numerical = net.numericalGradient(x, t);
          const backprop = net.gradient(x, t);
          expect(Object.keys(numerical)).toEqual(Object.keys(net.params));
          for (const name of Object.keys(net.params)) expectClose(backprop[name].data, numerical[name].data, TOL);
          // Not vacuous: the gradients are far from 0.
          const biggest = Math.max(...Object.keys(net.params).flatMap((n) => Array.from(backprop[n].data, Math.abs)));
          expect(biggest).toBeGreaterThan(0.05);
        });
      }
    }
  }
});

describe('MultiLayerNet weight decay', () => {
  it('the loss gains (lambda / 2) sum of W^2 over every W (no b), summed here by hand', () => {
    const plain = smallProblem([5, 4], 'relu', 0);
    const decayed = smallProblem([5, 4], 'relu', 0.3);
    for (const m of Object.values(decayed.net.params)) for (let i = 0; i < m.size; i++) m.data[i] += 0.01; // nonzero b too
    for (const [name, m] of Object.entries(decayed.net.params)) plain.net.params[name].data.set(m.data);
    const expected = plain.net.loss(plain.x, plain.t) + 0.5 * 0.3 * sumSquaresOfW(plain.net);
    expect(decayed.net.loss(decayed.x, decayed.t)).toBeCloseTo(expected, 13);
  });

  it("each W's gradient gains lambda W, each b's none; the layers' dW stay the plain derivative", () => {
    const plain = smallProblem([5, 4], 'tanh', 0);
    const decayed = smallProblem([5, 4], 'tanh', 0.3);
    const g0 = plain.net.gradient(plain.x, plain.t);
    const g = decayed.net.gradient(decayed.x, decayed.t);
    for (const name of Object.keys(g0).filter((n) => n !== 'loss')) {
      const p = decayed.net.params[name];
      const expected = Array.from(g0[name].data, (v, i) => (name.startsWith('W') ? v + 0.3 * p.data[i] : v));
      expect(Array.from(g[name].data), name).toEqual(expected);
    }
    const affine1 = decayed.net.layers[0].layer as Affine;
    expect(g.W1).not.toBe(affine1.dW);
    expect(Array.from(affine1.dW.data)).toEqual(Array.from(g0.W1.data));
  });

  it('without decay, gradient returns the layers own dW/db buffers and the loss of its forward pass', () => {
    const { net, x, t } = smallProblem([5], 'relu', 0);
    const grads = net.gradient(x, t);
    const affines = net.layers.map((l) => l.layer).filter((l): l is Affine => l instanceof Affine);
    expect(grads.W1).toBe(affines[0].dW);
    expect(grads.b2).toBe(affines[1].db);
    expect(grads.loss).toBe(net.loss(x, t));
  });

  it('rejects a negative or non-finite lambda', () => {
    expect(() => new MultiLayerNet({ inputSize: 2, hiddenSizeList: [2], outputSize: 2, weightDecayLambda: -0.1 })).toThrow(
      /MultiLayerNet: weightDecayLambda must be a finite number >= 0, got -0.1/,
    );
    expect(() => new MultiLayerNet({ inputSize: 2, hiddenSizeList: [2], outputSize: 2, weightDecayLambda: Infinity })).toThrow(RangeError);
  });
});

describe('MultiLayerNet predict, accuracy and training', () => {
  // 2-[2, 2]-2, ReLU, every W the identity and b = 0: the scores are relu(x)
  function identityNet(): MultiLayerNet {
    const net = new MultiLayerNet({ inputSize: 2, hiddenSizeList: [2, 2], outputSize: 2, dtype: 'float64' });
    for (const name of ['W1', 'W2', 'W3']) net.params[name].data.set([1, 0, 0, 1]);
    return net;
  }
  const x = Matrix.fromArray([[1, 0], [0, 1], [3, 2], [1, 4], [-1, 2]], 'float64');

  it('predict gives relu(x) through identity weights, worked by hand', () => {
    expect(identityNet().predict(x).toArray()).toEqual([[1, 0], [0, 1], [3, 2], [1, 4], [0, 2]]);
  });

  it('accuracy is 3/5 with labels and with one-hot truths', () => {
    const labels = [0, 1, 0, 0, 0]; // argmax rows: 0, 1, 0, 1, 1
    expect(identityNet().accuracy(x, labels)).toBe(0.6);
    const oneHot = Matrix.zeros(5, 2, 'float64');
    labels.forEach((l, i) => oneHot.set(i, l, 1));
    expect(identityNet().accuracy(x, oneHot)).toBe(0.6);
    expect(identityNet().countCorrect(x, labels)).toBe(3);
  });

  it('learns a small problem with Adam (6-5-4-3): loss from 1.26 to under 0.05 in 200 steps', () => {
    const { net, x, t } = smallProblem([5, 4], 'relu');
    const adam = new Adam(0.02);
    const first = net.loss(x, t);
    for (let i = 0; i < 200; i++) adam.update(net.params, net.gradient(x, t));
    expect(first).toBeCloseTo(1.2621, 3);
    expect(net.loss(x, t)).toBeLessThan(0.05);
    expect(net.accuracy(x, t)).toBe(1);
  });

  it('float32 by default, float64 on request', () => {
    expect(new MultiLayerNet({ inputSize: 2, hiddenSizeList: [2], outputSize: 2 }).params.W1.data).toBeInstanceOf(Float32Array);
    expect(new MultiLayerNet({ inputSize: 2, hiddenSizeList: [2], outputSize: 2, dtype: 'float64' }).dtype).toBe('float64');
  });
});

describe('MultiLayerNet bad input', () => {
  const base: MultiLayerNetOptions = { inputSize: 4, hiddenSizeList: [3], outputSize: 2 };
  const cases: [string, Partial<Record<keyof MultiLayerNetOptions, unknown>>, RegExp][] = [
    ['inputSize 0', { inputSize: 0 }, /MultiLayerNet: inputSize must be a positive integer, got 0/],
    ['outputSize 2.5', { outputSize: 2.5 }, /outputSize must be a positive integer, got 2.5/],
    ['a hidden width of 0', { hiddenSizeList: [3, 0] }, /hiddenSizeList\[1\] must be a positive integer, got 0/],
    ['hiddenSizeList not an array', { hiddenSizeList: 100 }, /hiddenSizeList must be an array/],
    ['an unknown activation', { activation: 'gelu' }, /activation must be one of relu, sigmoid, tanh, got 'gelu'/],
    ['an unknown init', { weightInitStd: 'lecun' }, /weightInitStd must be a finite number >= 0 or one of he, relu, xavier, sigmoid, got 'lecun'/],
    ['a negative std', { weightInitStd: -0.1 }, /weightInitStd .* got -0.1/],
    ['a fractional seed', { seed: 1.5 }, /seed must be an integer, got 1.5/],
    ['dtype float16', { dtype: 'float16' }, /dtype must be 'float32' or 'float64', got float16/],
  ];
  for (const [what, change, message] of cases) {
    it(`rejects ${what} with a RangeError naming it`, () => {
      const options = { ...base, ...change } as MultiLayerNetOptions;
      expect(() => new MultiLayerNet(options)).toThrow(RangeError);
      expect(() => new MultiLayerNet(options)).toThrow(message);
    });
  }

  it('rejects an input of the wrong width and too few labels', () => {
    const net = new MultiLayerNet(base);
    expect(() => net.predict(Matrix.zeros(2, 5))).toThrow(/MultiLayerNet.predict: x has 5 columns, expected inputSize 4/);
    expect(() => net.accuracy(Matrix.zeros(3, 4), [0, 1])).toThrow(/MultiLayerNet.accuracy: 3 rows but 2 labels/);
    expect(() => net.loss(Matrix.zeros(3, 4), [0, 1, 2])).toThrow(/label 2 at row 2 is not a class in 0..1/);
  });

  it("accepts the book's init names in any case", () => {
    expect(new MultiLayerNet({ ...base, weightInitStd: 'He' as 'he' }).spec.weightInitStd).toBe('he');
  });
});
