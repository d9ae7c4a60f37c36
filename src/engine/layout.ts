/**
 * Where everything of a wasm program sits: the one table of memory offsets, for both sides.
 * The TypeScript side (program.ts, wasm-program.ts) computes addresses from it; the
 * AssemblyScript side (src/wasm/*.as.ts) reads the same constants from src/wasm/layout.as.ts,
 * which layout-source.ts generates from this file (test/engine/layout.test.ts fails when the
 * two differ, and says how to write it again). Nothing here computes numbers of the
 * network; it only places them.
 *
 * Words used across src/engine and src/wasm:
 * - padded width: a layer's row length in floats. Its units sit in whole SIMD vectors of 4
 *   floats, and with several threads each thread's run of them starts on a cache line of its
 *   own (unit-layout.ts); the floats between are padding, always zero.
 * - run: the columns [c0, c1) of a layer that one thread owns: it computes them for every
 *   image of the batch. The last layer's columns (the scores) are all thread 0's.
 * - team block: the shared words through which thread 0 sends commands (step, count, quit)
 *   and the threads meet at barriers (src/wasm/team.as.ts); a slot of it per thread.
 * - op: one instruction of a program (program.ts): its code, its length in words, then its
 *   fields (byte addresses and sizes), all i32.
 * - pixel lists: per image of the batch, its nonzero pixels as (W1 row address, value) pairs,
 *   listed once a step (the LIST op) and read by the first layer forward and backward.
 * - lane: one thread's own scratch: a list of (row address, value) pairs (one image's pixels
 *   when counting, or the nonzero terms of one row combination) and one row per layer.
 * - stats: batch norm's running mean and variance per layer (the net's buffers), with a copy
 *   beside them for counts alongside the steps, as the parameters have.
 */
import { hiddenLayout } from './unit-layout.js';
import type { NetPlan } from '../network/plan.js';

/** The most threads a team has. */
export const MAX_TEAM = 8;
/** Bytes of a cache line: runs and tensors start on one. */
export const LINE_BYTES = 64;

// ---------------------------------------------------------------- codes

export const ACTIVATION_CODES = { none: 0, relu: 1, sigmoid: 2, tanh: 3 } as const;
export type ActivationCode = keyof typeof ACTIVATION_CODES;

export const OPTIMIZER_CODES = { sgd: 0, momentum: 1, nesterov: 2, adagrad: 3, rmsprop: 4, adam: 5 } as const;

/** Thread 0's commands to the helpers (the team block's CMD). */
export const COMMANDS = { STEP: 1, COUNT: 2, QUIT: 3 } as const;

/** FAILED's values: a thread failed (1), or one stopped answering (SILENT). */
export const FAILURES = { FAILED: 1, SILENT: 2 } as const;

// ---------------------------------------------------------------- the team block

type FieldType = 'i32' | 'f32' | 'f64';

/**
 * The team block's fields, in order. Set once per program: LIST_*, TABLE, D. Per step (thread
 * 0, before it sends STEP): N, IDX, STARTS, LABELS, PARITY, ACTIVE, the hyperparameters
 * (float32 but MAXLOSS), read by each thread into its own globals when its step starts. Per
 * count: the C* fields.
 */
const TEAM_FIELD_LIST: readonly [string, FieldType][] = [
  ['SEQ', 'i32'], // the command's number: bumped (and notified) once per command
  ['CMD', 'i32'], // STEP, COUNT or QUIT
  ['THREADS', 'i32'], // the team's size
  ['FAILED', 'i32'], // not 0 once a thread failed: no one waits for anyone any more
  ['SLEEPERS', 'i32'], // threads asleep (or about to be) on a word of this block
  ['ACTIVE', 'i32'], // STEP: the threads taking part, 0 .. ACTIVE - 1 (thread t does the runs of t, t + ACTIVE, ...)
  ['PROGRAM', 'i32'], // STEP: the step program's address
  ['N', 'i32'], // STEP: the batch size
  ['IDX', 'i32'], // STEP: the batch's image numbers, N i32
  ['STARTS', 'i32'], // STEP: the sparse split (sparse.as.ts's encodeSparse): each image's first run
  ['LABELS', 'i32'], // STEP: its labels, a byte each
  ['PARITY', 'i32'], // STEP: which half of the pixel lists this step uses (it alternates)
  ['MAX_N', 'i32'], // the largest batch (the lists' halves are laid out for it)
  ['D', 'i32'], // input pixels per image
  ['TABLE', 'i32'], // 256 f32: byte -> byte / 255
  ['LIST_ROWS', 'i32'], // the pixel lists: W1 row addresses (u32), two halves
  ['LIST_VALS', 'i32'], // their values (f32)
  ['LIST_SPANS', 'i32'], // per image (first entry, count), two halves of MAX_N
  ['LIST_HALF', 'i32'], // entries in a half
  ['CPROGRAM', 'i32'], // COUNT: thread 0's count program (the live weights', or the copy's)
  ['CPROGRAM_HELPERS', 'i32'], // COUNT: the helpers' (the copy's: two cores reading the same weights count ~20% slower, measured)
  ['CSTARTS', 'i32'], // COUNT: the sparse split
  ['CLABELS', 'i32'], // COUNT: its labels
  ['FIRST', 'i32'], // COUNT: images FIRST .. END - 1
  ['END', 'i32'],
  ['CFROM', 'i32'], // COUNT: the first thread counting (0: the whole team; 1: the helpers alone)
  ['LANES', 'i32'], // per thread a lane of scratch, LANE_BYTES apart: lists (LANE_ROWS, LANE_VALS from its start), rows
  ['LANE_BYTES', 'i32'],
  ['LANE_ROWS', 'i32'],
  ['LANE_VALS', 'i32'],
  ['SHARE_RUNS', 'i32'], // the first layer's runs: the image ops weigh each thread's share of the images by them
  ['LR', 'f32'], // STEP: the hyperparameters (optim.as.ts says which optimizer reads which)
  ['MOMENTUM', 'f32'],
  ['V_SCALE', 'f32'], // Nesterov: momentum^2
  ['G_SCALE', 'f32'], // Nesterov: (1 + momentum) lr
  ['DECAY_RATE', 'f32'], // RMSprop
  ['H_RATE', 'f32'], // RMSprop: 1 - decayRate
  ['M_RATE', 'f32'], // Adam: 1 - beta1
  ['V_RATE', 'f32'], // Adam: 1 - beta2
  ['LR_T', 'f32'], // Adam: lr sqrt(1 - beta2^t) / (1 - beta1^t), computed in float64 by the caller
  ['LAMBDA', 'f32'], // weight decay: grad W += LAMBDA W
  ['MAXLOSS', 'f64'], // STEP: no update when the batch's mean loss is above it (or NaN)
  ['HALF_LAMBDA', 'f64'], // weight decay: loss += HALF_LAMBDA sum W^2
  ['BN_MOMENTUM', 'f64'], // batch norm: running = BN_MOMENTUM running + (1 - BN_MOMENTUM) batch
  ['DROP_THRESHOLD', 'i32'], // dropout: a unit is kept where its hash's top 24 bits m > floor(ratio 2^24) (u = m / 2^24 > ratio)
  ['DROP_SEED', 'i32'], // dropout: the seed its masks hash (layers/dropout-mask.ts)
  ['DROP_ITER', 'i32'], // STEP: the iteration its masks hash (the net's iteration before this step)
];

/** Thread t's slot (a cache line of its own) starts at SLOTS + t * SLOT_BYTES. */
export const SLOTS = 256;
/** Bytes from the team block's start to each field. */
export const TEAM = fieldOffsets(TEAM_FIELD_LIST);
export const TEAM_TYPES: Readonly<Record<string, FieldType>> = Object.fromEntries(TEAM_FIELD_LIST);
export const SLOT_BYTES = LINE_BYTES;
/** A slot's fields (bytes from its start): barrier arrivals, a count, the last command done, a sink for prefetch reads. */
export const SLOT = { ARRIVALS: 0, COUNT: 4, DONE: 8, TOUCHED: 12 } as const;
export const TEAM_BYTES = SLOTS + MAX_TEAM * SLOT_BYTES;

// ---------------------------------------------------------------- ops

/**
 * Every op and its fields, in order (program.ts says what each computes; the op's words are
 * its code, its length in words, then these). ACT fields hold ACTIVATION_CODES, KIND
 * OPTIMIZER_CODES; *_BYTES are row strides; RUNS tables hold (c0, c1) per thread; a SKIP field
 * (1 or 0) says that the op's input has many exact zeros (a ReLU's output, or its backward):
 * the op then lists the nonzero terms first and combines only those (the same sums: a zero
 * term adds +-0, which changes no float here).
 */
export const OP_FIELDS = {
  END: [],
  BARRIER: [],
  LIST: ['W', 'ROW_BYTES'],
  GATHER: ['X'],
  SPARSE_AFFINE: ['OUT', 'OUT_ROW_BYTES', 'B', 'ACT', 'RUNS', 'VALID_END', 'SHIFTS'],
  DENSE_AFFINE: ['OUT', 'OUT_ROW_BYTES', 'B', 'W', 'W_ROW_BYTES', 'IN', 'IN_ROW_BYTES', 'IN_COUNT', 'ACT', 'RUNS', 'VALID_END', 'SKIP'],
  ACTIVATION: ['OUT', 'OUT_ROW_BYTES', 'ACT', 'RUNS', 'VALID_END'],
  AFFINE_SOFTMAX: ['OUT', 'OUT_ROW_BYTES', 'B', 'W', 'W_ROW_BYTES', 'IN', 'IN_ROW_BYTES', 'IN_COUNT', 'C', 'LOSSES', 'SPARSE', 'SKIP'],
  SOFTMAX_LOSS: ['OUT', 'OUT_ROW_BYTES', 'C', 'LOSSES'],
  DECAY_SUMS: ['W', 'W_ROWS', 'W_ROW_BYTES', 'RUNS', 'OUT', 'SHIFTS'],
  LOSS: ['LOSSES', 'DECAY', 'DECAY_COUNT'],
  DENSE_BACKWARD: [
    'DY', 'DY_ROW_BYTES', 'DY_COUNT', 'W', 'W_ROW_BYTES', 'WT', 'X', 'X_ROW_BYTES', 'DX', 'ACT', 'DW', 'DB', 'ROW_RUNS', 'DB_RUNS',
    'DY_SKIP', 'X_SKIP',
  ],
  ACT_BACKWARD: ['DA', 'ROW_BYTES', 'H', 'ACT', 'RUNS'],
  SPARSE_SGD: ['DA', 'DA_ROW_BYTES', 'DB', 'RUNS', 'SHIFTS'],
  SPARSE_GRAD: ['DA', 'DA_ROW_BYTES', 'DB', 'RUNS', 'DW', 'W', 'W_ROW_BYTES', 'SHIFTS'],
  UPDATE: ['KIND', 'PARAMS', 'GRADS', 'SLOT0', 'SLOT1', 'REGIONS'],
  // Batch norm and dropout (norm-ops.as.ts), each on this thread's columns of its layer.
  BN_FORWARD: ['X', 'ROW_BYTES', 'XN', 'MEAN', 'VAR', 'STD', 'GAMMA', 'BETA', 'ACT', 'RUNS', 'VALID_END'],
  BN_STATS: ['MEAN', 'VAR', 'RUNNING_MEAN', 'RUNNING_VAR', 'RUNS'],
  BN_BACKWARD: ['DA', 'ROW_BYTES', 'XN', 'STD', 'GAMMA', 'DGAMMA', 'DBETA', 'RUNS'],
  DROPOUT: ['X', 'ROW_BYTES', 'MASK', 'MASK_ROW_BYTES', 'UNITS', 'LAYER', 'RUNS'],
  DROPOUT_BACKWARD: ['DA', 'ROW_BYTES', 'MASK', 'MASK_ROW_BYTES', 'RUNS'],
  // The count program, run once per image on a thread's own lane (LANE offsets are from it).
  C_BEGIN: ['W', 'ROW_BYTES', 'LANES', 'LANE_BYTES', 'ROWS', 'VALS'],
  C_SPARSE: ['OUT', 'B', 'ACT', 'RUNS', 'VALID_END', 'SHIFTS'],
  C_DENSE: ['OUT', 'B', 'W', 'W_ROW_BYTES', 'IN', 'IN_COUNT', 'ACT', 'RUNS', 'VALID_END', 'SKIP'],
  C_ARGMAX: ['IN', 'C'],
  // Test mode after an Affine: batch norm with the running stats (BN 1), the activation, dropout's scale (f32 bits).
  C_NORM: ['OUT', 'BN', 'GAMMA', 'BETA', 'MEAN', 'VAR', 'ACT', 'SCALE', 'RUNS', 'VALID_END'],
} as const satisfies Record<string, readonly string[]>;

export type OpName = keyof typeof OP_FIELDS;
export const OP_NAMES = Object.keys(OP_FIELDS) as OpName[];
/** Words before an op's fields: its code and its length. */
export const OP_HEADER_WORDS = 2;

/** A region of the parameters that an UPDATE op steps: one thread's part of one tensor. */
export const REGION_FIELDS = ['OFFSET', 'ROWS', 'COLS', 'STRIDE', 'WEIGHT'] as const;

// ---------------------------------------------------------------- the program's memory

/** One layer's output (k = 1 .. L): its units and how they sit in its rows. */
export interface LayerLayout {
  /** n_k. */
  readonly units: number;
  /** The padded width: hiddenLayout's for a hidden layer, units rounded up to 4 for the last. */
  readonly width: number;
  /** Thread t's columns [c0, c1); for the last layer, thread 0 has them all. */
  readonly runs: readonly (readonly [number, number])[];
  /** The column of each unit. */
  readonly column: Int32Array;
  /** The column after the last unit: the floats from there to the end of its vector are padding. */
  readonly validEnd: number;
}

/** A parameter tensor in the parameter buffer (and at the same offsets in the grads and slots). */
export interface ParamLayout {
  readonly name: string;
  readonly role: 'weight' | 'bias';
  /** Its layer k (1 .. L). */
  readonly layer: number;
  /** Padded rows and columns; the logical ones are the plan's. */
  readonly rows: number;
  readonly cols: number;
  /** Bytes from the parameter buffer's start. */
  readonly offset: number;
}

/** One of batch norm's running statistics in the stats buffer (and at the same offset in its copy). */
export interface StatLayout {
  /** running_mean<k> or running_var<k>, as the plan names the net's buffers. */
  readonly name: string;
  readonly layer: number;
  /** Bytes from the stats buffer's start; width_k floats. */
  readonly offset: number;
}

/**
 * How W1 is stored. With several threads and the first layer over pixel lists (fusion rule 1),
 * in column blocks: thread t's run of layer 1's columns, for every pixel, is a block of its own
 * (D rows of rowBytes), so that each core reads and writes only its own block, in the forward
 * as in W1's gradient and update. (Stored as one padded matrix, with the forward split by
 * columns, W1's gradient split by columns made a core's prefetches take the other's lines: as
 * slow on two threads as on one; split by rows, each core's update moved half of W1 into the
 * other core for the next forward: a standalone forward + scatter of 100 MNIST images took
 * 300-380 us a step in blocks, 420-550 us by rows, 580-620 us on one thread.) Otherwise W1 is
 * one padded matrix, as every W, and its shifts are 0. Either way, the float of pixel p and
 * column c (of thread t's run) is at W1 + p rowBytes + 4 c + shifts[t].
 */
export interface W1Layout {
  /** W1's gradient and update split by layer 1's columns (the first layer reads pixel lists), else by rows of pixels. */
  readonly byColumns: boolean;
  readonly blocks: boolean;
  readonly rowBytes: number;
  /** Bytes from one block to the next (0 without blocks). */
  readonly blockBytes: number;
  /** Per thread, in bytes (negative or not). */
  readonly shifts: readonly number[];
}

/** Every buffer of a program, as byte offsets from the start of its memory region. */
export interface ProgramLayout {
  readonly threads: number;
  readonly maxBatch: number;
  /** The input pixels per image (n_0). */
  readonly inputSize: number;
  /** Layers 1 .. L at index 0 .. L-1. */
  readonly layers: readonly LayerLayout[];
  readonly params: readonly ParamLayout[];
  readonly w1: W1Layout;
  /** Bytes of one parameter-shaped buffer (params, grads, each slot, the copy). */
  readonly paramBytes: number;
  readonly stats: readonly StatLayout[];
  /** Bytes of the stats buffer (and of its copy). */
  readonly statsBytes: number;
  /** Named buffers: byte offsets from the region's start (see programLayout for each). */
  readonly at: Readonly<Record<string, number>>;
  /** Bytes the whole region takes. */
  readonly bytes: number;
}

export interface LayoutOptions {
  threads: number;
  maxBatch: number;
  /** Optimizer slots per parameter: 0 (SGD), 1 (v or h) or 2 (Adam's m and v). */
  slots: number;
  /** The first layer reads pixel lists (fusion rule 1): W1's gradient by columns, and in column blocks when several threads share the step (W1Layout). */
  w1ByColumns: boolean;
}

/** Room for the ops of a program: far more than any depth needs (program.ts checks). */
export const programBytes = (layers: number): number => 512 * (layers + 4);
/** Bytes of one UPDATE regions table (program.ts's updateRegions): per thread, an offset, then up to 2 regions a layer. */
export const regionsBytes = (layers: number): number => (MAX_TEAM + MAX_TEAM * (1 + 2 * layers * REGION_FIELDS.length)) * 4;
/** Spare list entries per thread: sparse.as.ts's decode writes up to 7 entries past an image's. */
export const LIST_SPARE = 8;

/** Layer layouts for `threads` threads. */
export function layerLayouts(sizes: readonly number[], threads: number): LayerLayout[] {
  const L = sizes.length - 1;
  const layers: LayerLayout[] = [];
  for (let k = 1; k <= L; k++) {
    const units = sizes[k];
    if (k < L) {
      const { width, runs, column } = hiddenLayout(units, threads);
      layers.push({ units, width, runs, column, validEnd: column[units - 1] + 1 });
    } else {
      const width = Math.ceil(units / 4) * 4;
      const runs = Array.from({ length: threads }, (_, t): readonly [number, number] => (t === 0 ? [0, width] : [0, 0]));
      layers.push({ units, width, runs, column: Int32Array.from({ length: units }, (_, j) => j), validEnd: units });
    }
  }
  return layers;
}

/**
 * The layout of a program for `plan`: every buffer, in this order, each on a cache line:
 *   team block | step program | count programs (live weights, copy) | runs tables | update regions |
 *   params | grads | slots | params copy (what a count alongside the steps reads) |
 *   per hidden layer k: h_k (outputs, maxBatch rows) and dA_k (dL/d pre-activation) |
 *   dy (scores, then dL/dscores) | losses (f64 per image) | WT_k (W_k transposed, k >= 2) |
 *   X (dense input, only read when rule 1 is off) | decay sums (f64 per column of every W) |
 *   per hidden layer with batch norm: xn_k (N rows), the batch's mean_k, var_k, std_k |
 *   per hidden layer with dropout: mask_k (a byte per entry), units_k (each column's unit, i32) |
 *   stats, statsCopy (batch norm's running statistics) |
 *   pixel lists (rows, values: two halves) | spans | idx (the batch's image numbers) |
 *   lanes (per thread: a list of (row, value) pairs and one row per layer) | the byte -> float table.
 * A param tensor of layer k has the padded shape (width_{k-1} x width_k), width_0 = inputSize.
 */
export function programLayout(plan: NetPlan, options: LayoutOptions): ProgramLayout {
  checkPlan(plan);
  const { threads, maxBatch: N, slots } = options;
  const D = plan.sizes[0];
  const layers = layerLayouts(plan.sizes, threads);
  const L = layers.length;
  const widthOf = (k: number): number => (k === 0 ? D : layers[k - 1].width);
  const w1 = w1Layout(D, layers, threads, options.w1ByColumns);

  // The parameter buffer: W1 b1 W2 b2 ..., each on a cache line.
  const params: ParamLayout[] = [];
  let paramBytes = 0;
  for (const p of plan.params) {
    const layer = Number(/\d+$/.exec(p.name)?.[0]); // W3, b3, gamma3, beta3
    const rows = p.role === 'weight' ? widthOf(layer - 1) : 1;
    const cols = widthOf(layer);
    params.push({ name: p.name, role: p.role === 'weight' ? 'weight' : 'bias', layer, rows, cols, offset: paramBytes });
    paramBytes += p.name === 'W1' && w1.blocks ? threads * w1.blockBytes : lineUp(rows * cols * 4);
  }

  const at: Record<string, number> = {};
  let top = 0;
  const put = (name: string, bytes: number): void => {
    at[name] = top;
    top += lineUp(bytes);
  };
  put('team', TEAM_BYTES);
  put('stepProgram', programBytes(L));
  put('countProgram', programBytes(L));
  put('copyCountProgram', programBytes(L));
  put('runs', (L + 1) * MAX_TEAM * 8);
  put('w1Shifts', MAX_TEAM * 4);
  put('regions', 2 * regionsBytes(L)); // two tables: every parameter, and all but W1
  put('params', paramBytes);
  put('grads', paramBytes);
  for (let s = 0; s < slots; s++) put(`slot${s}`, paramBytes);
  put('paramsCopy', paramBytes);
  for (let k = 1; k < L; k++) {
    put(`h${k}`, N * widthOf(k) * 4);
    put(`dA${k}`, N * widthOf(k) * 4);
  }
  put('dy', N * widthOf(L) * 4);
  put('losses', N * 8);
  for (let k = 2; k <= L; k++) put(`WT${k}`, widthOf(k) * widthOf(k - 1) * 4);
  put('X', N * D * 4);
  let decayCount = 0;
  for (let k = 1; k <= L; k++) {
    at[`decay${k}`] = top + decayCount * 8;
    decayCount += widthOf(k);
  }
  put('decay', decayCount * 8);
  const stats: StatLayout[] = [];
  let statsBytes = 0;
  for (const layer of plan.layers) {
    const k = Number(/\d+$/.exec(layer.name)?.[0]);
    if (layer.kind === 'batchnorm') {
      put(`xn${k}`, N * widthOf(k) * 4);
      for (const name of ['mean', 'var', 'std']) put(`${name}${k}`, widthOf(k) * 4);
      for (const name of [layer.runningMean, layer.runningVar]) {
        stats.push({ name, layer: k, offset: statsBytes });
        statsBytes += lineUp(widthOf(k) * 4);
      }
    } else if (layer.kind === 'dropout') {
      put(`mask${k}`, N * widthOf(k));
      put(`units${k}`, widthOf(k) * 4);
    }
  }
  // (a line each at least: every buffer has an address of its own)
  put('stats', Math.max(statsBytes, LINE_BYTES));
  put('statsCopy', Math.max(statsBytes, LINE_BYTES));
  const halfEntries = N * D + LIST_SPARE * MAX_TEAM;
  put('listRows', 2 * halfEntries * 4);
  put('listVals', 2 * halfEntries * 4);
  put('listSpans', 2 * N * 8);
  put('idx', N * 4);
  // A lane: one image's lists (D + spare entries), then one row per layer (its widest).
  let lane = 0;
  const laneAt: Record<string, number> = {};
  const lanePut = (name: string, bytes: number): void => {
    laneAt[name] = lane;
    lane += lineUp(bytes);
  };
  // The lists: one image's pixels (count), or the nonzero terms of one row combination (step and count).
  const entries = Math.max(D, N, ...layers.map((l) => l.width)) + LIST_SPARE;
  lanePut('rows', entries * 4);
  lanePut('vals', entries * 4);
  for (let k = 1; k <= L; k++) lanePut(`row${k}`, widthOf(k) * 4);
  put('lanes', MAX_TEAM * lane);
  put('table', 256 * 4);
  for (const [name, offset] of Object.entries(laneAt)) at[`lane.${name}`] = offset;
  at.laneBytes = lane;
  at.listHalfEntries = halfEntries;
  at.decayCount = decayCount;
  return { threads, maxBatch: N, inputSize: D, layers, params, w1, paramBytes, stats, statsBytes, at, bytes: top };
}

/** W1's layout (W1Layout): with blocks (several threads, a hidden layer), blocks of the runs' widest width, one after another, each on a cache line. */
function w1Layout(D: number, layers: readonly LayerLayout[], threads: number, byColumns: boolean): W1Layout {
  const layer1 = layers[0];
  const blocks = byColumns && threads > 1 && layers.length > 1;
  if (!blocks) return { byColumns, blocks, rowBytes: layer1.width * 4, blockBytes: 0, shifts: layer1.runs.map(() => 0) };
  const rowBytes = lineUp(Math.max(...layer1.runs.map(([c0, c1]) => c1 - c0)) * 4);
  const blockBytes = lineUp(D * rowBytes);
  return { byColumns, blocks, rowBytes, blockBytes, shifts: layer1.runs.map(([c0], t) => t * blockBytes - c0 * 4) };
}

/** Throws unless every layer of the plan is one the programs know (Affine, BatchNorm, activations, Dropout, SoftmaxWithLoss). */
export function checkPlan(plan: NetPlan): void {
  for (const layer of plan.layers) {
    const kind: string = layer.kind;
    if (kind !== 'affine' && kind !== 'batchnorm' && kind !== 'activation' && kind !== 'dropout' && kind !== 'softmax-with-loss') {
      throw new RangeError(`wasm program: layer ${layer.name} (${kind}) is not supported yet`);
    }
  }
}

/** n bytes rounded up to whole cache lines. */
export function lineUp(n: number): number {
  return Math.ceil(n / LINE_BYTES) * LINE_BYTES;
}


// ---------------------------------------------------------------- the AssemblyScript side

function fieldOffsets(list: readonly [string, FieldType][]): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  let at = 0;
  for (const [name, type] of list) {
    const size = type === 'f64' ? 8 : 4;
    at = Math.ceil(at / size) * size;
    out[name] = at;
    at += size;
  }
  if (at > SLOTS) throw new Error(`layout: the team block's fields take ${at} bytes, more than the ${SLOTS} before the slots`);
  return out;
}
