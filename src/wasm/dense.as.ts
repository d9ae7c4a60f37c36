/**
 * Row combinations: every dense product of the network is "a row of the output is a weighted
 * sum of rows of a matrix":
 *   forward   h_k[i, :]  = act(b_k + sum_m h_{k-1}[i, m] W_k[m, :])
 *   backward  dX[i, :]   = act'(h) * sum_j dY[i, j] W^T[j, :]
 *             dW[m, :]   = sum_i X[i, m] dY[i, :]
 * denseRows computes a block of up to MAX_BLOCK vectors (4 floats each) of such a row with its
 * sums in registers, the terms added in order n = 0, 1, ..., each as sum = sum + x_n * M_n
 * (a float32 multiply, then a float32 add). A wider row is cut into blocks (blockWidth), each
 * one pass over the terms; a float's sum is the same whatever the block, so the cut never
 * changes a bit. Blocks of 7: 13 vectors (the book's 50 units) are 7 + 6, two passes; a block
 * of 13 spills registers (x86-64 has 16, V8 keeps one), blocks of 1 wait on their own adds
 * (measured on the earlier fused TwoLayerNet, which this replaced).
 */
import { applyMode } from './activation.as';

/** The widest block, in vectors. */
export const MAX_BLOCK: i32 = 7;

/** Vectors in the next block: as few blocks of at most MAX_BLOCK as can be, as equal as can be (13 = 7 + 6). */
// @ts-ignore: decorator
@inline export function blockWidth(vectorsLeft: i32): i32 {
  const blocks = (vectorsLeft + MAX_BLOCK - 1) / MAX_BLOCK;
  return (vectorsLeft + blocks - 1) / blocks;
}

/**
 * out[0 .. 4 width) = mode(init + sum_{n < count} x[n xStride] M[n mStride ..]) (init = 0:
 * from zeros; strides in bytes; aux: the activation's output for backward modes, at out's
 * columns; activation.as.ts's modes).
 */
export function denseRows(out: usize, init: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32, width: i32, mode: i32, aux: usize): void {
  if (width == 7) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 7);
  else if (width == 6) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 6);
  else if (width == 5) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 5);
  else if (width == 4) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 4);
  else if (width == 3) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 3);
  else if (width == 2) denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 2);
  else denseBlock(out, init, x, xStride, M, mStride, count, mode, aux, 1);
}

/** The body of denseRows for a constant width nv: inlined, the unused accumulators vanish. */
// @ts-ignore: decorator
@inline function denseBlock(out: usize, init: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32, mode: i32, aux: usize, nv: i32): void {
  const zero = f32x4.splat(0);
  let a0 = init != 0 && nv > 0 ? v128.load(init, 0) : zero;
  let a1 = init != 0 && nv > 1 ? v128.load(init, 16) : zero;
  let a2 = init != 0 && nv > 2 ? v128.load(init, 32) : zero;
  let a3 = init != 0 && nv > 3 ? v128.load(init, 48) : zero;
  let a4 = init != 0 && nv > 4 ? v128.load(init, 64) : zero;
  let a5 = init != 0 && nv > 5 ? v128.load(init, 80) : zero;
  let a6 = init != 0 && nv > 6 ? v128.load(init, 96) : zero;
  let xn = x;
  let w = M;
  for (let n = 0; n < count; n++, xn += xStride, w += mStride) {
    const v = v128.load32_splat(xn);
    if (nv > 0) a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w, 0)));
    if (nv > 1) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    if (nv > 2) a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
    if (nv > 3) a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
    if (nv > 4) a4 = f32x4.add(a4, f32x4.mul(v, v128.load(w, 64)));
    if (nv > 5) a5 = f32x4.add(a5, f32x4.mul(v, v128.load(w, 80)));
    if (nv > 6) a6 = f32x4.add(a6, f32x4.mul(v, v128.load(w, 96)));
  }
  if (mode != 0) {
    if (nv > 0) a0 = applyMode(a0, mode, aux);
    if (nv > 1) a1 = applyMode(a1, mode, aux + 16);
    if (nv > 2) a2 = applyMode(a2, mode, aux + 32);
    if (nv > 3) a3 = applyMode(a3, mode, aux + 48);
    if (nv > 4) a4 = applyMode(a4, mode, aux + 64);
    if (nv > 5) a5 = applyMode(a5, mode, aux + 80);
    if (nv > 6) a6 = applyMode(a6, mode, aux + 96);
  }
  storeBlock(out, a0, a1, a2, a3, a4, a5, a6, nv);
}

// @ts-ignore: decorator
@inline export function storeBlock(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, nv: i32): void {
  if (nv > 0) v128.store(out, a0, 0);
  if (nv > 1) v128.store(out, a1, 16);
  if (nv > 2) v128.store(out, a2, 32);
  if (nv > 3) v128.store(out, a3, 48);
  if (nv > 4) v128.store(out, a4, 64);
  if (nv > 5) v128.store(out, a5, 80);
  if (nv > 6) v128.store(out, a6, 96);
}

/**
 * One row's columns [c0, c1) of a row combination, block by block: out and init and aux at
 * column c0 .. of their rows, M's columns likewise (strides as denseRows').
 */
export function denseColumns(out: usize, init: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32, c0: i32, c1: i32, mode: i32, aux: usize): void {
  for (let c = c0; c < c1; ) {
    const width = blockWidth((c1 - c) >> 2);
    const o = <usize>c << 2;
    denseRows(out + o, init != 0 ? init + o : 0, x, xStride, M + o, mStride, count, width, mode, aux + o);
    c += width << 2;
  }
}

/** y[0 .. n) += x[0 .. n), 4 at a time (n a multiple of 4): the column sums of db. */
export function addRow(y: usize, x: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
  }
}

/** Rows [r0, r1) of W (rowBytes apart, `cols` floats used) into the same columns of WT (W^T: row j of WT is column j of W; WT's rows wtRowBytes apart). */
export function transposeRows(WT: usize, wtRowBytes: usize, W: usize, rowBytes: usize, cols: i32, r0: i32, r1: i32): void {
  for (let m = r0; m < r1; m++) {
    const src = W + <usize>m * rowBytes;
    const dst = WT + (<usize>m << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * wtRowBytes, load<f32>(src + (<usize>j << 2)));
  }
}
