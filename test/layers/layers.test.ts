/**
 * Tests for the matrix layers (Relu, Sigmoid, Affine, SoftmaxWithLoss): forward on values worked
 * out by hand, backward against float64 central differences of a scalar function of the output,
 * and the buffer contracts (dout is never written, outputs are reused per batch size).
 *
 * For a layer f the scalar is L(x) = sum(f(x) * R) with a fixed random R, so dL/dy = R and the
 * layer's backward(R) must equal the numerical dL/dx (and dL/dW, dL/db for Affine).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { setBackend } from '../../src/kernels/backend.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { Affine } from '../../src/layers/affine.js';
import type { Layer } from '../../src/layers/layer.js';
import { Relu } from '../../src/layers/relu.js';
import { Sigmoid } from '../../src/layers/sigmoid.js';
import { SoftmaxWithLoss } from '../../src/layers/softmax-with-loss.js';
import { expectClose } from '../helpers/assert-close.js';

const H = 1e-5;
const GRAD_TOL = { abs: 1e-8 };

/** rows x cols float64 of scale * N(0, 1), optionally pushed away from 0 by `gap` (relu's kink). */
function randomMatrix(random: Random, rows: number, cols: number, scale = 1, gap = 0): Matrix {
  const m = Matrix.zeros(rows, cols, 'float64');
  for (let i = 0; i < m.size; i++) {
    const g = scale * random.nextGaussian();
    m.data[i] = g >= 0 ? g + gap : g - gap;
  }
  return m;
}

/** Central difference of f with respect to every entry of p, perturbing p in place and restoring it. */
function centralDiff(f: () => number, p: Matrix, h = H): Float64Array {
  const grad = new Float64Array(p.size);
  for (let i = 0; i < p.size; i++) {
    const saved = p.data[i];
    p.data[i] = saved + h;
    const plus = f();
    p.data[i] = saved - h;
    const minus = f();
    p.data[i] = saved;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/** sum(y * r) in float64. */
function dot(y: Matrix, r: Matrix): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i] * r.data[i];
  return s;
}

/** forward then backward(R) once; returns a copy of dx and of the dout that went in. */
function backwardOnce(layer: Layer, x: Matrix, dout: Matrix): { dx: Matrix; doutBefore: Matrix } {
  layer.forward(x);
  const doutBefore = dout.clone();
  return { dx: layer.backward(dout).clone(), doutBefore };
}

describe('Relu', () => {
  it('forward keeps positives and zeroes the rest, 0 included', () => {
    const y = new Relu().forward(Matrix.fromArray([[-1, 0, 2], [3, -0.5, 0]], 'float64'));
    expect(y.toArray()).toEqual([[0, 0, 2], [3, 0, 0]]);
  });

  it('backward passes dout only where x > 0 (0 at exactly x = 0)', () => {
    const relu = new Relu();
    relu.forward(Matrix.fromArray([[-1, 0, 2]]));
    expect(relu.backward(Matrix.fromArray([[5, 6, 7]])).toArray()).toEqual([[0, 0, 7]]);
  });

  // The book zeroes where x <= 0, and NaN <= 0 is false: a NaN (a diverged weight) is not hidden.
  for (const backend of ['js', 'wasm'] as const) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`lets a NaN through, forward and backward, as the book's mask does (${backend} kernels, ${dtype})`, () => {
        setBackend(backend);
        try {
          const relu = new Relu();
          expect(relu.forward(Matrix.fromArray([[NaN, -1, 2]], dtype)).toArray()).toEqual([[NaN, 0, 2]]);
          expect(relu.backward(Matrix.fromArray([[5, 6, 7]], dtype)).toArray()).toEqual([[5, 0, 7]]);
        } finally {
          setBackend('wasm');
        }
      });
    }
  }

  it('backward matches float64 central differences of sum(relu(x) * R)', () => {
    const random = new Random(101);
    const x = randomMatrix(random, 4, 6, 1, 0.01); // |x| >= 0.01 >> h: no kink inside the difference
    const R = randomMatrix(random, 4, 6);
    const relu = new Relu();
    const { dx } = backwardOnce(relu, x, R);
    const probe = new Relu();
    expectClose(dx.data, centralDiff(() => dot(probe.forward(x), R), x), GRAD_TOL);
  });
});

describe('Sigmoid', () => {
  it('forward gives 1/2 at 0 and 3/4, 1/4 at +-ln 3', () => {
    const y = new Sigmoid().forward(Matrix.fromArray([[0, Math.log(3), -Math.log(3)]], 'float64'));
    expectClose(y.data, [0.5, 0.75, 0.25], { abs: 1e-15 });
  });

  it('backward matches float64 central differences of sum(sigmoid(x) * R)', () => {
    const random = new Random(102);
    const x = randomMatrix(random, 3, 5, 2);
    const R = randomMatrix(random, 3, 5);
    const { dx } = backwardOnce(new Sigmoid(), x, R);
    const probe = new Sigmoid();
    expectClose(dx.data, centralDiff(() => dot(probe.forward(x), R), x), GRAD_TOL);
  });
});

describe('Affine', () => {
  // X = [1 2; 3 4; 0 -1], W = [1 -1; 2 0.5], b = [10 20]
  // X W = [5 0; 11 -1; -2 -0.5], + b = [15 20; 21 19; 8 19.5]
  // dY = [1 0; 0 1; 1 1]: dX = dY W^T = [1 2; -1 0.5; 0 2.5], dW = X^T dY = [1 3; 1 3], db = [2 2]
  const handX = (): Matrix => Matrix.fromArray([[1, 2], [3, 4], [0, -1]], 'float64');
  const handLayer = (): Affine =>
    new Affine(Matrix.fromArray([[1, -1], [2, 0.5]], 'float64'), Matrix.fromArray([[10, 20]], 'float64'));
  const handDout = (): Matrix => Matrix.fromArray([[1, 0], [0, 1], [1, 1]], 'float64');

  it('forward is X W + b on a 3x2 batch and a 2x2 W, worked by hand', () => {
    expect(handLayer().forward(handX()).toArray()).toEqual([[15, 20], [21, 19], [8, 19.5]]);
  });

  it('backward gives dX = dY W^T, dW = X^T dY, db = column sums of dY, worked by hand', () => {
    const affine = handLayer();
    affine.forward(handX());
    expect(affine.backward(handDout()).toArray()).toEqual([[1, 2], [-1, 0.5], [0, 2.5]]);
    expect(affine.dW.toArray()).toEqual([[1, 3], [1, 3]]);
    expect(affine.db.toArray()).toEqual([[2, 2]]);
  });

  it('backward matches float64 central differences for dX, dW and db (non-square W)', () => {
    const random = new Random(103);
    const x = randomMatrix(random, 4, 5);
    const W = randomMatrix(random, 5, 3);
    const b = randomMatrix(random, 1, 3);
    const R = randomMatrix(random, 4, 3);
    const affine = new Affine(W, b);
    const { dx } = backwardOnce(affine, x, R);
    const dW = affine.dW.clone();
    const db = affine.db.clone();

    const probe = new Affine(W, b); // shares W and b: perturbing them is seen by forward
    const L = (): number => dot(probe.forward(x), R);
    expectClose(dx.data, centralDiff(L, x), GRAD_TOL);
    expectClose(dW.data, centralDiff(L, W), GRAD_TOL);
    expectClose(db.data, centralDiff(L, b), GRAD_TOL);
  });

  it('keeps dW and db on itself after backward, until the next backward', () => {
    const affine = handLayer();
    const { dW, db } = affine;
    affine.forward(handX());
    affine.backward(handDout());
    affine.forward(Matrix.fromArray([[100, 100]], 'float64')); // a forward alone does not touch them
    expect(affine.dW).toBe(dW);
    expect(affine.db).toBe(db);
    expect(affine.dW.toArray()).toEqual([[1, 3], [1, 3]]);
    expect(affine.db.toArray()).toEqual([[2, 2]]);
  });

  it('backwardParams gives exactly the dW and db that backward gives', () => {
    const random = new Random(104);
    const x = randomMatrix(random, 6, 7);
    const W = randomMatrix(random, 7, 4);
    const b = randomMatrix(random, 1, 4);
    const dout = randomMatrix(random, 6, 4);
    const full = new Affine(W, b);
    full.forward(x);
    full.backward(dout);
    const paramsOnly = new Affine(W, b);
    paramsOnly.forward(x);
    paramsOnly.backwardParams(dout);
    expect(Array.from(paramsOnly.dW.data)).toEqual(Array.from(full.dW.data));
    expect(Array.from(paramsOnly.db.data)).toEqual(Array.from(full.db.data));
  });

  it('uses W and b themselves (shared, not copied): changing W.data changes the output', () => {
    const affine = handLayer();
    affine.W.set(0, 0, 2); // row 0 of X is [1 2]: y[0][0] goes from 15 to 16
    expect(affine.forward(handX()).get(0, 0)).toBe(16);
  });

  it('rejects a bias of the wrong width, an input of the wrong width and a backward without forward', () => {
    const W = Matrix.zeros(2, 3, 'float64');
    expect(() => new Affine(W, Matrix.zeros(1, 2, 'float64'))).toThrow(/Affine: b/);
    const affine = new Affine(W, Matrix.zeros(1, 3, 'float64'));
    expect(() => affine.forward(Matrix.zeros(4, 3, 'float64'))).toThrow(/expected 4 x 2, got 4 x 3/);
    expect(() => affine.backward(Matrix.zeros(4, 3, 'float64'))).toThrow(/call forward/);
    affine.forward(Matrix.zeros(4, 2, 'float64'));
    expect(() => affine.backward(Matrix.zeros(5, 3, 'float64'))).toThrow(/same size/);
  });
});

describe('SoftmaxWithLoss', () => {
  // Row 0: softmax([0, ln 2, ln 3]) = [1/6, 1/3, 1/2], label 2: -log(1/2) = ln 2
  // Row 1: softmax([5, 5, 5]) = [1/3, 1/3, 1/3], label 0: ln 3.  Mean loss (ln 2 + ln 3) / 2.
  // dA = (y - t) / 2 = [1/12, 1/6, -1/4; -1/3, 1/6, 1/6]
  const handA = (): Matrix => Matrix.fromArray([[0, Math.log(2), Math.log(3)], [5, 5, 5]], 'float64');

  it('forward gives softmax rows and the mean cross-entropy, worked by hand', () => {
    const layer = new SoftmaxWithLoss();
    expect(layer.forward(handA(), [2, 0])).toBeCloseTo((Math.log(2) + Math.log(3)) / 2, 14);
    expect(layer.y).not.toBeNull();
    expectClose(layer.y?.data ?? [], [1 / 6, 1 / 3, 1 / 2, 1 / 3, 1 / 3, 1 / 3], { abs: 1e-15 });
  });

  it('backward gives (y - t) / N, worked by hand, and scales with dout', () => {
    const layer = new SoftmaxWithLoss();
    layer.forward(handA(), [2, 0]);
    expectClose(layer.backward().data, [1 / 12, 1 / 6, -1 / 4, -1 / 3, 1 / 6, 1 / 6], { abs: 1e-15 });
    expectClose(layer.backward(3).data, [1 / 4, 1 / 2, -3 / 4, -1, 1 / 2, 1 / 2], { abs: 1e-15 });
  });

  it('backward matches float64 central differences of the loss itself', () => {
    const random = new Random(105);
    const a = randomMatrix(random, 5, 4, 2);
    const labels = [3, 0, 1, 1, 2];
    const layer = new SoftmaxWithLoss();
    layer.forward(a, labels);
    const dx = layer.backward(1).clone();
    const probe = new SoftmaxWithLoss();
    expectClose(dx.data, centralDiff(() => probe.forward(a, labels), a), GRAD_TOL);
  });

  it('accepts labels (number[], Uint8Array, Int32Array) and one-hot rows, with the same loss and gradient', () => {
    const random = new Random(106);
    const a = randomMatrix(random, 4, 3, 3);
    const labels = [2, 0, 1, 2];
    const oneHot = Matrix.zeros(4, 3, 'float64');
    labels.forEach((label, i) => oneHot.set(i, label, 1));

    const byOneHot = new SoftmaxWithLoss();
    const lossOneHot = byOneHot.forward(a, oneHot);
    const dxOneHot = byOneHot.backward().clone();
    for (const t of [labels, Uint8Array.from(labels), Int32Array.from(labels)]) {
      const byLabels = new SoftmaxWithLoss();
      expect(byLabels.forward(a, t)).toBeCloseTo(lossOneHot, 13);
      expectClose(byLabels.backward().data, dxOneHot.data, { abs: 1e-15 });
    }
  });

  it('stays finite on huge logits (1000, 1001)', () => {
    const layer = new SoftmaxWithLoss();
    const loss = layer.forward(Matrix.fromArray([[1000, 1001]]), [0]);
    expect(loss).toBeCloseTo(Math.log(1 + Math.E), 5);
    expect(Array.from(layer.backward().data).every(Number.isFinite)).toBe(true);
  });

  it('rejects labels outside 0..C-1, non-integers, too few labels and a one-hot of the wrong shape', () => {
    const layer = new SoftmaxWithLoss();
    const a = Matrix.zeros(2, 3, 'float64');
    expect(() => layer.forward(a, [0, 3])).toThrow(/label 3 at row 1/);
    expect(() => layer.forward(a, [-1, 0])).toThrow(/label -1 at row 0/);
    expect(() => layer.forward(a, [0.5, 0])).toThrow(RangeError);
    expect(() => layer.forward(a, [0])).toThrow(/2 rows but 1 labels/);
    expect(() => layer.forward(a, Matrix.zeros(2, 2, 'float64'))).toThrow(/one-hot/);
    expect(() => new SoftmaxWithLoss().backward()).toThrow(/call forward first/);
  });
});

describe('layer buffer contracts', () => {
  const makers: [string, () => Layer][] = [
    ['Relu', () => new Relu()],
    ['Sigmoid', () => new Sigmoid()],
    ['Affine', () => new Affine(randomMatrix(new Random(7), 5, 5), randomMatrix(new Random(8), 1, 5))],
  ];

  it.each(makers)('%s backward never writes into dout, and forward never writes into x', (_name, make) => {
    const random = new Random(201);
    const x = randomMatrix(random, 3, 5);
    const xBefore = x.clone();
    const dout = randomMatrix(random, 3, 5);
    const { doutBefore } = backwardOnce(make(), x, dout);
    expect(Array.from(dout.data)).toEqual(Array.from(doutBefore.data));
    expect(Array.from(x.data)).toEqual(Array.from(xBefore.data));
  });

  it('SoftmaxWithLoss backward never writes into a, the one-hot t or its own y', () => {
    const random = new Random(202);
    const a = randomMatrix(random, 3, 4);
    const aBefore = a.clone();
    const t = Matrix.fromArray([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]], 'float64');
    const layer = new SoftmaxWithLoss();
    layer.forward(a, t);
    const yBefore = layer.y?.clone();
    layer.backward(2);
    expect(Array.from(a.data)).toEqual(Array.from(aBefore.data));
    expect(t.toArray()).toEqual([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]]);
    expect(layer.y?.toArray()).toEqual(yBefore?.toArray());
  });

  it.each(makers)('%s returns the same output and dx objects on a second call with the same batch size', (_name, make) => {
    const random = new Random(203);
    const layer = make();
    const x1 = randomMatrix(random, 3, 5);
    const x2 = randomMatrix(random, 3, 5);
    const dout = randomMatrix(random, 3, 5);
    const y1 = layer.forward(x1);
    const dx1 = layer.backward(dout);
    const y2 = layer.forward(x2);
    const dx2 = layer.backward(dout);
    expect(y2).toBe(y1);
    expect(dx2).toBe(dx1);
    const y3 = layer.forward(randomMatrix(random, 2, 5));
    expect(y3).not.toBe(y1);
    expect(y3.rows).toBe(2);
    expect(layer.forward(x1)).toBe(y1); // back to 3 rows: the 3-row buffer again
  });

  it('SoftmaxWithLoss reuses its y and dx buffers for the same batch size', () => {
    const random = new Random(204);
    const layer = new SoftmaxWithLoss();
    layer.forward(randomMatrix(random, 3, 4), [0, 1, 2]);
    const y1 = layer.y;
    const dx1 = layer.backward();
    layer.forward(randomMatrix(random, 3, 4), [3, 2, 1]);
    expect(layer.y).toBe(y1);
    expect(layer.backward()).toBe(dx1);
  });

  it('keeps the dtype of the input: float32 in, float32 out', () => {
    const x = Matrix.fromArray([[-1, 2]]);
    expect(new Relu().forward(x).dtype).toBe('float32');
    expect(new Sigmoid().forward(x).dtype).toBe('float32');
    expect(new Affine(Matrix.zeros(2, 3), Matrix.zeros(1, 3)).forward(x).dtype).toBe('float32');
  });
});
