/**
 * A network's plan (network/plan.ts) compiled into programs: lists of ops over the buffers of
 * layout.ts, which src/wasm/program.as.ts runs. Pure data, no wasm: snapshot-testable.
 *
 * The step program is written in two stages:
 * 1. plainStepOps: one op per layer of the plan, forward then backward, then one UPDATE over
 *    every parameter: GATHER (the batch's pixels as floats), DENSE_AFFINE and ACTIVATION per
 *    layer, SOFTMAX_LOSS, LOSS, DENSE_BACKWARD and ACT_BACKWARD per layer, UPDATE.
 * 2. The fusion rules (fusion-rules.ts), each a rewrite of that list, all on by default:
 *    sparseInput, affineActivation, affineSoftmax, sgdFromPixelLists.
 * Then withBarriers (barriers.ts) puts a BARRIER wherever an op reads what another thread may
 * have written since the last one, and END closes the list. encode.ts writes it as words.
 *
 * Who computes what, with several threads (src/wasm says how; the result is the same bits for
 * any team size): a forward op of a layer computes its own columns (layout.ts's runs) for every
 * image; the loss ops split the images; DENSE_BACKWARD of layer k splits W_k by rows, thread t
 * taking the rows of its columns of layer k - 1 (so the dX it computes is its own columns of
 * layer k - 1, and it reads and updates only its rows of W_k); UPDATE steps each thread's part
 * of each tensor, the part its gradient came from.
 *
 * The count program (countOps) runs once per image, on one thread: the same forward, one row
 * at a time, then the argmax.
 */
import type { NetPlan } from '../network/plan.js';
import type { Activation } from '../network/spec.js';
import { withBarriers } from './barriers.js';
import { affineActivation, affineSoftmax, sgdFromPixelLists, sparseInput, type FusionRule, type RuleOptions } from './fusion-rules.js';

export { FUSION_RULES, type FusionRule } from './fusion-rules.js';
import type { ProgramLayout } from './layout.js';
import { op, type Op } from './op.js';

export interface StepProgramOptions extends RuleOptions {
  /** Rules to leave out (all apply by default): for tests, which compare with and without each. */
  without?: readonly FusionRule[];
}

/** The activation after Affine k (1 .. L - 1) in the plan, or none. */
function activationOf(plan: NetPlan, k: number): Activation | 'none' {
  let affine = 0;
  for (const layer of plan.layers) {
    if (layer.kind === 'affine') affine++;
    else if (layer.kind === 'activation' && affine === k) return layer.activation;
  }
  return 'none';
}

/**
 * Rows narrower than this (floats) are combined over all their terms: listing the nonzero
 * ones first costs more than it saves when each term adds few vectors (784-50-10's scores, 3
 * vectors wide, were 3% slower a step with the lists).
 */
const SKIP_WIDTH = 32;

/**
 * SKIP (1 or 0) for an op that reads layer k's output (0: the pixels), or the gradient through
 * its activation, into rows `width` floats wide: 1 when that input has many exact zeros (a
 * ReLU's) and the rows are wide enough for listing its nonzero terms first to pay.
 */
function zerosIn(plan: NetPlan, k: number, width: number): number {
  return (k === 0 || activationOf(plan, k) === 'relu') && width >= SKIP_WIDTH ? 1 : 0;
}

/** The BatchNorm after Affine k (1 .. L - 1) in the plan, if it has one. */
function batchNormOf(plan: NetPlan, k: number): Extract<NetPlan['layers'][number], { kind: 'batchnorm' }> | undefined {
  for (const layer of plan.layers) if (layer.kind === 'batchnorm' && layer.name === `BatchNorm${k}`) return layer;
  return undefined;
}

/** The Dropout after activation k in the plan, if it has one. */
function dropoutOf(plan: NetPlan, k: number): Extract<NetPlan['layers'][number], { kind: 'dropout' }> | undefined {
  for (const layer of plan.layers) if (layer.kind === 'dropout' && layer.index === k) return layer;
  return undefined;
}

/** A float32's bits as an i32 word (an op field holding a float). */
export function f32Bits(value: number): number {
  return new Int32Array(new Float32Array([value]).buffer)[0];
}

/** The output buffer of layer k: h_k, or dy for the last. */
const outOf = (k: number, L: number): string => (k === L ? 'dy' : `h${k}`);

/** Stage 1: one op per layer, unfused (every op of it runs, so each rule can be checked against it). */
export function plainStepOps(plan: NetPlan, layout: ProgramLayout, options: StepProgramOptions): Op[] {
  const L = plan.sizes.length - 1;
  const D = plan.sizes[0];
  const width = (k: number): number => (k === 0 ? D : layout.layers[k - 1].width);
  const ops: Op[] = [op('GATHER', { X: 'X' })];
  for (let k = 1; k <= L; k++) {
    const out = outOf(k, L);
    const layer = layout.layers[k - 1];
    ops.push(
      op('DENSE_AFFINE', {
        OUT: out, OUT_ROW_BYTES: width(k) * 4, B: `params.b${k}`, W: `params.W${k}`, W_ROW_BYTES: width(k) * 4,
        IN: k === 1 ? 'X' : `h${k - 1}`, IN_ROW_BYTES: width(k - 1) * 4, IN_COUNT: width(k - 1), ACT: 'none', RUNS: `runs${k}`, VALID_END: layer.validEnd,
        SKIP: zerosIn(plan, k - 1, width(k)),
      }),
    );
    if (k === L) continue;
    const bn = batchNormOf(plan, k);
    if (bn !== undefined) {
      // Batch norm, then the activation, in one op: the columns' batch statistics first.
      ops.push(
        op('BN_FORWARD', {
          X: out, ROW_BYTES: width(k) * 4, XN: `xn${k}`, MEAN: `mean${k}`, VAR: `var${k}`, STD: `std${k}`,
          GAMMA: `params.${bn.gamma}`, BETA: `params.${bn.beta}`, ACT: activationOf(plan, k), RUNS: `runs${k}`, VALID_END: layer.validEnd,
        }),
      );
    } else {
      ops.push(op('ACTIVATION', { OUT: out, OUT_ROW_BYTES: width(k) * 4, ACT: activationOf(plan, k), RUNS: `runs${k}`, VALID_END: layer.validEnd }));
    }
    const dropout = dropoutOf(plan, k);
    if (dropout !== undefined) {
      ops.push(op('DROPOUT', { X: out, ROW_BYTES: width(k) * 4, MASK: `mask${k}`, MASK_ROW_BYTES: width(k), UNITS: `units${k}`, LAYER: dropout.index, RUNS: `runs${k}` }));
    }
  }
  ops.push(op('SOFTMAX_LOSS', { OUT: 'dy', OUT_ROW_BYTES: width(L) * 4, C: plan.sizes[L], LOSSES: 'losses' }));
  const decay = options.weightDecayLambda > 0;
  if (decay) {
    for (let k = 1; k <= L; k++) {
      ops.push(op('DECAY_SUMS', { W: `params.W${k}`, W_ROWS: width(k - 1), W_ROW_BYTES: width(k) * 4, RUNS: `runs${k}`, OUT: `decay${k}`, SHIFTS: 0 }));
    }
  }
  ops.push(op('LOSS', { LOSSES: 'losses', DECAY: decay ? 'decay' : 0, DECAY_COUNT: decay ? layout.at.decayCount : 0 }));
  // The step is taken (LOSS ends a diverged one before this): the running statistics follow the batch's.
  for (let k = 1; k < L; k++) {
    const bn = batchNormOf(plan, k);
    if (bn === undefined) continue;
    ops.push(op('BN_STATS', { MEAN: `mean${k}`, VAR: `var${k}`, RUNNING_MEAN: `stats.${bn.runningMean}`, RUNNING_VAR: `stats.${bn.runningVar}`, RUNS: `runs${k}` }));
  }
  for (let k = L; k >= 1; k--) {
    ops.push(
      op('DENSE_BACKWARD', {
        DY: k === L ? 'dy' : `dA${k}`, DY_ROW_BYTES: width(k) * 4, DY_COUNT: k === L ? plan.sizes[L] : width(k),
        W: `params.W${k}`, W_ROW_BYTES: width(k) * 4, WT: k > 1 ? `WT${k}` : 0,
        X: k === 1 ? 'X' : `h${k - 1}`, X_ROW_BYTES: width(k - 1) * 4, DX: k > 1 ? `dA${k - 1}` : 0, ACT: 'none',
        DW: `grads.W${k}`, DB: `grads.b${k}`, ROW_RUNS: `runs${k - 1}`, DB_RUNS: `runs${k}`,
        // dA_k has the zeros of ReLU's backward, but not through batch norm's.
        DY_SKIP: k < L && batchNormOf(plan, k) === undefined ? zerosIn(plan, k, width(k - 1)) : 0, X_SKIP: zerosIn(plan, k - 1, width(k)),
      }),
    );
    if (k === 1) continue;
    const j = k - 1;
    const rowBytes = width(j) * 4;
    // Back through layer j's block: dropout's mask, the activation, batch norm.
    if (dropoutOf(plan, j) !== undefined) ops.push(op('DROPOUT_BACKWARD', { DA: `dA${j}`, ROW_BYTES: rowBytes, MASK: `mask${j}`, MASK_ROW_BYTES: width(j), RUNS: `runs${j}` }));
    ops.push(op('ACT_BACKWARD', { DA: `dA${j}`, ROW_BYTES: rowBytes, H: `h${j}`, ACT: activationOf(plan, j), RUNS: `runs${j}` }));
    const bn = batchNormOf(plan, j);
    if (bn !== undefined) {
      ops.push(op('BN_BACKWARD', { DA: `dA${j}`, ROW_BYTES: rowBytes, XN: `xn${j}`, STD: `std${j}`, GAMMA: `params.${bn.gamma}`, DGAMMA: `grads.${bn.gamma}`, DBETA: `grads.${bn.beta}`, RUNS: `runs${j}` }));
    }
  }
  ops.push(op('UPDATE', { KIND: options.optimizer, PARAMS: 'params', GRADS: 'grads', SLOT0: 'slot0', SLOT1: 'slot1', REGIONS: 'regions' }));
  return ops;
}

/** The step program: plainStepOps, the fusion rules (but those left out), barriers, END. */
export function stepOps(plan: NetPlan, layout: ProgramLayout, options: StepProgramOptions): Op[] {
  const skip = new Set(options.without ?? []);
  let ops = plainStepOps(plan, layout, options);
  if (!skip.has('sparseInput')) ops = sparseInput(ops, layout.w1);
  if (!skip.has('affineActivation')) ops = affineActivation(ops);
  if (!skip.has('affineSoftmax')) ops = affineSoftmax(ops);
  if (!skip.has('sgdFromPixelLists') && !skip.has('sparseInput')) ops = sgdFromPixelLists(ops, options);
  return [...withBarriers(ops, plan.sizes.length - 1, layout.w1.byColumns), op('END')];
}

/** The count program: one image's forward on a thread's lane (lane.* offsets), then its argmax; `params` names the weights ('params' or 'paramsCopy'). */
export function countOps(plan: NetPlan, layout: ProgramLayout, params: 'params' | 'paramsCopy'): Op[] {
  const L = plan.sizes.length - 1;
  const width = (k: number): number => (k === 0 ? plan.sizes[0] : layout.layers[k - 1].width);
  const ops: Op[] = [op('C_BEGIN', { W: `${params}.W1`, ROW_BYTES: layout.w1.rowBytes, LANES: 'lanes', LANE_BYTES: layout.at.laneBytes, ROWS: 'lane.rows', VALS: 'lane.vals' })];
  for (let k = 1; k <= L; k++) {
    const fields = { OUT: `lane.row${k}`, B: `${params}.b${k}`, ACT: k < L ? activationOf(plan, k) : 'none', RUNS: `runs${k}`, VALID_END: layout.layers[k - 1].validEnd };
    const bn = k < L ? batchNormOf(plan, k) : undefined;
    const dropout = k < L ? dropoutOf(plan, k) : undefined;
    // With batch norm or dropout, the Affine's sums come first, then C_NORM: test mode (book 6.3, 6.4.3).
    const affine = bn !== undefined || dropout !== undefined ? { ...fields, ACT: 'none' } : fields;
    if (k === 1) ops.push(op('C_SPARSE', { ...affine, SHIFTS: 'w1Shifts' }));
    else ops.push(op('C_DENSE', { ...affine, W: `${params}.W${k}`, W_ROW_BYTES: width(k) * 4, IN: `lane.row${k - 1}`, IN_COUNT: width(k - 1), SKIP: zerosIn(plan, k - 1, width(k)) }));
    if (affine !== fields) {
      const stats = params === 'params' ? 'stats' : 'statsCopy';
      ops.push(
        op('C_NORM', {
          OUT: `lane.row${k}`, BN: bn === undefined ? 0 : 1, GAMMA: bn === undefined ? 0 : `${params}.${bn.gamma}`, BETA: bn === undefined ? 0 : `${params}.${bn.beta}`,
          MEAN: bn === undefined ? 0 : `${stats}.${bn.runningMean}`, VAR: bn === undefined ? 0 : `${stats}.${bn.runningVar}`,
          ACT: fields.ACT, SCALE: f32Bits(dropout === undefined ? 1 : 1 - dropout.dropoutRatio), RUNS: `runs${k}`, VALID_END: layout.layers[k - 1].validEnd,
        }),
      );
    }
  }
  ops.push(op('C_ARGMAX', { IN: `lane.row${L}`, C: plan.sizes[L] }), op('END'));
  return ops;
}

