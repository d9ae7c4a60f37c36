/**
 * The wasm program runner (compiled by `npm run build:wasm` to build/program.wasm; the main
 * tsc never sees src/wasm): runs the op lists that engine/program.ts writes into memory, on
 * buffers that engine/layout.ts places. engine/wasm-program.ts owns the instance.
 *   step(team, thread)  one training step: the step program's ops in order (forward-ops.as.ts,
 *                       backward-ops.as.ts), this thread's share of each (step-context.as.ts
 *                       holds the step's fields); returns the batch's mean loss (NaN when
 *                       a thread of the team failed). After LOSS, a mean above MAXLOSS (or NaN)
 *                       ends the step before any update (a diverged run keeps its weights).
 *   count(team, thread) how many of the images FIRST .. END - 1 of a split are classified as
 *                       their label: the count program once per image, on this thread's lane.
 *   serve(team, thread, seen)  a helper thread's life: waits for each command, runs its part.
 * Nothing here allocates: every address comes from the program or the team block.
 */
import {
  CMD_COUNT, CMD_STEP,
  C_ARGMAX_C, C_ARGMAX_IN, C_BEGIN_LANES, C_BEGIN_LANE_BYTES, C_BEGIN_ROWS, C_BEGIN_ROW_BYTES, C_BEGIN_VALS, C_BEGIN_W,
  C_DENSE_ACT, C_DENSE_B, C_DENSE_IN, C_DENSE_IN_COUNT, C_DENSE_OUT, C_DENSE_RUNS, C_DENSE_SKIP, C_DENSE_VALID_END, C_DENSE_W,
  C_DENSE_W_ROW_BYTES,
  C_SPARSE_ACT, C_SPARSE_B, C_SPARSE_OUT, C_SPARSE_RUNS, C_SPARSE_SHIFTS, C_SPARSE_VALID_END,
  OP_ACTIVATION, OP_ACT_BACKWARD, OP_AFFINE_SOFTMAX, OP_BARRIER, OP_BN_BACKWARD, OP_BN_FORWARD, OP_BN_STATS, OP_C_ARGMAX,
  OP_C_DENSE, OP_C_NORM, OP_C_SPARSE, OP_DECAY_SUMS, OP_DROPOUT, OP_DROPOUT_BACKWARD,
  OP_DENSE_AFFINE, OP_DENSE_BACKWARD, OP_END, OP_GATHER, OP_LIST, OP_LOSS, OP_SOFTMAX_LOSS, OP_SPARSE_AFFINE, OP_SPARSE_GRAD,
  OP_SPARSE_SGD, OP_UPDATE,
  SLOT_COUNT, SLOT_DONE, TEAM_CFROM, TEAM_CLABELS, TEAM_CMD, TEAM_CPROGRAM, TEAM_CPROGRAM_HELPERS, TEAM_CSTARTS, TEAM_END, TEAM_FIRST,
  TEAM_SEQ, TEAM_TABLE, TEAM_THREADS,
} from './layout.as';
import { denseColumns } from './dense.as';
import { argmax } from './softmax.as';
import { decodeSparse, nonzeroList, sparseColumns } from './sparse.as';
import { opActBackward, opDenseBackward, opSparseGrad, opSparseSgd, opUpdate } from './backward-ops.as';
import {
  opActivation, opAffineSoftmax, opDecaySums, opDenseAffine, opGather, opList, opLoss, opSoftmaxLoss, opSparseAffine,
} from './forward-ops.as';
import { opBnBackward, opBnForward, opBnStats, opCNorm, opDropout, opDropoutBackward } from './norm-ops.as';
import { beginStep, shift, stepActive, stepMaxLoss, stepProgram, zeroPadding } from './step-context.as';
import { barrier, share, slot, waitForChange, wake } from './team.as';

export { encodeSparse, fillScaleTable } from './sparse.as';

/** The next op after the one at `op` (its second word is its length). */
// @ts-ignore: decorator
@inline function next(op: usize): usize {
  return op + (<usize>load<i32>(op, 4) << 2);
}

export function step(team: usize, thread: i32): f64 {
  if (!beginStep(team, thread)) return 0;
  const active = stepActive();
  let loss: f64 = NaN;
  for (let op = stepProgram(); ; op = next(op)) {
    const code = load<i32>(op);
    if (code == OP_END) return loss;
    else if (code == OP_BARRIER) {
      if (!barrier(team, thread, active)) return NaN;
    } else if (code == OP_LIST) opList(op);
    else if (code == OP_GATHER) opGather(op);
    else if (code == OP_SPARSE_AFFINE) opSparseAffine(op);
    else if (code == OP_DENSE_AFFINE) opDenseAffine(op);
    else if (code == OP_ACTIVATION) opActivation(op);
    else if (code == OP_AFFINE_SOFTMAX) opAffineSoftmax(op);
    else if (code == OP_SOFTMAX_LOSS) opSoftmaxLoss(op);
    else if (code == OP_DECAY_SUMS) opDecaySums(op);
    else if (code == OP_LOSS) {
      loss = opLoss(op);
      if (!(loss <= stepMaxLoss())) return loss;
    } else if (code == OP_DENSE_BACKWARD) opDenseBackward(op);
    else if (code == OP_ACT_BACKWARD) opActBackward(op);
    else if (code == OP_SPARSE_SGD) opSparseSgd(op);
    else if (code == OP_SPARSE_GRAD) opSparseGrad(op);
    else if (code == OP_UPDATE) opUpdate(op);
    else if (code == OP_BN_FORWARD) opBnForward(op);
    else if (code == OP_BN_STATS) opBnStats(op);
    else if (code == OP_BN_BACKWARD) opBnBackward(op);
    else if (code == OP_DROPOUT) opDropout(op);
    else if (code == OP_DROPOUT_BACKWARD) opDropoutBackward(op);
    else unreachable();
  }
  return loss;
}

/**
 * Thread `thread`'s part of a count: the counting threads (CFROM .. THREADS - 1) share the
 * images. With the whole team (CFROM 0), thread 0 returns the sum after a barrier (-1 when a
 * thread failed); otherwise each leaves its count in its slot (the caller adds them up).
 * Thread 0 reads CPROGRAM, the helpers CPROGRAM_HELPERS (wasm-program.ts's sendCount).
 */
export function count(team: usize, thread: i32): i32 {
  const threads = load<i32>(team + TEAM_THREADS), from = load<i32>(team + TEAM_CFROM);
  const k = thread - from, counting = threads - from;
  if (k < 0 || k >= counting) return 0;
  const program = <usize>load<i32>(team + (thread == 0 ? TEAM_CPROGRAM : TEAM_CPROGRAM_HELPERS));
  const starts = <usize>load<i32>(team + TEAM_CSTARTS), labels = <usize>load<i32>(team + TEAM_CLABELS);
  const first = load<i32>(team + TEAM_FIRST), all = load<i32>(team + TEAM_END) - first;
  const table = <usize>load<i32>(team + TEAM_TABLE);
  // C_BEGIN: where this thread's lane is, and whose W1 its lists point into.
  const W = <usize>load<i32>(program + C_BEGIN_W), rowBytes = <usize>load<i32>(program + C_BEGIN_ROW_BYTES);
  const lane = <usize>load<i32>(program + C_BEGIN_LANES) + <usize>thread * <usize>load<i32>(program + C_BEGIN_LANE_BYTES);
  const rows = lane + <usize>load<i32>(program + C_BEGIN_ROWS), vals = lane + <usize>load<i32>(program + C_BEGIN_VALS);
  let correct = 0;
  for (let image = first + share(all, k, counting); image < first + share(all, k + 1, counting); image++) {
    const at = starts + (<usize>image << 2);
    const nnz = decodeSparse(rows, vals, <usize>load<u32>(at), <usize>load<u32>(at, 4), table, W, rowBytes);
    if (forward(next(program), lane, rows, vals, nnz, threads) == <i32>load<u8>(labels + <usize>image)) correct++;
  }
  store<i32>(slot(team, thread) + SLOT_COUNT, correct);
  if (from != 0) return correct;
  if (!barrier(team, thread, threads)) return -1;
  if (thread != 0) return correct;
  let total = 0;
  for (let t = 0; t < threads; t++) total += load<i32>(slot(team, t) + SLOT_COUNT);
  return total;
}

/** The count program's ops after C_BEGIN for one image whose pixel list is (rows, vals, nnz): its rows on the lane, layer by layer, every thread's runs; returns the argmax. */
function forward(program: usize, lane: usize, rows: usize, vals: usize, nnz: i32, threads: i32): i32 {
  for (let op = program; ; op = next(op)) {
    const code = load<i32>(op);
    if (code == OP_C_SPARSE) {
      const out = lane + <usize>load<i32>(op + C_SPARSE_OUT), b = <usize>load<i32>(op + C_SPARSE_B), act = load<i32>(op + C_SPARSE_ACT);
      const runs = <usize>load<i32>(op + C_SPARSE_RUNS), validEnd = load<i32>(op + C_SPARSE_VALID_END);
      const shifts = <usize>load<i32>(op + C_SPARSE_SHIFTS);
      for (let t = 0; t < threads; t++) {
        const c0 = load<i32>(runs + (<usize>t << 3)), c1 = load<i32>(runs + (<usize>t << 3), 4);
        sparseColumns(out, b, rows, vals, nnz, c0, c1, act, 0, shift(shifts, t));
        zeroPadding(out, c0, c1, validEnd);
      }
    } else if (code == OP_C_DENSE) {
      const out = lane + <usize>load<i32>(op + C_DENSE_OUT), b = <usize>load<i32>(op + C_DENSE_B), act = load<i32>(op + C_DENSE_ACT);
      const W = <usize>load<i32>(op + C_DENSE_W), wRowBytes = <usize>load<i32>(op + C_DENSE_W_ROW_BYTES);
      const x = lane + <usize>load<i32>(op + C_DENSE_IN), count = load<i32>(op + C_DENSE_IN_COUNT);
      const runs = <usize>load<i32>(op + C_DENSE_RUNS), validEnd = load<i32>(op + C_DENSE_VALID_END);
      const skip = load<i32>(op + C_DENSE_SKIP) != 0;
      // The image's pixel list is spent: its room takes this row's nonzero terms.
      const terms = skip ? nonzeroList(rows, vals, x, 4, W, wRowBytes, count) : 0;
      for (let t = 0; t < threads; t++) {
        const c0 = load<i32>(runs + (<usize>t << 3)), c1 = load<i32>(runs + (<usize>t << 3), 4);
        if (skip) sparseColumns(out, b, rows, vals, terms, c0, c1, act, 0, 0);
        else denseColumns(out, b, x, 4, W, wRowBytes, count, c0, c1, act, 0);
        zeroPadding(out, c0, c1, validEnd);
      }
    } else if (code == OP_C_NORM) {
      opCNorm(op, lane, threads);
    } else if (code == OP_C_ARGMAX) {
      return argmax(lane + <usize>load<i32>(op + C_ARGMAX_IN), load<i32>(op + C_ARGMAX_C));
    } else {
      unreachable();
    }
  }
  return -1;
}

/**
 * A helper's life (thread >= 1): waits for each command of thread 0 (the first is the one after
 * `seen`), runs its part, marks it done, and returns at QUIT. Between commands it spins a while
 * (thread 0's own work between two steps takes a few us), then sleeps (team.as.ts).
 */
export function serve(team: usize, thread: i32, seen: i32): void {
  while (true) {
    seen = waitForChange(team, team + TEAM_SEQ, seen);
    const command = load<i32>(team + TEAM_CMD);
    if (command == CMD_STEP) step(team, thread);
    else if (command == CMD_COUNT) count(team, thread);
    else return;
    atomic.store<i32>(slot(team, thread) + SLOT_DONE, seen);
    wake(team, slot(team, thread) + SLOT_DONE);
  }
}

/** First free byte after the module's own data: wasm-program.ts allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}
