/**
 * The WebAssembly SIMD backend ('wasm'): the `Kernels` interface over the exports of
 * simd.as.ts, a drop-in replacement for js.ts that the layers use without knowing.
 *
 * Float32 only: a float64 call (the gradient check's default precision) is passed to the js
 * reference kernels, so float64 results are the same on both backends. Float32 results differ
 * from js.ts in the last bits (wasm rounds each product to float32, js rounds the sum once),
 * so a training run gives slightly different numbers on 'wasm' and on 'js'; each backend is
 * reproducible on its own.
 *
 * The layers' arrays live in JS memory, so each call copies its inputs into wasm memory and
 * its output back. That makes this path correct and modestly fast; the training speed comes
 * from the wasm program (src/engine/wasm-program.ts), which keeps its weights in wasm memory.
 */
import type { FloatArray } from './matrix.js';
import type { Kernels, Labels } from './kernels.js';
import { jsKernels } from './js.js';
import type { SimdExports, WasmArena } from './wasm-module.js';

/** Copies in and out of a scratch region of wasm memory that is given back after each call. */
class Scratch {
  constructor(private readonly arena: WasmArena) {}

  run<T>(body: () => T): T {
    const mark = this.arena.mark();
    try {
      return body();
    } finally {
      this.arena.release(mark);
    }
  }

  /** Room for `len` floats, contents undefined. */
  room(len: number): number {
    return this.arena.alloc(len * 4);
  }

  /** A copy of src[0 .. len). */
  put(src: FloatArray, len: number): number {
    const ptr = this.arena.alloc(len * 4);
    this.arena.f32(ptr, len).set(src.subarray(0, len));
    return ptr;
  }

  putBytes(src: Uint8Array, len: number): number {
    const ptr = this.arena.alloc(len);
    this.arena.u8(ptr, len).set(src.subarray(0, len));
    return ptr;
  }

  /** Labels as int32. */
  putLabels(labels: Labels, len: number): number {
    const ptr = this.arena.alloc(len * 4);
    const view = this.arena.i32(ptr, len);
    for (let i = 0; i < len; i++) view[i] = labels[i];
    return ptr;
  }

  take(dst: FloatArray, ptr: number, len: number): void {
    dst.set(this.arena.f32(ptr, len));
  }

  takeBytes(dst: Uint8Array, ptr: number, len: number): void {
    dst.set(this.arena.u8(ptr, len));
  }
}

/** True when every array is float32 (the only precision the wasm kernels compute in). */
function f32(...arrays: FloatArray[]): boolean {
  return arrays.every((a) => a instanceof Float32Array);
}

export function makeWasmKernels(arena: WasmArena): Kernels {
  const s = new Scratch(arena);
  const x: SimdExports = arena.exports;
  return {
    name: 'wasm',

    matmul(out, a, b, M, K, P) {
      if (!f32(out, a, b)) return jsKernels.matmul(out, a, b, M, K, P);
      s.run(() => {
        const o = s.room(M * P);
        x.matmul(o, s.put(a, M * K), s.put(b, K * P), M, K, P);
        s.take(out, o, M * P);
      });
    },

    matmulTransB(out, a, b, M, P, K) {
      if (!f32(out, a, b)) return jsKernels.matmulTransB(out, a, b, M, P, K);
      s.run(() => {
        const o = s.room(M * K);
        x.matmulTransB(o, s.put(a, M * P), s.put(b, K * P), M, P, K);
        s.take(out, o, M * K);
      });
    },

    matmulTransA(out, a, b, M, K, P) {
      if (!f32(out, a, b)) return jsKernels.matmulTransA(out, a, b, M, K, P);
      s.run(() => {
        const o = s.room(K * P);
        x.matmulTransA(o, s.put(a, M * K), s.put(b, M * P), M, K, P);
        s.take(out, o, K * P);
      });
    },

    addRowVector(out, bias, N, H) {
      if (!f32(out, bias)) return jsKernels.addRowVector(out, bias, N, H);
      s.run(() => {
        const o = s.put(out, N * H);
        x.addRowVector(o, s.put(bias, H), N, H);
        s.take(out, o, N * H);
      });
    },

    sumColumns(out, a, N, H) {
      if (!f32(out, a)) return jsKernels.sumColumns(out, a, N, H);
      s.run(() => {
        const o = s.room(H);
        x.sumColumns(o, s.put(a, N * H), N, H);
        s.take(out, o, H);
      });
    },

    reluForward(y, mask, xs, len) {
      if (!f32(y, xs)) return jsKernels.reluForward(y, mask, xs, len);
      s.run(() => {
        const o = s.room(len);
        const m = arena.alloc(len);
        x.reluForward(o, m, s.put(xs, len), len);
        s.take(y, o, len);
        s.takeBytes(mask, m, len);
      });
    },

    reluBackward(dx, dout, mask, len) {
      if (!f32(dx, dout)) return jsKernels.reluBackward(dx, dout, mask, len);
      s.run(() => {
        const o = s.room(len);
        x.reluBackward(o, s.put(dout, len), s.putBytes(mask, len), len);
        s.take(dx, o, len);
      });
    },

    sigmoidForward(y, xs, len) {
      if (!f32(y, xs)) return jsKernels.sigmoidForward(y, xs, len);
      s.run(() => {
        const o = s.room(len);
        x.sigmoidForward(o, s.put(xs, len), len);
        s.take(y, o, len);
      });
    },

    sigmoidBackward(dx, dout, y, len) {
      if (!f32(dx, dout, y)) return jsKernels.sigmoidBackward(dx, dout, y, len);
      s.run(() => {
        const o = s.room(len);
        x.sigmoidBackward(o, s.put(dout, len), s.put(y, len), len);
        s.take(dx, o, len);
      });
    },

    softmaxCrossEntropy(y, a, labels, N, C) {
      if (!f32(y, a)) return jsKernels.softmaxCrossEntropy(y, a, labels, N, C);
      return s.run(() => {
        const o = s.room(N * C);
        const loss = x.softmaxCrossEntropy(o, s.put(a, N * C), labels === null ? 0 : s.putLabels(labels, N), N, C);
        s.take(y, o, N * C);
        return loss;
      });
    },

    softmaxGradLabels(dx, y, labels, scale, N, C) {
      if (!f32(dx, y)) return jsKernels.softmaxGradLabels(dx, y, labels, scale, N, C);
      s.run(() => {
        const o = s.room(N * C);
        x.softmaxGradLabels(o, s.put(y, N * C), s.putLabels(labels, N), scale, N, C);
        s.take(dx, o, N * C);
      });
    },

    countCorrect(scores, labels, N, C) {
      if (!f32(scores)) return jsKernels.countCorrect(scores, labels, N, C);
      return s.run(() => x.countCorrect(s.put(scores, N * C), s.putLabels(labels, N), N, C));
    },

    sgdStep(p, g, lr, len) {
      if (!f32(p, g)) return jsKernels.sgdStep(p, g, lr, len);
      s.run(() => {
        const o = s.put(p, len);
        x.sgdStep(o, s.put(g, len), lr, len);
        s.take(p, o, len);
      });
    },
  };
}
