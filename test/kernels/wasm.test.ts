/**
 * The wasm backend (src/kernels/wasm.ts over build/simd.wasm) against the reference kernels of
 * js.ts: every kernel on seeded random shapes, including sizes that are not multiples of the
 * SIMD width (4 floats) and rows that are mostly zeros, to 1e-5 relative. Float64 calls must be
 * the reference's own (the wasm kernels compute in float32 only and hand float64 to js.ts).
 *
 * Needs build/simd.wasm: `npm run build` (npm test runs it first).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { jsKernels } from '../../src/kernels/js.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { makeWasmKernels } from '../../src/kernels/wasm.js';
import { wasmArena } from '../../src/kernels/wasm-module.js';
import { expectClose } from '../helpers/assert-close.js';

const arena = wasmArena();
if (arena instanceof Error) throw arena;
const wasm: Kernels = makeWasmKernels(arena);

/** n float32 values, about `zeroShare` of them exactly 0, the rest uniform in [-2, 2). */
function f32(random: Random, n: number, zeroShare = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = random.next() < zeroShare ? 0 : 4 * random.next() - 2;
  return out;
}

/** Sizes around the SIMD width and the book's own (50 hidden, 10 classes, 784 pixels). */
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 50, 52];

function shapes(seed: number, count = 25): [number, number, number][] {
  const random = new Random(seed);
  const pick = (): number => SIZES[random.nextInt(SIZES.length)];
  const out: [number, number, number][] = [
    [1, 1, 1],
    [3, 784, 50],
    [7, 50, 10],
  ];
  for (let n = 0; n < count; n++) out.push([pick(), pick(), pick()]);
  return out;
}

/** Runs a kernel on js and on wasm with the same inputs; returns both outputs. */
function both(len: number, run: (k: Kernels, out: Float32Array) => void): [Float32Array, Float32Array] {
  const viaWasm = new Float32Array(len).fill(NaN);
  const viaJs = new Float32Array(len).fill(NaN);
  run(wasm, viaWasm);
  run(jsKernels, viaJs);
  return [viaWasm, viaJs];
}

const TOL = { rel: 1e-5, abs: 1e-6 };

/**
 * For sums of products: |wasm - js| <= 1e-5 * sum_k |a_ik b_kj| at every entry, i.e. 1e-5
 * relative to the size of the terms (a sum of terms of mixed sign can cancel to nearly 0,
 * where its float32 rounding is large relative to the result itself).
 */
function expectCloseToTerms(actual: Float32Array, expected: Float32Array, termScale: Float32Array): void {
  let firstBad = -1;
  let maxDiff = 0;
  let maxAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const diff = Number.isNaN(actual[i]) ? Infinity : Math.abs(actual[i] - expected[i]);
    if (!(diff <= 1e-5 * termScale[i] + 1e-12) && firstBad < 0) firstBad = i;
    if (!(diff <= maxDiff)) [maxDiff, maxAt] = [diff, i];
  }
  if (firstBad >= 0) {
    throw new Error(
      `index ${firstBad} of ${actual.length}: wasm ${actual[firstBad]}, js ${expected[firstBad]}, terms up to ${termScale[firstBad]}; ` +
        `max |diff| ${maxDiff} at index ${maxAt}`,
    );
  }
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

describe('wasm kernels match the js reference kernels in float32', () => {
  it('matmul, on random shapes with 0%, 80% and 100% zero rows of a', () => {
    const random = new Random(1);
    for (const zeros of [0, 0.8, 1]) {
      for (const [M, K, P] of shapes(2)) {
        const a = f32(random, M * K, zeros);
        const b = f32(random, K * P);
        const [w, j] = both(M * P, (k, out) => k.matmul(out, a, b, M, K, P));
        const scale = new Float32Array(M * P);
        jsKernels.matmul(scale, abs(a), abs(b), M, K, P);
        expectCloseToTerms(w, j, scale);
      }
    }
  });

  it('matmulTransB (dX = dY W^T) on random shapes', () => {
    const random = new Random(3);
    for (const [M, P, K] of shapes(4)) {
      const a = f32(random, M * P);
      const b = f32(random, K * P);
      const [w, j] = both(M * K, (k, out) => k.matmulTransB(out, a, b, M, P, K));
      const scale = new Float32Array(M * K);
      jsKernels.matmulTransB(scale, abs(a), abs(b), M, P, K);
      expectCloseToTerms(w, j, scale);
    }
  });

  it('matmulTransA (dW = X^T dY) on random shapes with mostly zero a', () => {
    const random = new Random(5);
    for (const [M, K, P] of shapes(6)) {
      const a = f32(random, M * K, 0.8);
      const b = f32(random, M * P);
      const [w, j] = both(K * P, (k, out) => k.matmulTransA(out, a, b, M, K, P));
      const scale = new Float32Array(K * P);
      jsKernels.matmulTransA(scale, abs(a), abs(b), M, K, P);
      expectCloseToTerms(w, j, scale);
    }
  });

  it('addRowVector accumulates and sumColumns overwrites, on every size', () => {
    const random = new Random(7);
    for (const [N, H] of shapes(8)) {
      const start = f32(random, N * H);
      const bias = f32(random, H);
      const [w, j] = both(N * H, (k, out) => {
        out.set(start);
        k.addRowVector(out, bias, N, H);
      });
      expectClose(w, j, TOL);
      const a = f32(random, N * H);
      const [ws, js] = both(H, (k, out) => k.sumColumns(out, a, N, H));
      expectClose(ws, js, TOL);
    }
  });

  it('relu forward and backward, with exact zeros and -0 in the input', () => {
    const random = new Random(9);
    for (const len of SIZES) {
      const x = f32(random, len, 0.3);
      if (len > 2) x[1] = -0;
      const maskW = new Uint8Array(len);
      const maskJ = new Uint8Array(len);
      const [w, j] = both(len, (k, out) => k.reluForward(out, k === wasm ? maskW : maskJ, x, len));
      expect(Array.from(w)).toEqual(Array.from(j));
      expect(Array.from(maskW)).toEqual(Array.from(maskJ));
      const dout = f32(random, len);
      const [wb, jb] = both(len, (k, out) => k.reluBackward(out, dout, maskJ, len));
      expect(Array.from(wb)).toEqual(Array.from(jb));
    }
  });

  it('sigmoid forward and backward', () => {
    const random = new Random(11);
    for (const len of SIZES) {
      const x = f32(random, len).map((v) => v * 20);
      const [w, j] = both(len, (k, out) => k.sigmoidForward(out, x, len));
      expectClose(w, j, TOL);
      const dout = f32(random, len);
      const [wb, jb] = both(len, (k, out) => k.sigmoidBackward(out, dout, j, len));
      expectClose(wb, jb, TOL);
    }
  });

  it('softmaxCrossEntropy (with and without labels), softmaxGradLabels and countCorrect', () => {
    const random = new Random(13);
    for (const [N, C] of shapes(14)) {
      const a = f32(random, N * C).map((v) => v * 30);
      const labels = Int32Array.from({ length: N }, () => random.nextInt(C));
      let lossW = 0;
      let lossJ = 0;
      const [w, j] = both(N * C, (k, out) => {
        const loss = k.softmaxCrossEntropy(out, a, labels, N, C);
        if (k === wasm) lossW = loss;
        else lossJ = loss;
      });
      expectClose(w, j, TOL);
      expectClose([lossW], [lossJ], { rel: 1e-9, abs: 1e-9 });
      const [wn, jn] = both(N * C, (k, out) => expect(k.softmaxCrossEntropy(out, a, null, N, C)).toBe(0));
      expectClose(wn, jn, TOL);
      const [wg, jg] = both(N * C, (k, out) => k.softmaxGradLabels(out, j, labels, 1 / N, N, C));
      expectClose(wg, jg, TOL);
      expect(wasm.countCorrect(a, labels, N, C)).toBe(jsKernels.countCorrect(a, labels, N, C));
      expect(wasm.countCorrect(a, Array.from(labels), N, C)).toBe(jsKernels.countCorrect(a, labels, N, C));
    }
  });

  it('sgdStep updates the first len entries in place', () => {
    const random = new Random(15);
    for (const len of SIZES) {
      const p = f32(random, len + 3);
      const g = f32(random, len + 3);
      const [w, j] = both(len + 3, (k, out) => {
        out.set(p);
        k.sgdStep(out, g, 0.1, len);
      });
      expectClose(w, j, TOL);
      expect(w.subarray(len)).toEqual(p.subarray(len));
    }
  });

  it('hands float64 calls to the reference: bit-identical results', () => {
    const random = new Random(17);
    const [M, K, P] = [5, 9, 7];
    const a = Float64Array.from(f32(random, M * K, 0.5));
    const b = Float64Array.from(f32(random, K * P));
    const viaWasm = new Float64Array(M * P);
    const viaJs = new Float64Array(M * P);
    wasm.matmul(viaWasm, a, b, M, K, P);
    jsKernels.matmul(viaJs, a, b, M, K, P);
    expect(Array.from(viaWasm)).toEqual(Array.from(viaJs));
  });

  it('still works after its memory grew (a product larger than the initial pages)', () => {
    const random = new Random(19);
    const [M, K, P] = [600, 784, 50]; // ~2 MB of operands, more than the module starts with
    const a = f32(random, M * K, 0.8);
    const b = f32(random, K * P);
    const [w, j] = both(M * P, (k, out) => k.matmul(out, a, b, M, K, P));
    const scale = new Float32Array(M * P);
    jsKernels.matmul(scale, abs(a), abs(b), M, K, P);
    expectCloseToTerms(w, j, scale);
    const x = f32(random, 10);
    const [ws, js] = both(10, (k, out) => k.sigmoidForward(out, x, 10));
    expectClose(ws, js, TOL);
  });
});
