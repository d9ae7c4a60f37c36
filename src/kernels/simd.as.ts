/**
 * The WebAssembly SIMD kernels, in AssemblyScript (compiled by `npm run build` to build/simd.wasm;
 * the main tsc never sees this file). wasm.ts loads the module once and binds these exports.
 *
 * What this file is: the same formulas as the reference kernels in js.ts, over float32 only,
 * four lanes at a time (v128 = f32x4), one call per layer: the layers' kernels on the wasm
 * backend (MultiLayerNet used directly; training and counting run on the wasm program,
 * src/wasm/program.as.ts, one call a step).
 * What it is not: an allocator. Every argument that looks like a number but is a `usize` is a
 * byte address in linear memory, chosen by wasm.ts; nothing here allocates.
 *
 * Shape letters as in kernels.ts: N batch, D input (784), H hidden, C classes.
 */

// ---------------------------------------------------------------- small helpers

/** y[0..n) += alpha * x[0..n). */
// @ts-ignore: decorator
@inline function axpy(y: usize, x: usize, alpha: f32, n: i32): void {
  const a = f32x4.splat(alpha);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(a, v128.load(x + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** sum_j a[j] * b[j], j < n. */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(acc);
  for (; j < n; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return s;
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function f32At(base: usize, i: i32): f32 {
  return load<f32>(base + (<usize>i << 2));
}

// ---------------------------------------------------------------- the Kernels interface

/** out (M x P) = a (M x K) . b (K x P); zero entries of a are skipped. */
export function matmul(out: usize, a: usize, b: usize, M: i32, K: i32, P: i32): void {
  memory.fill(out, 0, <usize>(M * P) << 2);
  for (let i = 0; i < M; i++) {
    const oi = out + (<usize>(i * P) << 2);
    for (let k = 0; k < K; k++) {
      const aik = f32At(a, i * K + k);
      if (aik == 0) continue;
      axpy(oi, b + (<usize>(k * P) << 2), aik, P);
    }
  }
}

/** out (M x K) = a (M x P) . b^T, b stored (K x P). */
export function matmulTransB(out: usize, a: usize, b: usize, M: i32, P: i32, K: i32): void {
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>(i * P) << 2);
    for (let k = 0; k < K; k++) store<f32>(out + (<usize>(i * K + k) << 2), dot(ai, b + (<usize>(k * P) << 2), P));
  }
}

/** out (K x P) = a^T . b, a stored (M x K), b (M x P); zero entries of a are skipped. */
export function matmulTransA(out: usize, a: usize, b: usize, M: i32, K: i32, P: i32): void {
  memory.fill(out, 0, <usize>(K * P) << 2);
  for (let i = 0; i < M; i++) {
    const bi = b + (<usize>(i * P) << 2);
    for (let k = 0; k < K; k++) {
      const aik = f32At(a, i * K + k);
      if (aik == 0) continue;
      axpy(out + (<usize>(k * P) << 2), bi, aik, P);
    }
  }
}

/** out (N x H) += bias (H) on every row. */
export function addRowVector(out: usize, bias: usize, N: i32, H: i32): void {
  for (let i = 0; i < N; i++) axpy(out + (<usize>(i * H) << 2), bias, 1, H);
}

/** out (H) = column sums of a (N x H). */
export function sumColumns(out: usize, a: usize, N: i32, H: i32): void {
  memory.fill(out, 0, <usize>H << 2);
  for (let i = 0; i < N; i++) axpy(out, a + (<usize>(i * H) << 2), 1, H);
}

/** y = x where not x <= 0 (the book's mask: a NaN goes through), else 0; mask[i] = 1 there (mask is bytes). */
export function reluForward(y: usize, mask: usize, x: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    const v = f32At(x, i);
    const positive = !(v <= 0);
    store<u8>(mask + i, positive ? 1 : 0);
    store<f32>(y + (<usize>i << 2), positive ? v : 0);
  }
}

/** dx = dout where mask, else 0. */
export function reluBackward(dx: usize, dout: usize, mask: usize, len: i32): void {
  for (let i = 0; i < len; i++) store<f32>(dx + (<usize>i << 2), load<u8>(mask + i) == 1 ? f32At(dout, i) : 0);
}

/** y = 1 / (1 + exp(-x)), exp in float64 as in js.ts. */
export function sigmoidForward(y: usize, x: usize, len: i32): void {
  for (let i = 0; i < len; i++) store<f32>(y + (<usize>i << 2), <f32>(1 / (1 + Math.exp(-<f64>f32At(x, i)))));
}

/** dx = dout * y * (1 - y). */
export function sigmoidBackward(dx: usize, dout: usize, y: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    const yi = <f64>f32At(y, i);
    store<f32>(dx + (<usize>i << 2), <f32>(<f64>f32At(dout, i) * yi * (1 - yi)));
  }
}

/**
 * y (N x C) = softmax of each row of a; returns sum_i -log y[i, labels[i]] (labels: N i32,
 * or 0 for none). Float64 arithmetic on float32 storage, step for step as js.ts.
 */
export function softmaxCrossEntropy(y: usize, a: usize, labels: usize, N: i32, C: i32): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < N; i++) {
    const ar = a + (<usize>(i * C) << 2);
    const yr = y + (<usize>(i * C) << 2);
    const logSum = softmaxRow(yr, ar, C);
    if (labels != 0) loss += logSum - <f64>f32At(ar, load<i32>(labels + (<usize>i << 2)));
  }
  return loss;
}

/** One row of softmax into y; returns log(sum exp(a - max)) + max, so that loss = it - a_t. */
// @ts-ignore: decorator
@inline function softmaxRow(y: usize, a: usize, C: i32): f64 {
  // NOTE: the row max is subtracted before exp (no overflow), as in js.ts.
  let max: f64 = -Infinity;
  for (let j = 0; j < C; j++) max = Math.max(max, <f64>f32At(a, j));
  let sum: f64 = 0;
  for (let j = 0; j < C; j++) {
    const e = Math.exp(<f64>f32At(a, j) - max);
    store<f32>(y + (<usize>j << 2), <f32>e);
    sum += e;
  }
  for (let j = 0; j < C; j++) store<f32>(y + (<usize>j << 2), <f32>(<f64>f32At(y, j) / sum));
  return Math.log(sum) + max;
}

/** dx = scale * (y - onehot(labels)). */
export function softmaxGradLabels(dx: usize, y: usize, labels: usize, scale: f64, N: i32, C: i32): void {
  for (let i = 0; i < N; i++) {
    const r = i * C;
    for (let j = 0; j < C; j++) store<f32>(dx + (<usize>(r + j) << 2), <f32>(<f64>f32At(y, r + j) * scale));
    const t = dx + (<usize>(r + load<i32>(labels + (<usize>i << 2))) << 2);
    store<f32>(t, <f32>(<f64>load<f32>(t) - scale));
  }
}

/** Number of rows of scores (N x C) whose argmax (first on ties) equals the i32 label. */
export function countCorrect(scores: usize, labels: usize, N: i32, C: i32): i32 {
  let correct = 0;
  for (let i = 0; i < N; i++) {
    if (argmax(scores + (<usize>(i * C) << 2), C) == load<i32>(labels + (<usize>i << 2))) correct++;
  }
  return correct;
}

// @ts-ignore: decorator
@inline function argmax(row: usize, C: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(row);
  for (let j = 1; j < C; j++) {
    const v = f32At(row, j);
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** p -= lr * g. */
export function sgdStep(p: usize, g: usize, lr: f32, len: i32): void {
  axpy(p, g, -lr, len);
}

/** First free byte after the module's own data: wasm-module.ts allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}
