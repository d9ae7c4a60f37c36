/**
 * One thread's view of the step being run (program.as.ts's step): the step's fields, read by
 * beginStep into this instance's globals when its step starts (thread 0's caller writes the next
 * step's fields as soon as thread 0's part is done, while a helper may still be in its last ops),
 * and the helpers the ops share to read their fields, runs and pixel lists.
 */
import {
  TEAM_ACTIVE, TEAM_BN_MOMENTUM, TEAM_D, TEAM_DROP_ITER, TEAM_DROP_SEED, TEAM_DROP_THRESHOLD, TEAM_HALF_LAMBDA, TEAM_IDX, TEAM_LABELS, TEAM_LANES, TEAM_LANE_BYTES, TEAM_LANE_ROWS,
  TEAM_LANE_VALS, TEAM_LIST_HALF, TEAM_LIST_ROWS, TEAM_LIST_SPANS, TEAM_LIST_VALS, TEAM_MAXLOSS, TEAM_MAX_N, TEAM_N,
  TEAM_PARITY, TEAM_PROGRAM, TEAM_SHARE_RUNS, TEAM_STARTS, TEAM_TABLE, TEAM_THREADS,
} from './layout.as';
import { readHyper } from './optim.as';

export let team: usize = 0;
export let thread: i32 = 0;
export let threads: i32 = 1;
export let active: i32 = 1;
export let N: i32 = 0;
export let idx: usize = 0;
export let starts: usize = 0;
export let labels: usize = 0;
export let D: i32 = 0;
export let table: usize = 0;
export let listRows: usize = 0;
export let listVals: usize = 0;
export let listSpans: usize = 0;
let maxLoss: f64 = 0;
export let halfLambda: f64 = 0;
export let bnMomentum: f64 = 0;
export let dropThreshold: i32 = 0;
export let dropSeed: i32 = 0;
export let dropIteration: i32 = 0;
let program: usize = 0;
// This thread's lists of nonzero terms (its lane's).
export let laneRows: usize = 0;
export let laneVals: usize = 0;
/** The runs of the first layer (whose columns the step's last ops go over), which weigh the image shares. */
let shareRuns: usize = 0;

/** Reads the step's fields; returns false when this thread takes no part (thread >= ACTIVE). */
export function beginStep(teamAt: usize, me: i32): bool {
  team = teamAt;
  thread = me;
  threads = load<i32>(team + TEAM_THREADS);
  active = load<i32>(team + TEAM_ACTIVE);
  N = load<i32>(team + TEAM_N);
  idx = <usize>load<i32>(team + TEAM_IDX);
  starts = <usize>load<i32>(team + TEAM_STARTS);
  labels = <usize>load<i32>(team + TEAM_LABELS);
  D = load<i32>(team + TEAM_D);
  table = <usize>load<i32>(team + TEAM_TABLE);
  // This step's half of the lists (the other half may still be read by a thread finishing the last step).
  const half = <usize>(load<i32>(team + TEAM_PARITY) & 1);
  const entries = <usize>load<i32>(team + TEAM_LIST_HALF) << 2;
  listRows = <usize>load<i32>(team + TEAM_LIST_ROWS) + half * entries;
  listVals = <usize>load<i32>(team + TEAM_LIST_VALS) + half * entries;
  listSpans = <usize>load<i32>(team + TEAM_LIST_SPANS) + ((half * <usize>load<i32>(team + TEAM_MAX_N)) << 3);
  maxLoss = load<f64>(team + TEAM_MAXLOSS);
  halfLambda = load<f64>(team + TEAM_HALF_LAMBDA);
  bnMomentum = load<f64>(team + TEAM_BN_MOMENTUM);
  dropThreshold = load<i32>(team + TEAM_DROP_THRESHOLD);
  dropSeed = load<i32>(team + TEAM_DROP_SEED);
  dropIteration = load<i32>(team + TEAM_DROP_ITER);
  program = <usize>load<i32>(team + TEAM_PROGRAM);
  const lane = <usize>load<i32>(team + TEAM_LANES) + <usize>thread * <usize>load<i32>(team + TEAM_LANE_BYTES);
  laneRows = lane + <usize>load<i32>(team + TEAM_LANE_ROWS);
  laneVals = lane + <usize>load<i32>(team + TEAM_LANE_VALS);
  shareRuns = <usize>load<i32>(team + TEAM_SHARE_RUNS);
  readHyper(team);
  return thread < active;
}

export function stepProgram(): usize {
  return program;
}

export function stepActive(): i32 {
  return active;
}

export function stepMaxLoss(): f64 {
  return maxLoss;
}

// @ts-ignore: decorator
@inline export function u(op: usize, field: usize): usize {
  return <usize>load<i32>(op + field);
}

// @ts-ignore: decorator
@inline export function i(op: usize, field: usize): i32 {
  return load<i32>(op + field);
}

// @ts-ignore: decorator
@inline export function runStart(runs: usize, t: i32): i32 {
  return load<i32>(runs + (<usize>t << 3));
}

// @ts-ignore: decorator
@inline export function runEnd(runs: usize, t: i32): i32 {
  return load<i32>(runs + (<usize>t << 3), 4);
}

/** Run t's byte shift into W1's rows from a SHIFTS table (layout.ts's W1Layout); 0 without a table. */
// @ts-ignore: decorator
@inline export function shift(shifts: usize, t: i32): usize {
  return shifts == 0 ? 0 : <usize>load<i32>(shifts + (<usize>t << 2));
}

/** The pixel list of batch image n: its entries' byte offset into listRows / listVals, and its count. */
// @ts-ignore: decorator
@inline export function spanStart(n: i32): usize {
  return <usize>load<i32>(listSpans + (<usize>n << 3)) << 2;
}

// @ts-ignore: decorator
@inline export function spanCount(n: i32): i32 {
  return load<i32>(listSpans + (<usize>n << 3), 4);
}

/**
 * The first of thread t's images in the image ops (t < active; t = active: N). N is cut by
 * weights max(0, 2 avg - cols_s), cols_s being the first layer's columns that thread s owns (its
 * slots s, s + active, ...): a thread with more columns is still in the step's last ops, over
 * them, when the next step's LIST starts, so it gets fewer images (the book's 6 + 7 vectors get
 * 53 + 47 images: 3% off a two-thread step, measured on the earlier fused TwoLayerNet).
 */
export function imageShare(t: i32): i32 {
  if (t >= active) return N;
  let total = 0;
  for (let s = 0; s < threads; s++) total += runEnd(shareRuns, s) - runStart(shareRuns, s);
  let before: i64 = 0;
  let all: i64 = 0;
  for (let s = 0; s < active; s++) {
    let owned = 0;
    for (let r = s; r < threads; r += active) owned += runEnd(shareRuns, r) - runStart(shareRuns, r);
    const weight = <i64>max(0, 2 * total - active * owned);
    if (s < t) before += weight;
    all += weight;
  }
  return all == 0 ? <i32>((<i64>N * <i64>t) / <i64>active) : <i32>((<i64>N * before) / all);
}

/** Zeroes a row's floats [validEnd, c1) when they are in [c0, c1): the padding after the last unit (sigmoid(0) is not 0). */
// @ts-ignore: decorator
@inline export function zeroPadding(row: usize, c0: i32, c1: i32, validEnd: i32): void {
  for (let c = max(c0, validEnd); c < c1; c++) store<f32>(row + (<usize>c << 2), 0);
}


/** The label of batch image n. */
// @ts-ignore: decorator
@inline export function labelOf(n: i32): i32 {
  return <i32>load<u8>(labels + <usize>load<i32>(idx + (<usize>n << 2)));
}

