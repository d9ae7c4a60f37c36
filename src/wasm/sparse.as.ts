/**
 * The first layer over the images' nonzero pixels only (fusion rule 1 of engine/program.ts).
 *
 * A split's images live in wasm memory once, in a sparse form made by encodeSparse: per image,
 * runs of nonzero pixels, each as (gap, length, values): a cursor starts at pixel 0, moves
 * `gap` pixels, then `length` pixels of the given byte values follow (the cursor ends after
 * them). A gap over 255 is a run of length 0 that only moves the cursor; a run over 255 pixels
 * is cut into runs joined by gaps of 0. MNIST's strokes make runs of 6 pixels on average: 1.3
 * bytes per nonzero pixel, 12 MB for the 60,000 training images (47 MB dense).
 *
 * Each step, decodeSparse turns a batch image into its pixel list: (W1 row address, value)
 * pairs in pixel order, x = byte / 255 from a table. The kernels below combine W1's rows over
 * such a list, as dense.as.ts does over all rows (the same order, less the zero terms).
 */
import { applyMode } from './activation.as';
import { blockWidth, storeBlock } from './dense.as';

/** Fills the byte -> float table: v -> float32(v / 255), the same numbers as kernels/batches.ts. */
export function fillScaleTable(table: usize): void {
  for (let v = 0; v < 256; v++) store<f32>(table + (<usize>v << 2), <f32>(<f64>v / 255));
}

/** Bit t set where byte t of the 16 at p is not zero. */
// @ts-ignore: decorator
@inline function nonzeroBits16(p: usize): u64 {
  return <u64>i8x16.bitmask(i8x16.ne(v128.load(p), i8x16.splat(0)));
}

/**
 * Encodes N images (bytes, N x D at x) from address dst onwards; starts[i] gets the address of
 * image i's first run and starts[N] the end. Returns the end address. Writes at most 3 D bytes
 * an image, and up to 15 bytes past the end; reads up to 15 bytes past the last image.
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
      // The run ends at a zero byte, the image's end or 255 pixels, found and copied 16 bytes
      // at a time (up to 15 bytes past it are written, then overwritten by what follows).
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
 * One sparse image's pixel list (runs start .. end): rows[n] = W + pixel * rowBytes, val[n] its
 * float; returns the count. A run is written 8 entries at a time without a branch per pixel:
 * up to 7 entries past the run's end are written and then overwritten (lists have room for 8
 * more), and up to 7 bytes past the image are read (a sparse copy has room for 16 more).
 */
export function decodeSparse(rows: usize, val: usize, start: usize, end: usize, table: usize, W: usize, rowBytes: usize): i32 {
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
      const a = i32x4.add(i32x4.splat(<i32>(W + (pixel + k) * rowBytes)), step);
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

/** One sparse image as a dense float row x[0 .. D) (the GATHER op, when rule 1 is off). */
export function decodeDense(x: usize, start: usize, end: usize, table: usize, D: i32): void {
  memory.fill(x, 0, <usize>D << 2);
  let pixel: usize = 0;
  for (let q = start; q < end; ) {
    pixel += <usize>load<u8>(q);
    const length = <usize>load<u8>(q, 1);
    q += 2;
    for (let k: usize = 0; k < length; k++) store<f32>(x + ((pixel + k) << 2), load<f32>(table + (<usize>load<u8>(q + k) << 2)));
    q += length;
    pixel += length;
  }
}

/**
 * Reads one byte of every cache line of the images idx[i0 .. i1) of a sparse split: each image
 * sits at a random place in the copy; read first, together, their lines arrive together (the
 * earlier fused net spent a third of a step waiting for them one by one). `sink` keeps the reads.
 */
export function touchImages(idx: usize, starts: usize, i0: i32, i1: i32, sink: usize): void {
  let sum: u32 = 0;
  for (let i = i0; i < i1; i++) {
    const image = <usize>load<i32>(idx + (<usize>i << 2));
    const end = <usize>load<u32>(starts + (image << 2), 4);
    for (let q = <usize>load<u32>(starts + (image << 2)) & ~63; q < end; q += 64) sum += <u32>load<u8>(q);
  }
  store<u32>(sink, sum);
}

/**
 * out[0 .. 4 width) = mode(init + sum_n val[n] rows[n][o ..]) over a list of (row address,
 * value) pairs: a pixel list, or nonzeroList's (init = 0: zeros; aux as denseRows').
 */
export function sparseRows(out: usize, init: usize, rows: usize, val: usize, nnz: i32, o: usize, width: i32, mode: i32, aux: usize): void {
  if (width == 7) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 7);
  else if (width == 6) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 6);
  else if (width == 5) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 5);
  else if (width == 4) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 4);
  else if (width == 3) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 3);
  else if (width == 2) sparseBlock(out, init, rows, val, nnz, o, mode, aux, 2);
  else sparseBlock(out, init, rows, val, nnz, o, mode, aux, 1);
}

// NOTE: its loads of init and its epilogue are denseBlock's (dense.as.ts), written out: with
// one shared inline function for them, binaryen's code was 2-3% slower a step and a count.
// @ts-ignore: decorator
@inline function sparseBlock(out: usize, init: usize, rows: usize, val: usize, nnz: i32, o: usize, mode: i32, aux: usize, nv: i32): void {
  const zero = f32x4.splat(0);
  let a0 = init != 0 && nv > 0 ? v128.load(init, 0) : zero;
  let a1 = init != 0 && nv > 1 ? v128.load(init, 16) : zero;
  let a2 = init != 0 && nv > 2 ? v128.load(init, 32) : zero;
  let a3 = init != 0 && nv > 3 ? v128.load(init, 48) : zero;
  let a4 = init != 0 && nv > 4 ? v128.load(init, 64) : zero;
  let a5 = init != 0 && nv > 5 ? v128.load(init, 80) : zero;
  let a6 = init != 0 && nv > 6 ? v128.load(init, 96) : zero;
  const end = val + (<usize>nnz << 2);
  for (let vn = val, rn = rows; vn < end; vn += 4, rn += 4) {
    const v = v128.load32_splat(vn);
    const w = <usize>load<u32>(rn) + o;
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

/**
 * One list's columns [c0, c1) of a sparse row combination, block by block (out, init and aux
 * from column 0 of their rows; column c of a listed row is 4 c + wShift bytes into it: W1 in
 * column blocks, layout.ts's W1Layout).
 */
export function sparseColumns(out: usize, init: usize, rows: usize, val: usize, nnz: i32, c0: i32, c1: i32, mode: i32, aux: usize, wShift: usize): void {
  for (let c = c0; c < c1; ) {
    const width = blockWidth((c1 - c) >> 2);
    const o = <usize>c << 2;
    sparseRows(out + o, init != 0 ? init + o : 0, rows, val, nnz, o + wShift, width, mode, aux + o);
    c += width << 2;
  }
}

/**
 * For each pixel of one list: rows[n][o ..] += (scale val[n]) g[0 .. 4 width), at rows[n] +
 * shift. With scale = -lr and shift 0, W1's SGD step from one image (rule 4: dW1 never
 * stored), W1 -= (lr x) dA; with scale 1 and shift = dW1 - W1, that image's share of dW1.
 */
export function scatterRows(g: usize, rows: usize, val: usize, nnz: i32, scale: f32, shift: usize, o: usize, width: i32): void {
  if (width == 7) scatterBlock(g, rows, val, nnz, scale, shift + o, 7);
  else if (width == 6) scatterBlock(g, rows, val, nnz, scale, shift + o, 6);
  else if (width == 5) scatterBlock(g, rows, val, nnz, scale, shift + o, 5);
  else if (width == 4) scatterBlock(g, rows, val, nnz, scale, shift + o, 4);
  else if (width == 3) scatterBlock(g, rows, val, nnz, scale, shift + o, 3);
  else if (width == 2) scatterBlock(g, rows, val, nnz, scale, shift + o, 2);
  else scatterBlock(g, rows, val, nnz, scale, shift + o, 1);
}

// @ts-ignore: decorator
@inline function scatterBlock(g: usize, rows: usize, val: usize, nnz: i32, scale: f32, o: usize, nv: i32): void {
  const zero = f32x4.splat(0);
  const g0 = nv > 0 ? v128.load(g, 0) : zero;
  const g1 = nv > 1 ? v128.load(g, 16) : zero;
  const g2 = nv > 2 ? v128.load(g, 32) : zero;
  const g3 = nv > 3 ? v128.load(g, 48) : zero;
  const g4 = nv > 4 ? v128.load(g, 64) : zero;
  const g5 = nv > 5 ? v128.load(g, 80) : zero;
  const g6 = nv > 6 ? v128.load(g, 96) : zero;
  for (let n = 0; n < nnz; n++) {
    const v = f32x4.splat(scale * load<f32>(val + (<usize>n << 2)));
    const w = <usize>load<u32>(rows + (<usize>n << 2)) + o;
    if (nv > 0) v128.store(w, f32x4.add(v128.load(w, 0), f32x4.mul(v, g0)), 0);
    if (nv > 1) v128.store(w, f32x4.add(v128.load(w, 16), f32x4.mul(v, g1)), 16);
    if (nv > 2) v128.store(w, f32x4.add(v128.load(w, 32), f32x4.mul(v, g2)), 32);
    if (nv > 3) v128.store(w, f32x4.add(v128.load(w, 48), f32x4.mul(v, g3)), 48);
    if (nv > 4) v128.store(w, f32x4.add(v128.load(w, 64), f32x4.mul(v, g4)), 64);
    if (nv > 5) v128.store(w, f32x4.add(v128.load(w, 80), f32x4.mul(v, g5)), 80);
    if (nv > 6) v128.store(w, f32x4.add(v128.load(w, 96), f32x4.mul(v, g6)), 96);
  }
}

/**
 * The nonzero terms of a row combination sum_n x[n xStride] M[n mStride ..] (n < count) as a
 * list for sparseRows: rows[k] = M + n mStride, vals[k] = x[n xStride]; returns their count.
 * Four terms at a time without a branch (a ReLU's zeros fall at random): the nonzero ones of
 * four are moved to the front by a shuffle (COMPACT) and all four stored, the list growing by
 * how many were nonzero (up to 3 entries past the list are written: lists have LIST_SPARE more).
 * A NaN is kept: divergence stays visible.
 */
export function nonzeroList(rows: usize, vals: usize, x: usize, xStride: usize, M: usize, mStride: usize, count: i32): i32 {
  let k: usize = 0;
  let xn = x;
  let w = i32x4.add(i32x4.splat(<i32>M), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(<i32>mStride)));
  const next = i32x4.splat(<i32>(mStride << 2));
  let n = 0;
  for (; n + 4 <= count; n += 4, xn += xStride << 2) {
    let v: v128;
    if (xStride == 4) v = v128.load(xn);
    else {
      v = v128.load32_zero(xn);
      v = v128.load32_lane(xn + xStride, v, 1);
      v = v128.load32_lane(xn + 2 * xStride, v, 2);
      v = v128.load32_lane(xn + 3 * xStride, v, 3);
    }
    const nonzero = i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
    const order = v128.load(COMPACT + (<usize>nonzero << 4));
    v128.store(vals + (k << 2), i8x16.swizzle(v, order));
    v128.store(rows + (k << 2), i8x16.swizzle(w, order));
    k += <usize>popcnt(nonzero);
    w = i32x4.add(w, next);
  }
  for (let r = <usize>i32x4.extract_lane(w, 0); n < count; n++, xn += xStride, r += mStride) {
    const v = load<f32>(xn);
    store<u32>(rows + (k << 2), <u32>r);
    store<f32>(vals + (k << 2), v);
    k += <usize>(v != 0);
  }
  return <i32>k;
}

/** For each 4-bit mask of nonzero lanes, the byte shuffle that moves those 32-bit lanes to the front, in order. */
const COMPACT = compactTable();

function compactTable(): usize {
  const table = memory.data(256, 16);
  for (let mask = 0; mask < 16; mask++) {
    let to = 0;
    for (let lane = 0; lane < 4; lane++) {
      if ((mask & (1 << lane)) == 0) continue;
      for (let b = 0; b < 4; b++) store<u8>(table + <usize>(mask * 16 + to * 4 + b), <u8>(lane * 4 + b));
      to++;
    }
    for (; to < 4; to++) for (let b = 0; b < 4; b++) store<u8>(table + <usize>(mask * 16 + to * 4 + b), <u8>b);
  }
  return table;
}
