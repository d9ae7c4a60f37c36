/**
 * The backward ops of a step program and its update (engine/program.ts says what each is for,
 * layout.ts lists their fields), each run by every thread taking part on its own share:
 * DENSE_BACKWARD on the runs of slots t, t + active, ... of ROW_RUNS as rows of W (and of DB_RUNS
 * for db), ACT_BACKWARD, SPARSE_SGD and SPARSE_GRAD on their RUNS' columns, UPDATE on those
 * slots' regions. Every float is computed by the same operations in the same order whichever
 * thread computes it.
 */
import { BWD, activateRow } from './activation.as';
import { addRow, blockWidth, denseColumns, transposeRows } from './dense.as';
import {
  ACT_BACKWARD_ACT, ACT_BACKWARD_DA, ACT_BACKWARD_H, ACT_BACKWARD_ROW_BYTES, ACT_BACKWARD_RUNS, ACT_NONE,
  DENSE_BACKWARD_ACT, DENSE_BACKWARD_DB, DENSE_BACKWARD_DB_RUNS, DENSE_BACKWARD_DW, DENSE_BACKWARD_DX,
  DENSE_BACKWARD_DY, DENSE_BACKWARD_DY_COUNT, DENSE_BACKWARD_DY_ROW_BYTES, DENSE_BACKWARD_DY_SKIP,
  DENSE_BACKWARD_ROW_RUNS, DENSE_BACKWARD_W, DENSE_BACKWARD_WT, DENSE_BACKWARD_W_ROW_BYTES, DENSE_BACKWARD_X,
  DENSE_BACKWARD_X_ROW_BYTES, DENSE_BACKWARD_X_SKIP, REGION_BYTES, REGION_COLS, REGION_OFFSET, REGION_ROWS,
  REGION_STRIDE, REGION_WEIGHT, SPARSE_GRAD_DA, SPARSE_GRAD_DA_ROW_BYTES, SPARSE_GRAD_DB, SPARSE_GRAD_DW,
  SPARSE_GRAD_RUNS, SPARSE_GRAD_SHIFTS, SPARSE_GRAD_W, SPARSE_GRAD_W_ROW_BYTES, SPARSE_SGD_DA,
  SPARSE_SGD_DA_ROW_BYTES, SPARSE_SGD_DB, SPARSE_SGD_RUNS, SPARSE_SGD_SHIFTS,
  UPDATE_GRADS, UPDATE_KIND, UPDATE_PARAMS, UPDATE_REGIONS, UPDATE_SLOT0, UPDATE_SLOT1,
} from './layout.as';
import { learningRate, updateRegion } from './optim.as';
import { nonzeroList, scatterRows, sparseColumns } from './sparse.as';
import {
  thread, threads, active, N, D, listRows, listVals, laneRows, laneVals, u, i, runStart, runEnd, shift, spanStart, spanCount,
} from './step-context.as';

/**
 * DENSE_BACKWARD of Affine_k, in this thread's rows m of W_k (its columns of layer k - 1):
 *   dX[:, m] = act'(X[:, m]) * (dY W_k^T)[:, m]   (through W_k^T's columns m, transposed here from W_k's rows m: the old W_k)
 *   dW_k[m, :] = sum_i X[i, m] dY[i, :]
 * and db_k = column sums of dY in its DB_RUNS columns.
 */
export function opDenseBackward(op: usize): void {
  const dy = u(op, DENSE_BACKWARD_DY), dyRowBytes = u(op, DENSE_BACKWARD_DY_ROW_BYTES), dyCount = i(op, DENSE_BACKWARD_DY_COUNT);
  const W = u(op, DENSE_BACKWARD_W), wRowBytes = u(op, DENSE_BACKWARD_W_ROW_BYTES), WT = u(op, DENSE_BACKWARD_WT);
  const x = u(op, DENSE_BACKWARD_X), xRowBytes = u(op, DENSE_BACKWARD_X_ROW_BYTES), dx = u(op, DENSE_BACKWARD_DX);
  const act = i(op, DENSE_BACKWARD_ACT), dW = u(op, DENSE_BACKWARD_DW), db = u(op, DENSE_BACKWARD_DB);
  const rowRuns = u(op, DENSE_BACKWARD_ROW_RUNS), dbRuns = u(op, DENSE_BACKWARD_DB_RUNS);
  const dySkip = i(op, DENSE_BACKWARD_DY_SKIP) != 0, xSkip = i(op, DENSE_BACKWARD_X_SKIP) != 0;
  const mode = act == ACT_NONE ? 0 : BWD + act, wCols = <i32>(wRowBytes >> 2);
  if (dx != 0) {
    for (let t = thread; t < threads; t += active) transposeRows(WT, xRowBytes, W, wRowBytes, dyCount, runStart(rowRuns, t), runEnd(rowRuns, t));
    for (let n = 0; n < N; n++) {
      const o = <usize>n * xRowBytes, dyn = dy + <usize>n * dyRowBytes;
      const nnz = dySkip ? nonzeroList(laneRows, laneVals, dyn, 4, WT, xRowBytes, dyCount) : 0;
      for (let t = thread; t < threads; t += active) {
        const r0 = runStart(rowRuns, t), r1 = runEnd(rowRuns, t);
        if (dySkip) sparseColumns(dx + o, 0, laneRows, laneVals, nnz, r0, r1, mode, x + o, 0);
        else denseColumns(dx + o, 0, dyn, 4, WT, xRowBytes, dyCount, r0, r1, mode, x + o);
      }
    }
  }
  for (let t = thread; t < threads; t += active) {
    for (let m = runStart(rowRuns, t); m < runEnd(rowRuns, t); m++) {
      const xm = x + (<usize>m << 2), dWm = dW + <usize>m * wRowBytes;
      if (xSkip) sparseColumns(dWm, 0, laneRows, laneVals, nonzeroList(laneRows, laneVals, xm, xRowBytes, dy, dyRowBytes, N), 0, wCols, ACT_NONE, 0, 0);
      else denseColumns(dWm, 0, xm, xRowBytes, dy, dyRowBytes, N, 0, wCols, ACT_NONE, 0);
    }
  }
  columnSums(db, dy, dyRowBytes, dbRuns);
}

/** db[c] = sum over the batch of g[:, c] (images in order), in this thread's columns of `runs`. */
function columnSums(db: usize, g: usize, rowBytes: usize, runs: usize): void {
  for (let t = thread; t < threads; t += active) {
    const c0 = runStart(runs, t), c1 = runEnd(runs, t);
    if (c1 <= c0) continue;
    const o = <usize>c0 << 2;
    memory.fill(db + o, 0, <usize>(c1 - c0) << 2);
    for (let n = 0; n < N; n++) addRow(db + o, g + <usize>n * rowBytes + o, c1 - c0);
  }
}

/** ACT_BACKWARD: dA = dA * act'(h) in place, this thread's columns (when rule 2 is off). */
export function opActBackward(op: usize): void {
  const da = u(op, ACT_BACKWARD_DA), rowBytes = u(op, ACT_BACKWARD_ROW_BYTES), h = u(op, ACT_BACKWARD_H);
  const act = i(op, ACT_BACKWARD_ACT), runs = u(op, ACT_BACKWARD_RUNS);
  if (act == ACT_NONE) return;
  for (let n = 0; n < N; n++) {
    const o = <usize>n * rowBytes;
    for (let t = thread; t < threads; t += active) activateRow(da + o, runStart(runs, t), runEnd(runs, t), BWD + act, h + o);
  }
}

/**
 * For each image in order, over its pixel list, in this thread's columns of `runs`:
 * rows[pixel][cols] += (scale x) dA[image, cols] at rows + shift + shifts[t] (W1 in column
 * blocks, layout.ts's W1Layout: each core writes only its own block, the one its forward reads).
 */
function scatterImages(da: usize, rowBytes: usize, runs: usize, shifts: usize, scale: f32, shift0: usize): void {
  for (let n = 0; n < N; n++) {
    const g = da + <usize>n * rowBytes, e = spanStart(n), nnz = spanCount(n);
    for (let t = thread; t < threads; t += active) {
      const c1 = runEnd(runs, t), at = shift0 + shift(shifts, t);
      for (let c = runStart(runs, t); c < c1; ) {
        const width = blockWidth((c1 - c) >> 2);
        const o = <usize>c << 2;
        scatterRows(g + o, listRows + e, listVals + e, nnz, scale, at, o, width);
        c += width << 2;
      }
    }
  }
}

/** SPARSE_SGD (rule 4): db1, and W1 -= (lr x) dA1 image by image over the pixel lists (dW1 never stored), in this thread's columns. */
export function opSparseSgd(op: usize): void {
  const da = u(op, SPARSE_SGD_DA), rowBytes = u(op, SPARSE_SGD_DA_ROW_BYTES), runs = u(op, SPARSE_SGD_RUNS);
  columnSums(u(op, SPARSE_SGD_DB), da, rowBytes, runs);
  scatterImages(da, rowBytes, runs, u(op, SPARSE_SGD_SHIFTS), -learningRate(), 0);
}

/** SPARSE_GRAD: db1, and dW1 = X^T dA1 over the pixel lists, in this thread's columns. */
export function opSparseGrad(op: usize): void {
  const da = u(op, SPARSE_GRAD_DA), rowBytes = u(op, SPARSE_GRAD_DA_ROW_BYTES), runs = u(op, SPARSE_GRAD_RUNS);
  const dW = u(op, SPARSE_GRAD_DW), W = u(op, SPARSE_GRAD_W), wRowBytes = u(op, SPARSE_GRAD_W_ROW_BYTES), shifts = u(op, SPARSE_GRAD_SHIFTS);
  columnSums(u(op, SPARSE_GRAD_DB), da, rowBytes, runs);
  for (let t = thread; t < threads; t += active) {
    const c0 = runStart(runs, t), c1 = runEnd(runs, t);
    if (c1 <= c0) continue;
    const first = dW + shift(shifts, t) + (<usize>c0 << 2);
    for (let r = 0; r < D; r++) memory.fill(first + <usize>r * wRowBytes, 0, <usize>(c1 - c0) << 2);
  }
  scatterImages(da, rowBytes, runs, shifts, 1, dW - W); // the lists point at W1's rows: dW1's are dW - W further
}

/** UPDATE: the optimizer over this thread's regions (optim.as.ts). */
export function opUpdate(op: usize): void {
  const kind = i(op, UPDATE_KIND), P = u(op, UPDATE_PARAMS), G = u(op, UPDATE_GRADS), S0 = u(op, UPDATE_SLOT0), S1 = u(op, UPDATE_SLOT1);
  const regions = u(op, UPDATE_REGIONS);
  for (let t = thread; t < threads; t += active) {
    const list = regions + u(regions, <usize>t << 2);
    const count = load<i32>(list);
    for (let r = 0; r < count; r++) {
      const region = list + 4 + <usize>r * REGION_BYTES;
      const off = u(region, REGION_OFFSET);
      updateRegion(kind, P + off, G + off, S0 + off, S1 + off, i(region, REGION_ROWS), i(region, REGION_COLS), u(region, REGION_STRIDE), i(region, REGION_WEIGHT) != 0);
    }
  }
}

