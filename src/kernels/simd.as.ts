/**
 * The WebAssembly SIMD kernels, in AssemblyScript (compiled by `npm run build` to build/simd.wasm;
 * the main tsc never sees this file). wasm.ts loads the module once and binds these exports.
 *
 * What this file is: the same formulas as the reference kernels in js.ts, over float32 only,
 * four lanes at a time (v128 = f32x4), plus the fused TwoLayerNet of the book that the trainer
 * uses when this backend is active: one training step (teamStep) and one accuracy count
 * (teamCount), each shared by a team of threads on this module's shared memory.
 * What it is not: an allocator. Every argument that looks like a number but is a `usize` is a
 * byte address in linear memory, chosen by wasm.ts; nothing here allocates.
 *
 * Shape letters as in kernels.ts: N batch, D input (784), H hidden, C classes; Hp and Cp are
 * the padded row lengths of the fused net: H laid out in whole vectors (hidden-layout.ts) and
 * C rounded up to a multiple of 4.
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

/** y = max(x, 0); mask[i] = 1 where x > 0 (mask is bytes). */
export function reluForward(y: usize, mask: usize, x: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    const v = f32At(x, i);
    const positive = v > 0;
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

// ---------------------------------------------------------------- the fused TwoLayerNet

/*
 * A fused net lives at `net`, a descriptor of i32 fields (offsets below) written by wasm.ts:
 * the addresses of its weights, scratch buffers and sizes. Weights are padded: W1 is D x Hp,
 * b1 Hp, W2 Hp x Cp, b2 Cp, with zeros in the padding columns; zeros stay zeros, since the
 * padded hidden units are relu(0) = 0 and the padded classes get a zero gradient.
 */
const W1_: usize = 0;
const B1_: usize = 4;
const W2_: usize = 8;
const B2_: usize = 12;
const D_: usize = 16;
const HP_: usize = 20;
const C_: usize = 24;
const CP_: usize = 28;
const SCALE_: usize = 32; // 256 f32: byte -> byte / 255
const LANES_: usize = 36; // one lane per thread (below): lists of nonzero pixels and scratch rows
const LOSS_: usize = 40; //  N f64: each image's cross-entropy
const HID_: usize = 44; //   N x Hp f32: relu(x W1 + b1)
const DY_: usize = 48; //    N x Cp f32: scores, then dL/dscores
const DH_: usize = 52; //    N x Hp f32: dL/dhidden (relu mask applied)
const DW2_: usize = 56; //   Hp x Cp f32: dW2
const DB1_: usize = 60; //   Hp f32: db1
const DB2_: usize = 64; //   Cp f32: db2
const W2T_: usize = 68; //   C x Hp f32: W2 transposed, for dH = dY W2^T
// (wasm-fused.ts writes these NET_FIELDS = 18 fields, in this order.)

/*
 * A lane: LANE_FIELDS i32 at LANES + thread * LANE_BYTES. Lane 0's lists hold two batches
 * (LIST_ENTRIES each), written by every thread of a step's team (each in its own part); the
 * other lanes, and lane 0 when counting, hold one image, written by its thread alone.
 */
const ROWS_: usize = 0; // u32: per image, the W1 row addresses of its nonzero pixels
const VAL_: usize = 4; //  f32: and their values
const SPANS_: usize = 8; // 2 N (i32, i32) in lane 0: where each image's entries start in those lists, and how many
const H_: usize = 12; //   Hp f32: one image's hidden row (counting)
const S_: usize = 16; //   Cp f32: one image's scores (counting)
const LANE_BYTES: usize = 20;

// @ts-ignore: decorator
@inline function field(net: usize, off: usize): usize {
  return <usize>load<i32>(net + off);
}

/** Fills the byte -> float table: v -> float32(v / 255), the same numbers as batches.ts. */
export function fillScaleTable(table: usize): void {
  for (let v = 0; v < 256; v++) store<f32>(table + (<usize>v << 2), <f32>(<f64>v / 255));
}

/** Bit t set where byte t of the 16 at p is not zero. */
// @ts-ignore: decorator
@inline function nonzeroBits16(p: usize): u64 {
  return <u64>i8x16.bitmask(i8x16.ne(v128.load(p), i8x16.splat(0)));
}

/*
 * Row combinations in blocks. Every product of the net is "a row of the output is a weighted
 * sum of rows of a matrix": h = sum over the nonzero pixels of x * W1[pixel, :], scores =
 * sum_j h_j W2[j, :], dh = sum_c dy_c W2^T[c, :], dW2[j, :] = sum_i h_ij dy[i, :]. One kernel
 * computes a block of up to 7 vectors (28 floats) of such a row with its sums in registers;
 * a row wider than that is cut into blocks, each a pass over the list of rows. The book's 52
 * padded hidden units are 13 vectors: 7 + 6, two passes (blocks of at most 6 took three,
 * 5 + 4 + 4, and the book's run 0.3 s longer). One block of 13 spills (x86-64 has 16 SIMD
 * registers and V8 keeps one) and was 0.35 s slower; blocks of 1 would wait on their own
 * additions. Every float is summed in the same order whatever the width.
 */

/** The widest block, in vectors: the kernels below have cases for 1 .. MAX_BLOCK. */
const MAX_BLOCK = 7;

/** Vectors in the next block: as few blocks of at most MAX_BLOCK as can be, as equal as can be (13 = 7 + 6). */
// @ts-ignore: decorator
@inline function blockWidth(vectorsLeft: i32): i32 {
  const blocks = (vectorsLeft + MAX_BLOCK - 1) / MAX_BLOCK;
  return (vectorsLeft + blocks - 1) / blocks;
}

const RELU = 1;

/**
 * out[0 .. 4 width) = init + sum_n val[n] * rows[n][o ..] where rows[n] is an address
 * (decodeSparse's list); then relu when `relu` is RELU. init = 0 means zeros.
 */
function sparseRows(out: usize, init: usize, rows: usize, val: usize, nnz: i32, o: usize, width: i32, relu: i32): void {
  if (width == 7) sparseBlock(out, init, rows, val, nnz, o, relu, 7);
  else if (width == 6) sparseBlock(out, init, rows, val, nnz, o, relu, 6);
  else if (width == 5) sparseBlock(out, init, rows, val, nnz, o, relu, 5);
  else if (width == 4) sparseBlock(out, init, rows, val, nnz, o, relu, 4);
  else if (width == 3) sparseBlock(out, init, rows, val, nnz, o, relu, 3);
  else if (width == 2) sparseBlock(out, init, rows, val, nnz, o, relu, 2);
  else sparseBlock(out, init, rows, val, nnz, o, relu, 1);
}

/** The body of sparseRows for a constant width nv: inlined, the unused accumulators vanish. */
// @ts-ignore: decorator
@inline function sparseBlock(out: usize, init: usize, rows: usize, val: usize, nnz: i32, o: usize, relu: i32, nv: i32): void {
  const zero = f32x4.splat(0);
  let a0 = init != 0 && nv > 0 ? v128.load(init, 0) : zero;
  let a1 = init != 0 && nv > 1 ? v128.load(init, 16) : zero;
  let a2 = init != 0 && nv > 2 ? v128.load(init, 32) : zero;
  let a3 = init != 0 && nv > 3 ? v128.load(init, 48) : zero;
  let a4 = init != 0 && nv > 4 ? v128.load(init, 64) : zero;
  let a5 = init != 0 && nv > 5 ? v128.load(init, 80) : zero;
  let a6 = init != 0 && nv > 6 ? v128.load(init, 96) : zero;
  for (let n = 0; n < nnz; n++) {
    const v = f32x4.splat(f32At(val, n));
    const w = <usize>load<u32>(rows + (<usize>n << 2)) + o;
    if (nv > 0) a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w, 0)));
    if (nv > 1) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    if (nv > 2) a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
    if (nv > 3) a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
    if (nv > 4) a4 = f32x4.add(a4, f32x4.mul(v, v128.load(w, 64)));
    if (nv > 5) a5 = f32x4.add(a5, f32x4.mul(v, v128.load(w, 80)));
    if (nv > 6) a6 = f32x4.add(a6, f32x4.mul(v, v128.load(w, 96)));
  }
  if (relu == RELU) {
    // pmax(a, 0) = a < 0 ? 0 : a: relu that keeps a NaN a NaN (and divergence visible).
    a0 = f32x4.pmax(a0, zero); a1 = f32x4.pmax(a1, zero); a2 = f32x4.pmax(a2, zero);
    a3 = f32x4.pmax(a3, zero); a4 = f32x4.pmax(a4, zero); a5 = f32x4.pmax(a5, zero);
    a6 = f32x4.pmax(a6, zero);
  }
  storeBlock(out, a0, a1, a2, a3, a4, a5, a6, nv);
}

/**
 * out[0 .. 4 width) = init + sum_{n < count} x[n * xStride] * M[n * mStride ..], then, when
 * mask is not 0, zero where mask[...] <= 0 (relu's backward). Strides are in bytes.
 */
function denseRows(out: usize, init: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32, mask: usize, width: i32): void {
  if (width == 7) denseBlock(out, init, x, xStride, M, mStride, count, mask, 7);
  else if (width == 6) denseBlock(out, init, x, xStride, M, mStride, count, mask, 6);
  else if (width == 5) denseBlock(out, init, x, xStride, M, mStride, count, mask, 5);
  else if (width == 4) denseBlock(out, init, x, xStride, M, mStride, count, mask, 4);
  else if (width == 3) denseBlock(out, init, x, xStride, M, mStride, count, mask, 3);
  else if (width == 2) denseBlock(out, init, x, xStride, M, mStride, count, mask, 2);
  else denseBlock(out, init, x, xStride, M, mStride, count, mask, 1);
}

// @ts-ignore: decorator
@inline function denseBlock(out: usize, init: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32, mask: usize, nv: i32): void {
  const zero = f32x4.splat(0);
  let a0 = init != 0 && nv > 0 ? v128.load(init, 0) : zero;
  let a1 = init != 0 && nv > 1 ? v128.load(init, 16) : zero;
  let a2 = init != 0 && nv > 2 ? v128.load(init, 32) : zero;
  let a3 = init != 0 && nv > 3 ? v128.load(init, 48) : zero;
  let a4 = init != 0 && nv > 4 ? v128.load(init, 64) : zero;
  let a5 = init != 0 && nv > 5 ? v128.load(init, 80) : zero;
  let a6 = init != 0 && nv > 6 ? v128.load(init, 96) : zero;
  for (let n = 0; n < count; n++) {
    const v = f32x4.splat(load<f32>(x + <usize>n * xStride));
    const w = M + <usize>n * mStride;
    if (nv > 0) a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w, 0)));
    if (nv > 1) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    if (nv > 2) a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
    if (nv > 3) a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
    if (nv > 4) a4 = f32x4.add(a4, f32x4.mul(v, v128.load(w, 64)));
    if (nv > 5) a5 = f32x4.add(a5, f32x4.mul(v, v128.load(w, 80)));
    if (nv > 6) a6 = f32x4.add(a6, f32x4.mul(v, v128.load(w, 96)));
  }
  if (mask != 0) {
    if (nv > 0) a0 = v128.and(a0, f32x4.gt(v128.load(mask, 0), zero));
    if (nv > 1) a1 = v128.and(a1, f32x4.gt(v128.load(mask, 16), zero));
    if (nv > 2) a2 = v128.and(a2, f32x4.gt(v128.load(mask, 32), zero));
    if (nv > 3) a3 = v128.and(a3, f32x4.gt(v128.load(mask, 48), zero));
    if (nv > 4) a4 = v128.and(a4, f32x4.gt(v128.load(mask, 64), zero));
    if (nv > 5) a5 = v128.and(a5, f32x4.gt(v128.load(mask, 80), zero));
    if (nv > 6) a6 = v128.and(a6, f32x4.gt(v128.load(mask, 96), zero));
  }
  storeBlock(out, a0, a1, a2, a3, a4, a5, a6, nv);
}

// @ts-ignore: decorator
@inline function storeBlock(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, nv: i32): void {
  if (nv > 0) v128.store(out, a0, 0);
  if (nv > 1) v128.store(out, a1, 16);
  if (nv > 2) v128.store(out, a2, 32);
  if (nv > 3) v128.store(out, a3, 48);
  if (nv > 4) v128.store(out, a4, 64);
  if (nv > 5) v128.store(out, a5, 80);
  if (nv > 6) v128.store(out, a6, 96);
}

/**
 * W1[pixel, o ..] -= (lr * value) * dh[o ..] for each nonzero pixel of one image: its share of
 * dW1 = X^T dH and the SGD step in one pass (dW1 is never stored); width as in sparseRows.
 */
function updateRows(dh: usize, rows: usize, val: usize, nnz: i32, lr: f32, o: usize, width: i32): void {
  if (width == 7) updateBlock(dh, rows, val, nnz, lr, o, 7);
  else if (width == 6) updateBlock(dh, rows, val, nnz, lr, o, 6);
  else if (width == 5) updateBlock(dh, rows, val, nnz, lr, o, 5);
  else if (width == 4) updateBlock(dh, rows, val, nnz, lr, o, 4);
  else if (width == 3) updateBlock(dh, rows, val, nnz, lr, o, 3);
  else if (width == 2) updateBlock(dh, rows, val, nnz, lr, o, 2);
  else updateBlock(dh, rows, val, nnz, lr, o, 1);
}

// @ts-ignore: decorator
@inline function updateBlock(dh: usize, rows: usize, val: usize, nnz: i32, lr: f32, o: usize, nv: i32): void {
  const zero = f32x4.splat(0);
  const g0 = nv > 0 ? v128.load(dh, 0) : zero;
  const g1 = nv > 1 ? v128.load(dh, 16) : zero;
  const g2 = nv > 2 ? v128.load(dh, 32) : zero;
  const g3 = nv > 3 ? v128.load(dh, 48) : zero;
  const g4 = nv > 4 ? v128.load(dh, 64) : zero;
  const g5 = nv > 5 ? v128.load(dh, 80) : zero;
  const g6 = nv > 6 ? v128.load(dh, 96) : zero;
  for (let n = 0; n < nnz; n++) {
    const v = f32x4.splat(lr * f32At(val, n));
    const w = <usize>load<u32>(rows + (<usize>n << 2)) + o;
    if (nv > 0) v128.store(w, f32x4.sub(v128.load(w, 0), f32x4.mul(v, g0)), 0);
    if (nv > 1) v128.store(w, f32x4.sub(v128.load(w, 16), f32x4.mul(v, g1)), 16);
    if (nv > 2) v128.store(w, f32x4.sub(v128.load(w, 32), f32x4.mul(v, g2)), 32);
    if (nv > 3) v128.store(w, f32x4.sub(v128.load(w, 48), f32x4.mul(v, g3)), 48);
    if (nv > 4) v128.store(w, f32x4.sub(v128.load(w, 64), f32x4.mul(v, g4)), 64);
    if (nv > 5) v128.store(w, f32x4.sub(v128.load(w, 80), f32x4.mul(v, g5)), 80);
    if (nv > 6) v128.store(w, f32x4.sub(v128.load(w, 96), f32x4.mul(v, g6)), 96);
  }
}

/** Affine1 + Relu1 of one image, columns j0 .. j1 - 1 of h = relu(b1 + sum over its nonzero pixels of x * W1[pixel, :]). */
function hiddenCols(h: usize, b1: usize, rows: usize, val: usize, nnz: i32, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; ) {
    const width = blockWidth((j1 - j) >> 2);
    const o = <usize>j << 2;
    sparseRows(h + o, b1 + o, rows, val, nnz, o, width, RELU);
    j += width << 2;
  }
}

/**
 * Affine2 of one row: s (Cp) = b2 + h (Hp) . W2 (Hp x Cp). Every hidden unit is used, zero or
 * not: a branch on relu's zeros would be mispredicted half the time and cost more than the
 * multiplications it saves.
 */
function scoresRow(s: usize, h: usize, W2: usize, b2: usize, Hp: i32, Cp: i32): void {
  for (let c = 0; c < Cp; ) {
    const width = blockWidth((Cp - c) >> 2);
    const o = <usize>c << 2;
    denseRows(s + o, b2 + o, h, 4, W2 + o, <usize>Cp << 2, Hp, 0, width);
    c += width << 2;
  }
}

/*
 * The training images in sparse form, built once per training split by encodeSparse (see
 * wasm-fused.ts for why): per image, runs of nonzero pixels, each as (gap, length, values):
 * a cursor starts at pixel 0, moves `gap` pixels, then `length` pixels of the given byte
 * values follow (the cursor ends after them). A gap over 255 pixels is a run of length 0 that
 * only moves the cursor; a run over 255 pixels is cut into runs joined by gaps of 0. MNIST's
 * strokes make runs of 6 pixels on average: 1.3 bytes per nonzero pixel, 12 MB for the 60,000
 * training images (against 47 MB dense, or 18 MB as (pixel, value) pairs).
 */

/**
 * Encodes N images (bytes, N x D at x) from address dst onwards; starts[i] gets the address of
 * image i's first run and starts[N] the end. Returns the end address. Writes at most 3 D bytes
 * an image (2 per zero pixel before a run, 1 per nonzero, 2 per 255 skipped or cut), and up
 * to 15 bytes past the end; reads up to 15 bytes past the last image.
 */
export function encodeSparse(dst: usize, starts: usize, x: usize, N: i32, D: i32): usize {
  let out = dst;
  for (let i = 0; i < N; i++) {
    store<u32>(starts + (<usize>i << 2), <u32>out);
    const img = x + <usize>i * <usize>D;
    let cursor = 0;
    let p = 0;
    while (p < D) {
      // Skip zeros 16 at a time (MNIST's borders), then one at a time.
      if (p + 16 <= D) {
        const bits = nonzeroBits16(img + p);
        if (bits == 0) {
          p += 16;
          continue;
        }
        p += <i32>ctz(bits);
      } else if (load<u8>(img + p) == 0) {
        p++;
        continue;
      }
      for (; p - cursor > 255; cursor += 255) {
        store<u16>(out, 255); // gap 255, length 0: a move only
        out += 2;
      }
      // The run ends at a zero byte, the image's end or 255 pixels: found 16 bytes at a time,
      // copied 16 at a time (up to 15 bytes past it are written, then overwritten by what
      // follows; memory.copy, a call per run, took most of the time).
      let length = 0;
      while (true) {
        const zeros = ~nonzeroBits16(img + p + length) & 0xffff;
        length += zeros == 0 ? 16 : <i32>ctz(zeros);
        if (zeros != 0 || p + length >= D || length >= 255) break;
      }
      length = min(length, min(D - p, 255));
      store<u8>(out, <u8>(p - cursor));
      store<u8>(out, <u8>length, 1);
      for (let c = 0; c < length; c += 16) v128.store(out + 2 + <usize>c, v128.load(img + <usize>(p + c)));
      out += 2 + <usize>length;
      p += length;
      cursor = p;
    }
  }
  store<u32>(starts + (<usize>N << 2), <u32>out);
  return out;
}

/**
 * The nonzero pixels of one sparse image (runs start .. end), in pixel order, as a list of
 * (W1 row address, value) pairs: rows[n] is W1 + pixel * rowBytes, ready to load, and val[n]
 * the pixel's float; returns the count. A run is written 8 entries at a time without a branch per
 * pixel (a branch at each run's end was mispredicted 25 times an image): up to 7 entries past
 * the run's end are written and then overwritten (the lists have room for 8 more), and up to 7
 * bytes past the image are read (the copy has room for 16 more).
 */
function decodeSparse(rows: usize, val: usize, start: usize, end: usize, table: usize, W1: usize, rowBytes: usize): i32 {
  let n: usize = 0;
  let pixel: usize = 0;
  const step = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(<i32>rowBytes));
  const four = i32x4.splat(<i32>(rowBytes << 2));
  for (let q = start; q < end; ) {
    pixel += <usize>load<u8>(q);
    const length = <usize>load<u8>(q, 1);
    q += 2;
    for (let k: usize = 0; k < length; k += 8) {
      const r = rows + ((n + k) << 2);
      const v = val + ((n + k) << 2);
      const a = i32x4.add(i32x4.splat(<i32>(W1 + (pixel + k) * rowBytes)), step);
      v128.store(r, a);
      v128.store(r, i32x4.add(a, four), 16);
      const b = q + k;
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b) << 2)));
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 1) << 2)), 4);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 2) << 2)), 8);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 3) << 2)), 12);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 4) << 2)), 16);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 5) << 2)), 20);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 6) << 2)), 24);
      store<f32>(v, load<f32>(table + (<usize>load<u8>(b, 7) << 2)), 28);
    }
    n += length;
    q += length;
    pixel += length;
  }
  return <i32>n;
}

/*
 * One SGD iteration, and one accuracy count, by a team of 1 .. MAX_TEAM threads on one shared
 * memory: thread 0 is the caller (wasm-fused.ts), the others run teamServe on worker threads
 * (kernels/wasm-team-worker.ts) and take their commands from the team block below.
 *
 * The step is cut so that every float is computed by the same operations, in the same order,
 * as by one thread alone; the weights after a step are the same bits for every team size.
 * - Thread t owns a run of the hidden columns (its slot's COL0 .. COL1): Affine1 forward and Relu1 of every
 *   image in those columns, and, after the loss, dH, dW2, db1, the SGD step of W2's rows and
 *   b1 in them, and W1's columns in them. Each element of every sum is added in image order,
 *   as before, whichever thread adds it.
 * - Thread t owns a run of the batch's images (share below) for listing their nonzero pixels
 *   (for all threads) and for Affine2 and SoftmaxWithLoss, which need whole hidden rows.
 * Three barriers a step: once the lists are all written, once the hidden rows are whole, and
 * once dL/dscores is. Every thread then adds the N losses in image order (the same sum
 * everywhere, so all agree on divergence).
 * While the helpers count on a copy of the weights (a count "alongside", teamCount), thread 0
 * steps alone: ACTIVE is 1 and it owns every thread's columns and all the images. In general,
 * thread t of the ACTIVE threads stepping owns the columns of slots t, t + ACTIVE, ...
 */

// The team block (TEAM_BYTES at `team`): i32 fields written by thread 0 before it bumps SEQ.
const SEQ_: usize = 0; //       the command's number: bumped (and notified) once per command
const CMD_: usize = 4; //       STEP, COUNT or QUIT
const THREADS_: usize = 8; //   the team's size
const FAILED_: usize = 12; //   not 0 once a helper failed: no one waits for anyone any more
const STARTS_: usize = 16; //   STEP: the sparse split (encodeSparse): each image's first run
const LABELS_: usize = 20; //   STEP: its labels, a byte each
const IDX_: usize = 24; //      STEP: the batch's image numbers, N i32
const N_: usize = 28; //        STEP: the batch size
const LR_: usize = 32; //       STEP: the learning rate, f32
const FIRST_: usize = 36; //    COUNT: the images FIRST .. END - 1
const END_: usize = 40;
const PARITY_: usize = 44; //   STEP: which half of the lists this step uses (it alternates)
const MAXN_: usize = 56; //     the most images a step can have (the lists' halves are laid out for it)
const MAXLOSS_: usize = 48; //  STEP: f64: no update when the batch's mean loss is above it (or NaN)
const ACTIVE_: usize = 60; //   STEP: the threads taking part, 0 .. ACTIVE - 1 (THREADS, or 1 while the helpers count alongside)
const CSTARTS_: usize = 64; //  COUNT: the sparse split, as STARTS (a step alone may run meanwhile, with its own)
const CLABELS_: usize = 68; //  COUNT: its labels
const CNET_: usize = 72; //     COUNT: the net descriptor whose weights count (the net itself, or a copy of its weights)
const CFROM_: usize = 76; //    COUNT: the first thread counting: 0, the whole team; 1, the helpers alongside a step alone
const SLEEPERS_: usize = 80; // threads asleep (or about to be) on a word of this block: a thread that moves a word on notifies only when not 0
const SLOTS_: usize = 128; //   per thread, a cache line of its own (i32 fields below)
const SLOT_BYTES: usize = 64;
const ARRIVALS_: usize = 0; //  how often it has arrived at a barrier
const COUNT_: usize = 4; //     its count (COUNT)
const COL0_: usize = 8; //      its hidden columns COL0 .. COL1 - 1 (set with the layout, wasm-fused.ts)
const COL1_: usize = 12;
const DONE_: usize = 16; //     a helper's last finished command (its SEQ): thread 0 waits for it before touching weights
const TOUCHED_: usize = 20; //  a sum of bytes read only to bring them into the cache (touchImages)
// (wasm-fused.ts allocates SLOTS_ + MAX_TEAM * SLOT_BYTES bytes.)

const STEP = 1;
const COUNT = 2;

/** FAILED's value when a thread stopped answering (wasm-team.ts says so); a helper that failed sets 1. */
const SILENT = 2;
/** Sleeps of 0.1 s at a barrier with no news before a thread counts as gone: 30 s. */
const SILENT_SLEEPS = 300;

/**
 * Loads of a shared word at a barrier before the wait sleeps on it: about 50 us at ~1 ns a
 * load, a few times a phase of a quiet machine's step (~10-30 us; the two threads' parts
 * differ by a few us). A thread that has not arrived by then is most likely not running
 * (another process holds its core), and spinning on would keep the core from it. (With waits
 * that spun ~200 us, and every step shared, the book's run took 2-4 times as long as on one
 * thread while another process held a core; team-pacer.ts now takes the steps alone then.)
 */
const SPINS = 50000;

/**
 * Loads of SEQ before a helper sleeps between two commands: about 200 us. Between two steps
 * thread 0 runs the trainer's JavaScript (10-30 us, more with a progress event or a minor GC),
 * and a helper asleep costs the next step its wake-up (0.2-0.4 ms here). While thread 0 steps
 * alone, the helpers sleep after this.
 */
const COMMAND_SPINS = 200000;

// @ts-ignore: decorator
@inline function slot(team: usize, t: i32): usize {
  return team + SLOTS_ + <usize>t * SLOT_BYTES;
}

/**
 * Sleeps on the i32 at p while it is v, for at most `ns` (-1: no limit); true when it timed
 * out. SLEEPERS counts the sleeper first, so a thread that changes a word and then reads
 * SLEEPERS (wake) either sees it and notifies, or changed the word before this wait reads it
 * (atomics are sequentially consistent), and the wait returns at once.
 */
function sleepOn(team: usize, p: usize, v: i32, ns: i64): bool {
  atomic.add<i32>(team + SLEEPERS_, 1);
  const result = atomic.wait<i32>(p, v, ns);
  atomic.sub<i32>(team + SLEEPERS_, 1);
  return result == AtomicWaitResult.TIMED_OUT;
}

/** Wakes the threads sleeping on the i32 at p, after it changed: only when some thread sleeps (a notify costs ~40-90 ns, a load ~1). */
// @ts-ignore: decorator
@inline function wake(team: usize, p: usize): void {
  if (atomic.load<i32>(team + SLEEPERS_) != 0) atomic.notify(p);
}

/**
 * Waits until the i32 at p is at least k (it only grows); false when a helper failed meanwhile,
 * or when nothing happened for SILENT_SLEEPS sleeps of 0.1 s (a thread that died without a word,
 * out of memory say: the team is then marked FAILED, so that no thread waits forever).
 */
function waitAtLeast(team: usize, p: usize, k: i32): bool {
  let spins = 0;
  let sleeps = 0;
  while (true) {
    const v = atomic.load<i32>(p);
    if (v >= k) return true;
    if (atomic.load<i32>(team + FAILED_) != 0) return false;
    if (++spins >= SPINS) {
      if (sleepOn(team, p, v, 100_000_000) && ++sleeps >= SILENT_SLEEPS) {
        atomic.store<i32>(team + FAILED_, SILENT);
        return false;
      }
      spins = 0;
    }
  }
}

/** Returns once every thread of the team has arrived here as often as this one; false when a helper failed. */
function barrier(team: usize, thread: i32, threads: i32): bool {
  if (threads == 1) return true;
  const mine = slot(team, thread) + ARRIVALS_;
  const k = atomic.load<i32>(mine) + 1;
  atomic.store<i32>(mine, k);
  wake(team, mine);
  for (let t = 0; t < threads; t++) {
    if (t != thread && !waitAtLeast(team, slot(team, t) + ARRIVALS_, k)) return false;
  }
  return true;
}

/** Item t * count / threads: thread t's share of `count` items is share(t) .. share(t + 1) - 1. */
// @ts-ignore: decorator
@inline function share(count: i32, t: i32, threads: i32): i32 {
  return <i32>((<i64>count * <i64>t) / <i64>threads);
}

/**
 * h (Hp) = relu(b1 + x W1) for one image, in the columns of the slots first, first + stride, ...
 * (by default every thread's; the columns between runs are padding: zero weights, never
 * written, zero in h).
 */
function hiddenRow(h: usize, b1: usize, rows: usize, val: usize, nnz: i32, team: usize, threads: i32, first: i32 = 0, stride: i32 = 1): void {
  for (let t = first; t < threads; t += stride) {
    hiddenCols(h, b1, rows, val, nnz, load<i32>(slot(team, t), COL0_), load<i32>(slot(team, t), COL1_));
  }
}

/**
 * The first of thread t's images in a step's image phases (listing pixels, Affine2 and the
 * loss), when `active` threads step: N cut by weights max(0, 2 avg - cols_s), cols_s being the
 * hidden columns thread s owns. A thread with more columns does more in the column phases and
 * gets fewer images: the book's 6 + 7 vectors get 53 + 47 images (3% off the two-thread step
 * against 50 + 50).
 */
function imageShare(team: usize, N: i32, t: i32, threads: i32, active: i32): i32 {
  let total = 0;
  for (let s = 0; s < threads; s++) total += columnsOf(team, s);
  let before: i64 = 0;
  let all: i64 = 0;
  for (let s = 0; s < active; s++) {
    let owned = 0;
    for (let r = s; r < threads; r += active) owned += columnsOf(team, r);
    const weight = <i64>max(0, 2 * total - active * owned);
    if (s < t) before += weight;
    all += weight;
  }
  return <i32>((<i64>N * before) / all);
}

// @ts-ignore: decorator
@inline function columnsOf(team: usize, t: i32): i32 {
  return load<i32>(slot(team, t), COL1_) - load<i32>(slot(team, t), COL0_);
}

/** Entries of a batch's lists in lane 0 (as wasm-fused.ts allocates them): each image's worst case, and 8 spare for each thread. */
// @ts-ignore: decorator
@inline function listEntries(N: i32, D: i32): usize {
  return <usize>N * <usize>D + (<usize>MAX_TEAM << 3);
}

/** The most threads a team has: a slot each in the team block. */
const MAX_TEAM = 8;

/**
 * Reads one byte of every cache line of the images idx[i0 .. i1) of a sparse split. Each image
 * sits at a random place in the copy (12 MB for MNIST): decoded one after another, each waited
 * for its own memory (a third of a step's time went there); read first, together, their lines
 * arrive together. The sum goes to `sink` only so that the reads are kept.
 */
function touchImages(idx: usize, starts: usize, i0: i32, i1: i32, sink: usize): void {
  let sum: u32 = 0;
  for (let i = i0; i < i1; i++) {
    const image = <usize>load<i32>(idx + (<usize>i << 2));
    const end = <usize>load<u32>(starts + (image << 2), 4);
    for (let q = <usize>load<u32>(starts + (image << 2)) & ~63; q < end; q += 64) sum += <u32>load<u8>(q);
  }
  store<u32>(sink, sum, TOUCHED_);
}

/**
 * Thread `thread`'s part of one SGD iteration of TwoLayerNet on the N images IDX[0 .. N) of a
 * sparse split (encodeSparse's starts, and its byte labels): forward (Affine1 -> Relu1 ->
 * Affine2 -> SoftmaxWithLoss), backward, and p -= lr * dL/dp. Returns the summed cross-entropy
 * of the batch (divide by N for the book's loss), or NaN when a helper failed. When the mean is
 * above MAXLOSS or NaN, the weights are left untouched (the trainer reports a divergence, as the
 * layer path does before its update).
 */
export function teamStep(net: usize, team: usize, thread: i32): f64 {
  const threads = load<i32>(team + THREADS_), active = load<i32>(team + ACTIVE_);
  const starts = field(team, STARTS_), labels = field(team, LABELS_), idx = field(team, IDX_);
  const N = load<i32>(team + N_), lr = load<f32>(team + LR_), maxLoss = load<f64>(team + MAXLOSS_);
  const W1 = field(net, W1_), b1 = field(net, B1_), W2 = field(net, W2_), b2 = field(net, B2_);
  const D = <i32>field(net, D_), Hp = <i32>field(net, HP_), C = <i32>field(net, C_), Cp = <i32>field(net, CP_);
  const table = field(net, SCALE_), losses = field(net, LOSS_);
  const hid = field(net, HID_), dy = field(net, DY_), db2 = field(net, DB2_);
  const lane = field(net, LANES_); // lane 0's lists, 2 N images long: shared by the team
  const rows = field(lane, ROWS_), val = field(lane, VAL_), spans = field(lane, SPANS_);
  const rowH = <usize>Hp << 2, rowC = <usize>Cp << 2;
  const scale: f64 = 1 / <f64>N;

  // The lists of nonzero pixels, each thread those of its images, into this step's half of
  // lane 0's lists (the other half may still be read by a thread updating W1 for the last step),
  // one after another from the thread's first image's place: spans[i] = (first entry, count).
  const half = <usize>(load<i32>(team + PARITY_) & 1), maxN = load<i32>(team + MAXN_);
  const entries = listEntries(maxN, D);
  const rowsAt = rows + ((half * entries) << 2), valAt = val + ((half * entries) << 2), spansAt = spans + ((half * <usize>maxN) << 3);
  const i0 = imageShare(team, N, thread, threads, active), i1 = imageShare(team, N, thread + 1, threads, active);
  touchImages(idx, starts, i0, i1, slot(team, thread));
  // decodeSparse writes up to 7 entries past an image's: 8 spare entries a thread keep them
  // off the next thread's part.
  let entry = <usize>i0 * <usize>D + (<usize>thread << 3);
  for (let i = i0; i < i1; i++) {
    const ri = <usize>i;
    const image = <usize>load<i32>(idx + (ri << 2));
    const first = <usize>load<u32>(starts + (image << 2)), end = <usize>load<u32>(starts + (image << 2), 4);
    const n = decodeSparse(rowsAt + (entry << 2), valAt + (entry << 2), first, end, table, W1, rowH);
    store<i32>(spansAt + (ri << 3), <i32>entry);
    store<i32>(spansAt + (ri << 3), n, 4);
    entry += <usize>n;
  }
  if (!barrier(team, thread, active)) return NaN;

  // Affine1 + Relu1, this thread's columns of every image.
  for (let i = 0; i < N; i++) {
    const at = spansAt + (<usize>i << 3);
    const e = <usize>load<i32>(at) << 2;
    hiddenRow(hid + <usize>i * rowH, b1, rowsAt + e, valAt + e, load<i32>(at, 4), team, threads, thread, active);
  }
  if (!barrier(team, thread, active)) return NaN;

  // Affine2 and SoftmaxWithLoss, this thread's images: scores, the loss, dL/dscores.
  for (let i = i0; i < i1; i++) {
    const ri = <usize>i;
    const s = dy + ri * rowC;
    scoresRow(s, hid + ri * rowH, W2, b2, Hp, Cp);
    const label = <i32>load<u8>(labels + <usize>load<i32>(idx + (ri << 2)));
    const scoreOfLabel = <f64>f32At(s, label);
    store<f64>(losses + (ri << 3), softmaxRow(s, s, C) - scoreOfLabel);
    // NOTE: dL/dscores = (y - onehot(t)) / N, the / N of the per-example mean.
    for (let c = 0; c < C; c++) store<f32>(s + (<usize>c << 2), <f32>(<f64>f32At(s, c) * scale));
    store<f32>(s + (<usize>label << 2), <f32>(<f64>f32At(s, label) - scale));
    for (let c = C; c < Cp; c++) store<f32>(s + (<usize>c << 2), 0);
  }
  if (!barrier(team, thread, active)) return NaN;
  let loss: f64 = 0;
  for (let i = 0; i < N; i++) loss += load<f64>(losses + (<usize>i << 3));
  if (!(loss / <f64>N <= maxLoss)) return loss;

  if (thread == 0) {
    // db2 = column sums of dY, and its step.
    memory.fill(db2, 0, rowC);
    for (let i = 0; i < N; i++) axpy(db2, dy + <usize>i * rowC, 1, Cp);
    axpy(b2, db2, -lr, Cp);
  }
  for (let t = thread; t < threads; t += active) {
    backwardColumns(net, N, lr, load<i32>(slot(team, t), COL0_), load<i32>(slot(team, t), COL1_), rowsAt, valAt, spansAt);
  }
  return loss;
}

/**
 * The backward pass and the SGD step in the hidden columns j0 .. j1 - 1 (a thread's run) of a
 * step whose lists are at rowsAt, valAt, spansAt, and whose hidden rows and dL/dscores are
 * done: dH, dW2 and W2's rows, db1 and b1, and W1's columns.
 */
function backwardColumns(net: usize, N: i32, lr: f32, j0: i32, j1: i32, rowsAt: usize, valAt: usize, spansAt: usize): void {
  const W1 = field(net, W1_), b1 = field(net, B1_), W2 = field(net, W2_);
  const Hp = <i32>field(net, HP_), C = <i32>field(net, C_), Cp = <i32>field(net, CP_);
  const hid = field(net, HID_), dy = field(net, DY_), dh = field(net, DH_), dW2 = field(net, DW2_);
  const db1 = field(net, DB1_), W2T = field(net, W2T_);
  const rowH = <usize>Hp << 2, rowC = <usize>Cp << 2;
  const o0 = <usize>j0 << 2, width = j1 - j0;

  // Relu1 backward of Affine2 backward: dH = (dY W2^T) where h > 0, with the old W2 (its rows
  // j0 .. j1 - 1 are read and updated here alone).
  for (let j = j0; j < j1; j++) {
    for (let c = 0; c < C; c++) store<f32>(W2T + (<usize>(c * Hp + j) << 2), f32At(W2, j * Cp + c));
  }
  for (let i = 0; i < N; i++) {
    const ri = <usize>i;
    for (let j = j0; j < j1; ) {
      const w = blockWidth((j1 - j) >> 2);
      const o = <usize>j << 2;
      denseRows(dh + ri * rowH + o, 0, dy + ri * rowC, 4, W2T + o, rowH, C, hid + ri * rowH + o, w);
      j += w << 2;
    }
  }

  // Affine2: dW2 = H^T dY in these rows, and their SGD step.
  for (let j = j0; j < j1; j++) {
    for (let c = 0; c < Cp; ) {
      const w = blockWidth((Cp - c) >> 2);
      const o = <usize>c << 2;
      denseRows(dW2 + <usize>j * rowC + o, 0, hid + (<usize>j << 2), rowH, dy + o, rowC, N, 0, w);
      c += w << 2;
    }
  }
  axpy(W2 + <usize>j0 * rowC, dW2 + <usize>j0 * rowC, -lr, width * Cp);

  // Affine1: db1 = column sums of dH; W1 -= lr * X^T dH, image by image, never storing dW1.
  memory.fill(db1 + o0, 0, <usize>width << 2);
  for (let i = 0; i < N; i++) axpy(db1 + o0, dh + <usize>i * rowH + o0, 1, width);
  axpy(b1 + o0, db1 + o0, -lr, width);
  for (let i = 0; i < N; i++) {
    const at = spansAt + (<usize>i << 3);
    const e = <usize>load<i32>(at) << 2, n = load<i32>(at, 4);
    for (let j = j0; j < j1; ) {
      const w = blockWidth((j1 - j) >> 2);
      const o = <usize>j << 2;
      updateRows(dh + <usize>i * rowH + o, rowsAt + e, valAt + e, n, lr, o, w);
      j += w << 2;
    }
  }
}

/**
 * How many of the images FIRST .. END - 1 of a sparse split (CSTARTS, CLABELS) the net `net`
 * classifies as their label (argmax, first on ties). Each thread from CFROM on counts its share.
 * With the whole team (CFROM 0), thread 0 returns the sum (a helper returns its own count; -1
 * when a helper failed). Alongside a step alone (CFROM 1: the helpers, on a copy of the
 * weights), there is no barrier: each helper leaves its count in its slot, and thread 0 adds
 * them up once all are DONE (wasm-fused.ts).
 */
export function teamCount(net: usize, team: usize, thread: i32): i32 {
  const threads = load<i32>(team + THREADS_), from = load<i32>(team + CFROM_);
  const starts = field(team, CSTARTS_), labels = field(team, CLABELS_);
  const first = load<i32>(team + FIRST_), count = load<i32>(team + END_) - first;
  const k = thread - from, counting = threads - from;
  if (k >= counting) return 0; // a helper of a team being stopped (THREADS 1): nothing to count
  const W1 = field(net, W1_), b1 = field(net, B1_), W2 = field(net, W2_), b2 = field(net, B2_);
  const Hp = <i32>field(net, HP_), C = <i32>field(net, C_), Cp = <i32>field(net, CP_);
  const table = field(net, SCALE_);
  const lane = field(net, LANES_) + <usize>thread * LANE_BYTES;
  const rows = field(lane, ROWS_), val = field(lane, VAL_), h = field(lane, H_), s = field(lane, S_);
  let correct = 0;
  for (let i = first + share(count, k, counting); i < first + share(count, k + 1, counting); i++) {
    const image = <usize>i;
    const n = decodeSparse(rows, val, <usize>load<u32>(starts + (image << 2)), <usize>load<u32>(starts + (image << 2), 4), table, W1, <usize>Hp << 2);
    hiddenRow(h, b1, rows, val, n, team, threads);
    scoresRow(s, h, W2, b2, Hp, Cp);
    if (argmax(s, C) == <i32>load<u8>(labels + image)) correct++;
  }
  store<i32>(slot(team, thread), correct, COUNT_);
  if (from != 0) return correct;
  if (!barrier(team, thread, threads)) return -1;
  if (thread != 0) return correct;
  let total = 0;
  for (let t = 0; t < threads; t++) total += load<i32>(slot(team, t), COUNT_);
  return total;
}

/**
 * A helper's life (thread >= 1): waits for each command of thread 0 (the first is the one after
 * `seen`), runs its part, and returns at QUIT. Between commands it spins COMMAND_SPINS, then
 * sleeps: while thread 0 steps alone, the helper leaves its core to others.
 */
export function teamServe(net: usize, team: usize, thread: i32, seen: i32): void {
  while (true) {
    let spins = 0;
    let seq = atomic.load<i32>(team + SEQ_);
    while (seq == seen) {
      if (++spins >= COMMAND_SPINS) {
        sleepOn(team, team + SEQ_, seen, -1);
        spins = 0;
      }
      seq = atomic.load<i32>(team + SEQ_);
    }
    seen = seq;
    const command = load<i32>(team + CMD_);
    if (command == STEP) teamStep(net, team, thread);
    else if (command == COUNT) teamCount(field(team, CNET_), team, thread);
    else return;
    atomic.store<i32>(slot(team, thread), seq, DONE_);
    wake(team, slot(team, thread) + DONE_);
  }
}

/** First free byte after the module's own data (math tables): wasm.ts allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}
