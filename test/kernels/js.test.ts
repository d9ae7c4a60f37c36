/**
 * Tests for the reference kernels (src/kernels/js.ts): hand-computed small matrices, a dense
 * triple loop as the oracle for the zero-skipping products, and the edges (relu at exactly 0,
 * softmax of huge logits, argmax ties). The same suite runs on every backend in BACKENDS that
 * loads here (a faster backend must pass the very cases the reference passes); one that does
 * not load (e.g. wasm before `npm run build`) is reported as skipped.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { BACKENDS, setBackend } from '../../src/kernels/backend.js';
import { jsKernels } from '../../src/kernels/js.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { DType, FloatArray } from '../../src/kernels/matrix.js';
import { expectClose } from '../helpers/assert-close.js';

/** [name, kernels] of every backend, or [name, null] when it cannot load here. */
const backends: [string, Kernels | null][] = BACKENDS.map((name) => {
  try {
    return [name, setBackend(name)];
  } catch {
    return [name, null];
  }
});
setBackend('js');

describe('backend list', () => {
  it("has the reference 'js' first, and it is jsKernels", () => {
    expect(backends[0]).toEqual(['js', jsKernels]);
  });
});

for (const [name, k] of backends) {
  if (k === null) describe.skip(`kernels (${name} backend): cannot load here`, () => it('skipped', () => {}));
  else describe(`kernels (${name} backend)`, () => kernelSuite(k));
}

const f64 = (values: number[]): Float64Array => Float64Array.from(values);
const array = (dtype: DType, values: number[]): FloatArray =>
  dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);

/** Dense reference: out (M x P) = A (M x K) . B (K x P), with optional transposed storage. */
function denseMatmul(
  a: (i: number, k: number) => number,
  b: (k: number, j: number) => number,
  M: number,
  K: number,
  P: number,
): Float64Array {
  const out = new Float64Array(M * P);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a(i, k) * b(k, j);
      out[i * P + j] = s;
    }
  }
  return out;
}

/** n values, about `zeroShare` of them exactly 0, the rest uniform in [-2, 2). */
function sparseRandom(random: Random, n: number, zeroShare: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = random.next() < zeroShare ? 0 : 4 * random.next() - 2;
  return out;
}

/** Shapes [M, K, P] with 1s and odd sizes, then seeded random ones in 1..13. */
function productShapes(): [number, number, number][] {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 3],
    [5, 1, 9],
    [3, 5, 1],
    [7, 9, 5],
    [2, 16, 3],
  ];
  const random = new Random(2024);
  for (let n = 0; n < 24; n++) shapes.push([1 + random.nextInt(13), 1 + random.nextInt(13), 1 + random.nextInt(13)]);
  return shapes;
}

function kernelSuite(k: Kernels): void {
  describe('matmul', () => {
    it('multiplies a 2x3 by a 3x2 written out by hand', () => {
      // [1 2 3; 4 5 6] . [7 8; 9 10; 11 12] = [58 64; 139 154]
      for (const dtype of ['float32', 'float64'] as const) {
        const out = array(dtype, [NaN, NaN, NaN, NaN]);
        k.matmul(out, array(dtype, [1, 2, 3, 4, 5, 6]), array(dtype, [7, 8, 9, 10, 11, 12]), 2, 3, 2);
        expect(Array.from(out)).toEqual([58, 64, 139, 154]);
      }
    });

    it('multiplies a 3x2 with zeros by a 2x4 (zeros skipped, destination overwritten)', () => {
      // [0 2; 1 0; 0 0] . [1 2 3 4; 5 6 7 8] = [10 12 14 16; 1 2 3 4; 0 0 0 0]
      const out = f64(new Array<number>(12).fill(7));
      k.matmul(out, f64([0, 2, 1, 0, 0, 0]), f64([1, 2, 3, 4, 5, 6, 7, 8]), 3, 2, 4);
      expect(Array.from(out)).toEqual([10, 12, 14, 16, 1, 2, 3, 4, 0, 0, 0, 0]);
    });

    it('gives exactly what a dense triple loop gives on random matrices with many zeros', () => {
      const random = new Random(11);
      for (const [M, K, P] of productShapes()) {
        const a = sparseRandom(random, M * K, 0.7);
        const b = sparseRandom(random, K * P, 0.3);
        const out = f64(new Array<number>(M * P).fill(NaN));
        k.matmul(out, a, b, M, K, P);
        const expected = denseMatmul((i, kk) => a[i * K + kk], (kk, j) => b[kk * P + j], M, K, P);
        expectClose(out, expected, { abs: 1e-12 });
      }
    });

    it('matches the dense loop in float32 to float32 rounding', () => {
      const random = new Random(12);
      for (const [M, K, P] of productShapes()) {
        const a = Float32Array.from(sparseRandom(random, M * K, 0.8));
        const b = Float32Array.from(sparseRandom(random, K * P, 0));
        const out = new Float32Array(M * P);
        k.matmul(out, a, b, M, K, P);
        const expected = denseMatmul((i, kk) => a[i * K + kk], (kk, j) => b[kk * P + j], M, K, P);
        expectClose(out, expected, { abs: 1e-5, rel: 1e-5 });
      }
    });
  });

  describe('matmulTransB: out = A . B^T with B stored untransposed', () => {
    it('computes a 2x3 times (4x3)^T by hand', () => {
      // A = [1 2 3; 4 5 6], B = [1 0 -1; 2 1 0; 0 0 3; 1 1 1] (4 x 3)
      // A . B^T = [-2 4 9 6; -2 13 18 15] (2 x 4)
      const out = f64(new Array<number>(8).fill(NaN));
      k.matmulTransB(out, f64([1, 2, 3, 4, 5, 6]), f64([1, 0, -1, 2, 1, 0, 0, 0, 3, 1, 1, 1]), 2, 3, 4);
      expect(Array.from(out)).toEqual([-2, 4, 9, 6, -2, 13, 18, 15]);
    });

    it('gives what a dense loop gives on random non-square shapes', () => {
      const random = new Random(13);
      for (const [M, P, K] of productShapes()) {
        const a = sparseRandom(random, M * P, 0.5);
        const b = sparseRandom(random, K * P, 0.5);
        const out = new Float64Array(M * K);
        k.matmulTransB(out, a, b, M, P, K);
        const expected = denseMatmul((i, j) => a[i * P + j], (j, kk) => b[kk * P + j], M, P, K);
        expectClose(out, expected, { abs: 1e-12 });
      }
    });
  });

  describe('matmulTransA: out = A^T . B with A stored untransposed', () => {
    it('computes (3x2)^T times a 3x4 by hand', () => {
      // A = [1 2; 3 4; 5 6] (3 x 2), B = [1 0 2 -1; 0 1 0 2; 1 1 1 0] (3 x 4)
      // A^T . B = [6 8 7 5; 8 10 10 6] (2 x 4)
      const out = f64(new Array<number>(8).fill(NaN));
      k.matmulTransA(out, f64([1, 2, 3, 4, 5, 6]), f64([1, 0, 2, -1, 0, 1, 0, 2, 1, 1, 1, 0]), 3, 2, 4);
      expect(Array.from(out)).toEqual([6, 8, 7, 5, 8, 10, 10, 6]);
    });

    it('gives what a dense loop gives on random matrices with many zeros', () => {
      const random = new Random(14);
      for (const [M, K, P] of productShapes()) {
        const a = sparseRandom(random, M * K, 0.8);
        const b = sparseRandom(random, M * P, 0.2);
        const out = f64(new Array<number>(K * P).fill(NaN));
        k.matmulTransA(out, a, b, M, K, P);
        const expected = denseMatmul((kk, i) => a[i * K + kk], (i, j) => b[i * P + j], K, M, P);
        expectClose(out, expected, { abs: 1e-12 });
      }
    });
  });

  describe('bias and column sums', () => {
    it('addRowVector adds the bias to every row (accumulating into out)', () => {
      const out = f64([1, 2, 3, 4, 5, 6]);
      k.addRowVector(out, f64([10, 20, 30]), 2, 3);
      expect(Array.from(out)).toEqual([11, 22, 33, 14, 25, 36]);
    });

    it('sumColumns overwrites out with the column sums', () => {
      const out = f64([NaN, NaN, NaN]);
      k.sumColumns(out, f64([1, 2, 3, 4, 5, 6, -1, 0, 0.5]), 3, 3);
      expect(Array.from(out)).toEqual([4, 7, 9.5]);
    });
  });

  describe('relu', () => {
    it('passes positives, zeroes negatives, and treats exactly 0 (and -0) as not positive', () => {
      const x = Float32Array.from([-1, 0, 2, -0, 1e-30, -1e-30]);
      const y = new Float32Array(6).fill(NaN);
      const mask = new Uint8Array(6).fill(7);
      k.reluForward(y, mask, x, 6);
      expect(Array.from(y)).toEqual([0, 0, 2, 0, Math.fround(1e-30), 0]);
      expect(Array.from(mask)).toEqual([0, 0, 1, 0, 1, 0]);
    });

    it('has gradient 0 at exactly x = 0 and passes dout where x > 0', () => {
      const x = f64([-1, 0, 2, 1e-300]);
      const mask = new Uint8Array(4);
      k.reluForward(new Float64Array(4), mask, x, 4);
      const dx = f64([NaN, NaN, NaN, NaN]);
      k.reluBackward(dx, f64([5, 6, 7, 8]), mask, 4);
      expect(Array.from(dx)).toEqual([0, 0, 7, 8]);
    });
  });

  describe('sigmoid', () => {
    it('gives 1/2 at 0 and 3/4, 1/4 at +-ln 3', () => {
      const y = new Float64Array(3);
      k.sigmoidForward(y, f64([0, Math.log(3), -Math.log(3)]), 3);
      expectClose(y, [0.5, 0.75, 0.25], { abs: 1e-15 });
    });

    it('backward is dout * y * (1 - y)', () => {
      const dx = new Float64Array(3);
      k.sigmoidBackward(dx, f64([2, 4, -1]), f64([0.5, 0.75, 0.1]), 3);
      expectClose(dx, [0.5, 0.75, -0.09], { abs: 1e-15 });
    });

    it('saturates to exactly 0 and 1 without NaN at +-1000', () => {
      const y = new Float64Array(2);
      k.sigmoidForward(y, f64([-1000, 1000]), 2);
      expect(Array.from(y)).toEqual([0, 1]);
    });
  });

  describe('softmaxCrossEntropy', () => {
    it('softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6] and the loss of label 2 is ln 2', () => {
      const y = new Float64Array(3);
      const loss = k.softmaxCrossEntropy(y, f64([0, Math.log(2), Math.log(3)]), [2], 1, 3);
      expectClose(y, [1 / 6, 2 / 6, 3 / 6], { abs: 1e-15 });
      expect(loss).toBeCloseTo(Math.log(2), 14);
    });

    it('makes every row sum to 1, and adding a constant to a row changes nothing', () => {
      const random = new Random(5);
      const N = 6;
      const C = 7;
      const a = new Float64Array(N * C);
      for (let i = 0; i < a.length; i++) a[i] = 6 * random.nextGaussian();
      const shifted = a.slice();
      for (let i = 0; i < N; i++) for (let j = 0; j < C; j++) shifted[i * C + j] += 10 * (i - 2.5);
      const labels = [0, 6, 3, 2, 1, 5];
      const y = new Float64Array(N * C);
      const ys = new Float64Array(N * C);
      const loss = k.softmaxCrossEntropy(y, a, labels, N, C);
      const lossShifted = k.softmaxCrossEntropy(ys, shifted, labels, N, C);
      for (let i = 0; i < N; i++) {
        const row = y.subarray(i * C, (i + 1) * C);
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
        expect(row.every((v) => v > 0)).toBe(true);
      }
      expectClose(ys, y, { abs: 1e-13 });
      expect(lossShifted).toBeCloseTo(loss, 10);
    });

    it('stays finite on huge logits (1000, 1001) in float32 and float64', () => {
      // softmax([1000, 1001]) = [1, e] / (1 + e); -log y_0 = log(1 + e)
      for (const dtype of ['float32', 'float64'] as const) {
        const y = array(dtype, [0, 0, 0, 0]);
        const loss = k.softmaxCrossEntropy(y, array(dtype, [1000, 1001, -1000, 1000]), [0, 0], 2, 2);
        const e = Math.E;
        expectClose(y, [1 / (1 + e), e / (1 + e), 0, 1], { abs: 1e-7 });
        expect(Number.isFinite(loss)).toBe(true);
        // row 1: -log softmax([-1000, 1000])_0 = 2000 + log(1 + e^-2000) = 2000
        expect(loss).toBeCloseTo(Math.log(1 + e) + 2000, 6);
      }
    });

    it('returns the summed -log(softmax) computed naively in float64', () => {
      const random = new Random(6);
      const N = 5;
      const C = 10;
      const a = new Float64Array(N * C);
      for (let i = 0; i < a.length; i++) a[i] = 3 * random.nextGaussian();
      const labels = Int32Array.from([3, 0, 9, 9, 4]);
      let naive = 0;
      const yNaive = new Float64Array(N * C);
      for (let i = 0; i < N; i++) {
        let sum = 0;
        for (let j = 0; j < C; j++) sum += Math.exp(a[i * C + j]);
        for (let j = 0; j < C; j++) yNaive[i * C + j] = Math.exp(a[i * C + j]) / sum;
        naive += -Math.log(yNaive[i * C + labels[i]]);
      }
      const y = new Float64Array(N * C);
      const loss = k.softmaxCrossEntropy(y, a, labels, N, C);
      expectClose(y, yNaive, { abs: 1e-15, rel: 1e-12 });
      expect(Math.abs(loss - naive)).toBeLessThan(1e-12);
    });

    it('returns 0 and still fills y when labels are null', () => {
      const y = new Float64Array(2);
      expect(k.softmaxCrossEntropy(y, f64([0, 0]), null, 1, 2)).toBe(0);
      expect(Array.from(y)).toEqual([0.5, 0.5]);
    });
  });

  describe('softmaxGradLabels', () => {
    it('is scale * (y - onehot(label)) row by row', () => {
      const dx = f64(new Array<number>(6).fill(NaN));
      k.softmaxGradLabels(dx, f64([0.2, 0.3, 0.5, 0.6, 0.3, 0.1]), [1, 0], 0.5, 2, 3);
      expectClose(dx, [0.1, -0.35, 0.25, -0.2, 0.15, 0.05], { abs: 1e-15 });
    });
  });

  describe('countCorrect', () => {
    it('counts rows whose argmax is the label, the first max winning ties', () => {
      const scores = f64([1, 1, 0, 0, 2, 2, 3, 3, 3, -1, -5, -2]);
      // argmaxes: 0, 1, 0, 0
      expect(k.countCorrect(scores, [0, 2, 0, 0], 4, 3)).toBe(3);
      expect(k.countCorrect(scores, [1, 1, 2, 2], 4, 3)).toBe(1);
      expect(k.countCorrect(scores, Uint8Array.from([1, 2, 1, 1]), 4, 3)).toBe(0);
    });
  });

  describe('sgdStep', () => {
    it('updates p in place by -lr * g and leaves g alone', () => {
      const p = f64([1, 2, 3]);
      const g = f64([0.5, -1, 10]);
      k.sgdStep(p, g, 0.1, 3);
      expectClose(p, [0.95, 2.1, 2], { abs: 1e-15 });
      expect(Array.from(g)).toEqual([0.5, -1, 10]);
    });

    it('touches only the first len entries', () => {
      const p = f64([1, 1, 1]);
      k.sgdStep(p, f64([1, 1, 1]), 1, 2);
      expect(Array.from(p)).toEqual([0, 0, 1]);
    });
  });
}
