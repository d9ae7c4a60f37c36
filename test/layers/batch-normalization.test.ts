/**
 * Tests for BatchNormalization (src/layers/batch-normalization.ts): forward in both modes and
 * backward against an independent float64 computation written here with plain loops (the
 * backward in the book's step-by-step form dxn, dxc, dstd, dvar, dmu, not the closed form the
 * layer uses), dx, dgamma and dbeta against central differences, the running stats after 1
 * and 3 forwards, a batch of one row, float32, the shared buffers and bad use.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix, type DType } from '../../src/kernels/matrix.js';
import { BatchNormalization } from '../../src/layers/batch-normalization.js';
import { expectClose } from '../helpers/assert-close.js';

const EPS = 1e-6; // the book's 10e-7

function randomMatrix(random: Random, rows: number, cols: number, scale = 1, offset = 0, dtype: DType = 'float64'): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.size; i++) m.data[i] = offset + scale * random.nextGaussian();
  return m;
}

/** The book's forward (train mode), one column at a time, in float64. */
function referenceForward(x: number[][], gamma: number[], beta: number[]) {
  const N = x.length;
  const D = gamma.length;
  const mu: number[] = [];
  const variance: number[] = [];
  const std: number[] = [];
  const xc = x.map((row) => row.slice());
  const xn = x.map((row) => row.slice());
  const out = x.map((row) => row.slice());
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += x[i][j];
    mu[j] = s / N;
    let v = 0;
    for (let i = 0; i < N; i++) {
      xc[i][j] = x[i][j] - mu[j];
      v += xc[i][j] * xc[i][j];
    }
    variance[j] = v / N;
    std[j] = Math.sqrt(variance[j] + EPS);
    for (let i = 0; i < N; i++) {
      xn[i][j] = xc[i][j] / std[j];
      out[i][j] = gamma[j] * xn[i][j] + beta[j];
    }
  }
  return { mu, variance, std, xc, xn, out };
}

/** The book's backward, step by step: dxn, dxc, dstd, dvar, dmu, then dx. */
function referenceBackward(x: number[][], gamma: number[], dout: number[][]) {
  const { xc, xn, std } = referenceForward(x, gamma, gamma.map(() => 0));
  const N = x.length;
  const D = gamma.length;
  const dx = x.map((row) => row.slice());
  const dgamma: number[] = [];
  const dbeta: number[] = [];
  for (let j = 0; j < D; j++) {
    let db = 0;
    let dg = 0;
    let dstd = 0;
    const dxc: number[] = [];
    for (let i = 0; i < N; i++) {
      db += dout[i][j];
      dg += xn[i][j] * dout[i][j];
      const dxn = gamma[j] * dout[i][j];
      dxc[i] = dxn / std[j];
      dstd -= (dxn * xc[i][j]) / (std[j] * std[j]);
    }
    const dvar = (0.5 * dstd) / std[j];
    let dmu = 0;
    for (let i = 0; i < N; i++) {
      dxc[i] += (2 / N) * xc[i][j] * dvar;
      dmu += dxc[i];
    }
    for (let i = 0; i < N; i++) dx[i][j] = dxc[i] - dmu / N;
    dgamma[j] = dg;
    dbeta[j] = db;
  }
  return { dx, dgamma, dbeta };
}

const flat = (rows: number[][]): number[] => rows.flat();

/** A 6 x 4 batch with columns of different means and scales, and gamma, beta not 1 and 0. */
function problem(dtype: DType = 'float64') {
  const random = new Random(2024);
  const x = randomMatrix(random, 6, 4, 1.7, 0.8, dtype);
  const gamma = Matrix.fromArray([[1.5, -0.7, 0.3, 2.2]], dtype);
  const beta = Matrix.fromArray([[0.1, -0.4, 1.2, 0]], dtype);
  const dout = randomMatrix(random, 6, 4, 1, 0, dtype);
  return { x, gamma, beta, dout };
}

describe('BatchNormalization forward (train mode)', () => {
  it('matches the book computed here in float64 (mean, biased var, std with 1e-6), to 1e-14', () => {
    const { x, gamma, beta } = problem();
    const bn = new BatchNormalization(gamma, beta);
    const out = bn.forward(x);
    const ref = referenceForward(x.toArray(), Array.from(gamma.data), Array.from(beta.data));
    expectClose(out.data, flat(ref.out), { abs: 1e-14 });
    expectClose(bn.xn!.data, flat(ref.xn), { abs: 1e-14 });
    expectClose(bn.std.data, ref.std, { abs: 1e-15 });
    // xn has mean 0 and mean square var / (var + 1e-6) in every column
    for (let j = 0; j < 4; j++) {
      const col = ref.xn.map((row) => row[j]);
      expect(col.reduce((s, v) => s + v, 0) / 6).toBeCloseTo(0, 14);
      expect(col.reduce((s, v) => s + v * v, 0) / 6).toBeCloseTo(ref.variance[j] / (ref.variance[j] + EPS), 13);
    }
  });

  it('running stats after 1, 2 and 3 forwards of the same batch are 0.1, 0.19, 0.271 of its mean and (biased) var', () => {
    // columns: mean 2 and 5, biased var 1 and 16 (N = 2, no N / (N - 1))
    const x = Matrix.fromArray([[1, 1], [3, 9]], 'float64');
    const bn = new BatchNormalization(Matrix.fromArray([[1, 1]], 'float64'), Matrix.fromArray([[0, 0]], 'float64'));
    expect(Array.from(bn.runningMean.data)).toEqual([0, 0]);
    expect(Array.from(bn.runningVar.data)).toEqual([0, 0]);
    for (const share of [0.1, 0.19, 0.271]) {
      bn.forward(x);
      expectClose(bn.runningMean.data, [2 * share, 5 * share], { abs: 1e-15 });
      expectClose(bn.runningVar.data, [1 * share, 16 * share], { abs: 1e-14 });
    }
  });

  it('momentum 0.5 moves the running stats half way', () => {
    const x = Matrix.fromArray([[1], [3]], 'float64');
    const bn = new BatchNormalization(Matrix.fromArray([[1]], 'float64'), Matrix.fromArray([[0]], 'float64'), 0.5);
    bn.forward(x);
    bn.forward(x);
    expect(Array.from(bn.runningMean.data)).toEqual([1.5]);
    expect(Array.from(bn.runningVar.data)).toEqual([0.75]);
  });

  it('a batch of one row gives out = beta exactly (xc = 0), and dx = 0', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const beta = Matrix.fromArray([[0.1, -0.4, 1.2]], dtype);
      const bn = new BatchNormalization(Matrix.fromArray([[1.5, -0.7, 0.3]], dtype), beta);
      const out = bn.forward(Matrix.fromArray([[3.7, -12, 0.004]], dtype));
      expect(Array.from(out.data)).toEqual(Array.from(beta.data));
      expect(Array.from(bn.backward(Matrix.fromArray([[1, 2, 3]], dtype)).data, Math.abs)).toEqual([0, 0, 0]); // -0 where gamma < 0
    }
  });
});

describe('BatchNormalization forward (test mode)', () => {
  it('uses the running stats: gamma (x - runningMean) / sqrt(runningVar + 1e-6) + beta, and updates nothing', () => {
    const { x, gamma, beta } = problem();
    const bn = new BatchNormalization(gamma, beta);
    bn.forward(x);
    bn.forward(x);
    const rm = Array.from(bn.runningMean.data);
    const rv = Array.from(bn.runningVar.data);
    const ref = referenceForward(x.toArray(), Array.from(gamma.data), Array.from(beta.data));
    expectClose(rm, ref.mu.map((m) => 0.19 * m), { abs: 1e-15 });
    const probe = Matrix.fromArray([[0.3, -1, 2, 5], [1, 1, 1, 1]], 'float64');
    const out = bn.forward(probe, false);
    const expected = probe.toArray().map((row) => row.map((v, j) => (gamma.data[j] * (v - rm[j])) / Math.sqrt(rv[j] + EPS) + beta.data[j]));
    expectClose(out.data, flat(expected), { abs: 1e-13 });
    expect(Array.from(bn.runningMean.data)).toEqual(rm);
    expect(Array.from(bn.runningVar.data)).toEqual(rv);
  });

  it('with fresh running stats (zeros) the outputs are gamma x / sqrt(1e-6) + beta: inflated 1000 times, as in the book', () => {
    const bn = new BatchNormalization(Matrix.fromArray([[2]], 'float64'), Matrix.fromArray([[1]], 'float64'));
    expectClose(bn.forward(Matrix.fromArray([[0.5], [-0.25]], 'float64'), false).data, [1001, -499], { abs: 1e-9 });
  });

  it('uses running stats passed to the constructor, the same matrices, updated in place', () => {
    const rm = Matrix.fromArray([[1, -1]], 'float64');
    const rv = Matrix.fromArray([[3, 0.25]], 'float64');
    const bn = new BatchNormalization(Matrix.fromArray([[1, 1]], 'float64'), Matrix.fromArray([[0, 0]], 'float64'), 0.9, rm, rv);
    expect(bn.runningMean).toBe(rm);
    expect(bn.runningVar).toBe(rv);
    expectClose(bn.forward(Matrix.fromArray([[3, 0]], 'float64'), false).data, [2 / Math.sqrt(3 + EPS), 1 / Math.sqrt(0.25 + EPS)], { abs: 1e-15 });
    bn.forward(Matrix.fromArray([[3, 0], [5, 0]], 'float64')); // mean 4, 0; var 1, 0
    expectClose(rm.data, [0.9 + 0.4, -0.9], { abs: 1e-15 });
    expectClose(rv.data, [2.7 + 0.1, 0.225], { abs: 1e-15 });
  });
});

describe('BatchNormalization backward', () => {
  it("matches the book's step-by-step backward (dxn, dxc, dstd, dvar, dmu) computed here in float64, to 1e-13", () => {
    const { x, gamma, beta, dout } = problem();
    const bn = new BatchNormalization(gamma, beta);
    bn.forward(x);
    const dx = bn.backward(dout);
    const ref = referenceBackward(x.toArray(), Array.from(gamma.data), dout.toArray());
    expectClose(dx.data, flat(ref.dx), { abs: 1e-13 });
    expectClose(bn.dgamma.data, ref.dgamma, { abs: 1e-13 });
    expectClose(bn.dbeta.data, ref.dbeta, { abs: 1e-13 });
    // dx of a batch-normalised column sums to 0 (shifting x changes nothing)
    for (let j = 0; j < 4; j++) expect(ref.dx.reduce((s, row) => s + row[j], 0)).toBeCloseTo(0, 13);
  });

  it('dx, dgamma and dbeta match float64 central differences of sum(out * R), every entry within 1e-8', () => {
    // h = 1e-5: truncation (h^2 / 6) f''' plus rounding ~ 1e-16 L / h; measured at most 7.1e-11
    // (dx; 3.6e-11 for dgamma), so 1e-8 leaves a margin of 100. A wrong term would be off by ~0.1.
    const { x, gamma, beta, dout: R } = problem();
    const bn = new BatchNormalization(gamma, beta);
    bn.forward(x);
    const dx = bn.backward(R).clone();
    const probe = new BatchNormalization(gamma, beta);
    const L = (): number => Array.from(probe.forward(x).data).reduce((s, y, i) => s + y * R.data[i], 0);
    const central = (m: Matrix): number[] =>
      Array.from(m.data, (_, i) => {
        const h = 1e-5;
        const saved = m.data[i];
        m.data[i] = saved + h;
        const plus = L();
        m.data[i] = saved - h;
        const minus = L();
        m.data[i] = saved;
        return (plus - minus) / (2 * h);
      });
    const TOL = { abs: 1e-8 };
    expectClose(dx.data, central(x), TOL);
    expectClose(bn.dgamma.data, central(gamma), TOL);
    expectClose(bn.dbeta.data, central(beta), TOL);
    expect(Math.max(...Array.from(dx.data, Math.abs))).toBeGreaterThan(0.1);
  });

  it('float32 matches the float64 layer to 1e-5 relative, forward and backward', () => {
    const p64 = problem('float64');
    const p32 = problem('float32');
    const bn64 = new BatchNormalization(p64.gamma, p64.beta);
    const bn32 = new BatchNormalization(p32.gamma, p32.beta);
    // the float32 inputs are the float64 ones rounded, so feed both the same numbers
    const x64 = new Matrix(6, 4, Float64Array.from(p32.x.data));
    const dout64 = new Matrix(6, 4, Float64Array.from(p32.dout.data));
    const out32 = bn32.forward(p32.x);
    expect(out32.data).toBeInstanceOf(Float32Array);
    expectClose(out32.data, bn64.forward(x64).data, { abs: 1e-6, rel: 1e-5 });
    const dx32 = bn32.backward(p32.dout);
    expect(dx32.data).toBeInstanceOf(Float32Array);
    expectClose(dx32.data, bn64.backward(dout64).data, { abs: 1e-6, rel: 1e-5 });
    expectClose(bn32.dgamma.data, bn64.dgamma.data, { abs: 1e-6, rel: 1e-5 });
    expectClose(bn32.runningVar.data, bn64.runningVar.data, { rel: 1e-6 });
  });
});

describe('BatchNormalization buffers and bad use', () => {
  it('gamma and beta are shared: changing them changes the next forward', () => {
    const { x, gamma, beta } = problem();
    const bn = new BatchNormalization(gamma, beta);
    expect(bn.gamma).toBe(gamma);
    const before = bn.forward(x).clone();
    beta.data[0] += 1;
    const after = bn.forward(x);
    for (let i = 0; i < 6; i++) expect(after.get(i, 0)).toBeCloseTo(before.get(i, 0) + 1, 14);
  });

  it('never writes into x or dout, and returns its own buffers', () => {
    const { x, gamma, beta, dout } = problem();
    const [xCopy, doutCopy] = [Array.from(x.data), Array.from(dout.data)];
    const bn = new BatchNormalization(gamma, beta);
    const out = bn.forward(x);
    const dx = bn.backward(dout);
    expect(out).not.toBe(x);
    expect(dx).not.toBe(dout);
    expect(Array.from(x.data)).toEqual(xCopy);
    expect(Array.from(dout.data)).toEqual(doutCopy);
  });

  it('backward before a forward, after a test-mode forward or with another batch size throws', () => {
    const { x, gamma, beta, dout } = problem();
    const bn = new BatchNormalization(gamma, beta);
    expect(() => bn.backward(dout)).toThrow(/BatchNormalization.backward: call forward in train mode/);
    bn.forward(x);
    expect(() => bn.backward(Matrix.zeros(2, 4, 'float64'))).toThrow(/same size/);
    bn.forward(x, false);
    expect(() => bn.backward(dout)).toThrow(/call forward in train mode/);
  });

  it('rejects mismatched shapes and a momentum outside [0, 1]', () => {
    const g = Matrix.fromArray([[1, 1]], 'float64');
    expect(() => new BatchNormalization(g, Matrix.zeros(1, 3, 'float64'))).toThrow(/BatchNormalization: beta/);
    expect(() => new BatchNormalization(g, Matrix.zeros(1, 2, 'float64'), 1.5)).toThrow(/momentum must be a number in \[0, 1\], got 1.5/);
    expect(() => new BatchNormalization(g, Matrix.zeros(1, 2, 'float32'))).toThrow(/same dtype/);
    expect(() => new BatchNormalization(g, Matrix.zeros(1, 2, 'float64')).forward(Matrix.zeros(3, 5, 'float64'))).toThrow(/forward: x/);
  });
});
