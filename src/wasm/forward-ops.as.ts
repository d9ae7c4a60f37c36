/**
 * The forward ops of a step program (engine/program.ts says what each is for, layout.ts lists
 * their fields), each run by every thread taking part on its own share: the image ops (LIST,
 * GATHER, AFFINE_SOFTMAX, SOFTMAX_LOSS) on images imageShare(t) .. imageShare(t + 1) - 1, the
 * column ops (SPARSE_AFFINE, DENSE_AFFINE, ACTIVATION, DECAY_SUMS) on the runs of slots t,
 * t + active, ... of their RUNS table, every image; LOSS on every thread alike. Every float is
 * computed by the same operations in the same order whichever thread computes it.
 */
import { activateRow } from './activation.as';
import { denseColumns } from './dense.as';
import {
  ACTIVATION_ACT, ACTIVATION_OUT, ACTIVATION_OUT_ROW_BYTES, ACTIVATION_RUNS, ACTIVATION_VALID_END, ACT_NONE,
  AFFINE_SOFTMAX_B, AFFINE_SOFTMAX_C, AFFINE_SOFTMAX_IN, AFFINE_SOFTMAX_IN_COUNT, AFFINE_SOFTMAX_IN_ROW_BYTES,
  AFFINE_SOFTMAX_LOSSES, AFFINE_SOFTMAX_OUT, AFFINE_SOFTMAX_OUT_ROW_BYTES, AFFINE_SOFTMAX_SKIP,
  AFFINE_SOFTMAX_SPARSE, AFFINE_SOFTMAX_W, AFFINE_SOFTMAX_W_ROW_BYTES, DECAY_SUMS_OUT, DECAY_SUMS_RUNS, DECAY_SUMS_SHIFTS, DECAY_SUMS_W,
  DECAY_SUMS_W_ROWS, DECAY_SUMS_W_ROW_BYTES, DENSE_AFFINE_ACT, DENSE_AFFINE_B, DENSE_AFFINE_IN,
  DENSE_AFFINE_IN_COUNT, DENSE_AFFINE_IN_ROW_BYTES, DENSE_AFFINE_OUT, DENSE_AFFINE_OUT_ROW_BYTES, DENSE_AFFINE_RUNS,
  DENSE_AFFINE_SKIP, DENSE_AFFINE_VALID_END, DENSE_AFFINE_W, DENSE_AFFINE_W_ROW_BYTES, GATHER_X, LIST_ROW_BYTES,
  LIST_SPARE, LIST_W, LOSS_DECAY, LOSS_DECAY_COUNT, LOSS_LOSSES, SLOT_TOUCHED, SOFTMAX_LOSS_C, SOFTMAX_LOSS_LOSSES,
  SOFTMAX_LOSS_OUT, SOFTMAX_LOSS_OUT_ROW_BYTES, SPARSE_AFFINE_ACT, SPARSE_AFFINE_B, SPARSE_AFFINE_OUT,
  SPARSE_AFFINE_OUT_ROW_BYTES, SPARSE_AFFINE_RUNS, SPARSE_AFFINE_SHIFTS, SPARSE_AFFINE_VALID_END,
} from './layout.as';
import { softmaxLossRow } from './softmax.as';
import { decodeDense, decodeSparse, nonzeroList, sparseColumns, touchImages } from './sparse.as';
import {
  team, thread, threads, active, N, idx, starts, D, table, listRows, listVals, listSpans, laneRows, laneVals, u, i, runStart, runEnd, shift, spanStart, spanCount, zeroPadding, labelOf, halfLambda, imageShare,
} from './step-context.as';
import { slot } from './team.as';

/** LIST: the pixel lists of this thread's images, one after another from its first image's place (spans: first entry, count). */
export function opList(op: usize): void {
  const W = u(op, LIST_W), rowBytes = u(op, LIST_ROW_BYTES);
  const i0 = imageShare(thread), i1 = imageShare(thread + 1);
  touchImages(idx, starts, i0, i1, slot(team, thread) + SLOT_TOUCHED);
  // decodeSparse writes up to 7 entries past an image's: LIST_SPARE entries a thread keep them off the next thread's part.
  let entry = <usize>i0 * <usize>D + <usize>thread * <usize>LIST_SPARE;
  for (let n = i0; n < i1; n++) {
    const image = <usize>load<i32>(idx + (<usize>n << 2));
    const first = <usize>load<u32>(starts + (image << 2)), end = <usize>load<u32>(starts + (image << 2), 4);
    const count = decodeSparse(listRows + (entry << 2), listVals + (entry << 2), first, end, table, W, rowBytes);
    store<i32>(listSpans + (<usize>n << 3), <i32>entry);
    store<i32>(listSpans + (<usize>n << 3), count, 4);
    entry += <usize>count;
  }
}

/** GATHER: this thread's images as dense float rows of X (N x D), x = byte / 255. */
export function opGather(op: usize): void {
  const X = u(op, GATHER_X), rowBytes = <usize>D << 2;
  for (let n = imageShare(thread), end = imageShare(thread + 1); n < end; n++) {
    const image = <usize>load<i32>(idx + (<usize>n << 2));
    decodeDense(X + <usize>n * rowBytes, <usize>load<u32>(starts + (image << 2)), <usize>load<u32>(starts + (image << 2), 4), table, D);
  }
}

/** SPARSE_AFFINE: out = act(b + x W1) over each image's pixel list, in this thread's columns. */
export function opSparseAffine(op: usize): void {
  const out = u(op, SPARSE_AFFINE_OUT), rowBytes = u(op, SPARSE_AFFINE_OUT_ROW_BYTES), b = u(op, SPARSE_AFFINE_B);
  const act = i(op, SPARSE_AFFINE_ACT), runs = u(op, SPARSE_AFFINE_RUNS), validEnd = i(op, SPARSE_AFFINE_VALID_END), shifts = u(op, SPARSE_AFFINE_SHIFTS);
  for (let n = 0; n < N; n++) {
    const row = out + <usize>n * rowBytes, e = spanStart(n), nnz = spanCount(n);
    for (let t = thread; t < threads; t += active) {
      const c0 = runStart(runs, t), c1 = runEnd(runs, t);
      sparseColumns(row, b, listRows + e, listVals + e, nnz, c0, c1, act, 0, shift(shifts, t));
      zeroPadding(row, c0, c1, validEnd);
    }
  }
}

/** DENSE_AFFINE: out = act(b + in W) in this thread's columns, every image (in's padding adds zeros). */
export function opDenseAffine(op: usize): void {
  const out = u(op, DENSE_AFFINE_OUT), rowBytes = u(op, DENSE_AFFINE_OUT_ROW_BYTES), b = u(op, DENSE_AFFINE_B);
  const W = u(op, DENSE_AFFINE_W), wRowBytes = u(op, DENSE_AFFINE_W_ROW_BYTES);
  const x = u(op, DENSE_AFFINE_IN), xRowBytes = u(op, DENSE_AFFINE_IN_ROW_BYTES), count = i(op, DENSE_AFFINE_IN_COUNT);
  const act = i(op, DENSE_AFFINE_ACT), runs = u(op, DENSE_AFFINE_RUNS), validEnd = i(op, DENSE_AFFINE_VALID_END);
  const skip = i(op, DENSE_AFFINE_SKIP) != 0;
  for (let n = 0; n < N; n++) {
    const row = out + <usize>n * rowBytes, xn = x + <usize>n * xRowBytes;
    const nnz = skip ? nonzeroList(laneRows, laneVals, xn, 4, W, wRowBytes, count) : 0;
    for (let t = thread; t < threads; t += active) {
      const c0 = runStart(runs, t), c1 = runEnd(runs, t);
      if (skip) sparseColumns(row, b, laneRows, laneVals, nnz, c0, c1, act, 0, 0);
      else denseColumns(row, b, xn, 4, W, wRowBytes, count, c0, c1, act, 0);
      zeroPadding(row, c0, c1, validEnd);
    }
  }
}

/** ACTIVATION: out = act(out) in place, this thread's columns (when rule 2 is off). */
export function opActivation(op: usize): void {
  const out = u(op, ACTIVATION_OUT), rowBytes = u(op, ACTIVATION_OUT_ROW_BYTES), act = i(op, ACTIVATION_ACT);
  const runs = u(op, ACTIVATION_RUNS), validEnd = i(op, ACTIVATION_VALID_END);
  for (let n = 0; n < N; n++) {
    const row = out + <usize>n * rowBytes;
    for (let t = thread; t < threads; t += active) {
      const c0 = runStart(runs, t), c1 = runEnd(runs, t);
      activateRow(row, c0, c1, act, 0);
      zeroPadding(row, c0, c1, validEnd);
    }
  }
}


/** AFFINE_SOFTMAX: per image of this thread, scores = b + in W (or over its pixel list), then its loss and dL/dscores in place. */
export function opAffineSoftmax(op: usize): void {
  const out = u(op, AFFINE_SOFTMAX_OUT), rowBytes = u(op, AFFINE_SOFTMAX_OUT_ROW_BYTES), b = u(op, AFFINE_SOFTMAX_B);
  const W = u(op, AFFINE_SOFTMAX_W), wRowBytes = u(op, AFFINE_SOFTMAX_W_ROW_BYTES);
  const x = u(op, AFFINE_SOFTMAX_IN), xRowBytes = u(op, AFFINE_SOFTMAX_IN_ROW_BYTES), count = i(op, AFFINE_SOFTMAX_IN_COUNT);
  const C = i(op, AFFINE_SOFTMAX_C), losses = u(op, AFFINE_SOFTMAX_LOSSES), sparse = i(op, AFFINE_SOFTMAX_SPARSE) != 0;
  const skip = i(op, AFFINE_SOFTMAX_SKIP) != 0;
  const Cp = <i32>(rowBytes >> 2), scale: f64 = 1 / <f64>N;
  for (let n = imageShare(thread), end = imageShare(thread + 1); n < end; n++) {
    const s = out + <usize>n * rowBytes, xn = x + <usize>n * xRowBytes;
    if (sparse) {
      sparseColumns(s, b, listRows + spanStart(n), listVals + spanStart(n), spanCount(n), 0, Cp, ACT_NONE, 0, 0); // one layer: W1 has no blocks
    } else if (skip) {
      sparseColumns(s, b, laneRows, laneVals, nonzeroList(laneRows, laneVals, xn, 4, W, wRowBytes, count), 0, Cp, ACT_NONE, 0, 0);
    } else {
      denseColumns(s, b, xn, 4, W, wRowBytes, count, 0, Cp, ACT_NONE, 0);
    }
    store<f64>(losses + (<usize>n << 3), softmaxLossRow(s, C, Cp, labelOf(n), scale));
  }
}

/** SOFTMAX_LOSS: per image of this thread, its scores' loss and dL/dscores in place (when rule 3 is off). */
export function opSoftmaxLoss(op: usize): void {
  const out = u(op, SOFTMAX_LOSS_OUT), rowBytes = u(op, SOFTMAX_LOSS_OUT_ROW_BYTES), C = i(op, SOFTMAX_LOSS_C), losses = u(op, SOFTMAX_LOSS_LOSSES);
  const Cp = <i32>(rowBytes >> 2), scale: f64 = 1 / <f64>N;
  for (let n = imageShare(thread), end = imageShare(thread + 1); n < end; n++) {
    store<f64>(losses + (<usize>n << 3), softmaxLossRow(out + <usize>n * rowBytes, C, Cp, labelOf(n), scale));
  }
}

/** DECAY_SUMS: per column of W in this thread's runs, sum over its rows of W^2, in float64 (rows in order: the same sum for any team). */
export function opDecaySums(op: usize): void {
  const W = u(op, DECAY_SUMS_W), rows = i(op, DECAY_SUMS_W_ROWS), rowBytes = u(op, DECAY_SUMS_W_ROW_BYTES);
  const runs = u(op, DECAY_SUMS_RUNS), out = u(op, DECAY_SUMS_OUT), shifts = u(op, DECAY_SUMS_SHIFTS);
  for (let t = thread; t < threads; t += active) {
    const Wt = W + shift(shifts, t);
    for (let c = runStart(runs, t); c < runEnd(runs, t); c += 4) {
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      for (let r = 0; r < rows; r++) {
        const v = v128.load(Wt + <usize>r * rowBytes + (<usize>c << 2));
        const a = f64x2.promote_low_f32x4(v), b = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
        lo = f64x2.add(lo, f64x2.mul(a, a));
        hi = f64x2.add(hi, f64x2.mul(b, b));
      }
      v128.store(out + (<usize>c << 3), lo);
      v128.store(out + (<usize>c << 3), hi, 16);
    }
  }
}

/** LOSS: the batch's mean loss (each thread adds the same terms in the same order), plus 0.5 lambda sum W^2. */
export function opLoss(op: usize): f64 {
  const losses = u(op, LOSS_LOSSES), decay = u(op, LOSS_DECAY), count = i(op, LOSS_DECAY_COUNT);
  let sum: f64 = 0;
  for (let n = 0; n < N; n++) sum += load<f64>(losses + (<usize>n << 3));
  let loss = sum / <f64>N;
  if (decay != 0) {
    let squares: f64 = 0;
    for (let k = 0; k < count; k++) squares += load<f64>(decay + (<usize>k << 3));
    loss += halfLambda * squares;
  }
  return loss;
}

