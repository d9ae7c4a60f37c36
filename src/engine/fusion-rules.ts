/**
 * The fusion rules of the step program (program.ts): each a rewrite of the op list, named,
 * applied in this order, and tested on its own (test/engine/program.test.ts for the rewrite,
 * fusion-rules.test.ts for the numbers). Rules 1 to 3 move work between ops without changing
 * a float operation or its order; rule 4 changes W1's rounding (see it).
 */
import type { OptimizerName } from '../optim/optimizer.js';
import type { W1Layout } from './layout.js';
import { op, type Op } from './op.js';

export const FUSION_RULES = ['sparseInput', 'affineActivation', 'affineSoftmax', 'sgdFromPixelLists'] as const;
export type FusionRule = (typeof FUSION_RULES)[number];

/** What rule 4 needs to know of the training. */
export interface RuleOptions {
  optimizer: OptimizerName;
  weightDecayLambda: number;
}

/**
 * Rule 1, sparseInput: the first layer reads the batch's pixel lists (its nonzero pixels only,
 * x = byte / 255) instead of dense float rows: LIST replaces GATHER, and the first Affine's
 * forward and its dW1 go over the lists (SPARSE_AFFINE, SPARSE_GRAD). The same sums in the
 * same order, less the zero terms.
 */
export function sparseInput(ops: readonly Op[], w1: W1Layout): Op[] {
  const first = ops.find((o) => o.name === 'DENSE_AFFINE' && o.fields.IN === 'X');
  if (first === undefined) return [...ops];
  // W1 as layout.ts's W1Layout stores it (in column blocks with several threads).
  const rowBytes = w1.rowBytes;
  return ops.map((o): Op => {
    const f = o.fields;
    if (o.name === 'GATHER') return op('LIST', { W: 'params.W1', ROW_BYTES: rowBytes });
    if (o === first) return op('SPARSE_AFFINE', { OUT: f.OUT, OUT_ROW_BYTES: f.OUT_ROW_BYTES, B: f.B, ACT: f.ACT, RUNS: f.RUNS, VALID_END: f.VALID_END, SHIFTS: 'w1Shifts' });
    if (o.name === 'DENSE_BACKWARD' && f.X === 'X') {
      return op('SPARSE_GRAD', { DA: f.DY, DA_ROW_BYTES: f.DY_ROW_BYTES, DB: f.DB, RUNS: f.DB_RUNS, DW: f.DW, W: f.W, W_ROW_BYTES: rowBytes, SHIFTS: 'w1Shifts' });
    }
    if (o.name === 'DECAY_SUMS' && f.W === 'params.W1') return op('DECAY_SUMS', { ...f, W_ROW_BYTES: rowBytes, SHIFTS: 'w1Shifts' });
    return o;
  });
}

/**
 * Rule 2, affineActivation: an Affine and the activation after it are one op (the activation
 * applied to the sums while they are in registers), and so are the Affine's dX and the
 * activation's backward (dA = dX * act'(h)).
 */
export function affineActivation(ops: readonly Op[]): Op[] {
  const out: Op[] = [];
  for (const o of ops) {
    const last = out[out.length - 1];
    if (o.name === 'ACTIVATION' && last !== undefined && (last.name === 'DENSE_AFFINE' || last.name === 'SPARSE_AFFINE') && last.fields.OUT === o.fields.OUT) {
      out[out.length - 1] = op(last.name, { ...last.fields, ACT: o.fields.ACT });
    } else if (o.name === 'ACT_BACKWARD' && last !== undefined && last.name === 'DENSE_BACKWARD' && last.fields.DX === o.fields.DA) {
      out[out.length - 1] = op('DENSE_BACKWARD', { ...last.fields, ACT: o.fields.ACT });
    } else {
      out.push(o);
    }
  }
  return out;
}

/**
 * Rule 3, affineSoftmax: the last Affine and SoftmaxWithLoss are one op per image: its scores,
 * its loss -log y_t = log sum exp(a - max) - (a_t - max), and dL/dscores = (y - t) / N, each
 * image's on one thread (the scores need a whole hidden row).
 */
export function affineSoftmax(ops: readonly Op[]): Op[] {
  const out: Op[] = [];
  for (const o of ops) {
    const last = out[out.length - 1];
    if (o.name === 'SOFTMAX_LOSS' && last !== undefined && (last.name === 'DENSE_AFFINE' || last.name === 'SPARSE_AFFINE') && last.fields.OUT === 'dy') {
      const f = last.fields;
      const sparse = last.name === 'SPARSE_AFFINE';
      out[out.length - 1] = op('AFFINE_SOFTMAX', {
        OUT: 'dy', OUT_ROW_BYTES: f.OUT_ROW_BYTES, B: f.B, W: sparse ? 0 : f.W, W_ROW_BYTES: sparse ? 0 : f.W_ROW_BYTES,
        IN: sparse ? 0 : f.IN, IN_ROW_BYTES: sparse ? 0 : f.IN_ROW_BYTES, IN_COUNT: sparse ? 0 : f.IN_COUNT,
        C: o.fields.C, LOSSES: o.fields.LOSSES, SPARSE: sparse ? 1 : 0, SKIP: sparse ? 0 : f.SKIP,
      });
    } else {
      out.push(o);
    }
  }
  return out;
}

/**
 * Rule 4, sgdFromPixelLists: with plain SGD and no weight decay, W1's step goes straight from
 * the pixel lists, image by image (W1[pixel, :] -= (lr x) dA1[image, :]), and dW1 is never
 * stored; UPDATE then steps every parameter but W1. Applies after sparseInput only.
 * NOTE: this changes W1's rounding: each image's share is subtracted in turn, instead of the
 * batch's sum at once.
 */
export function sgdFromPixelLists(ops: readonly Op[], options: RuleOptions): Op[] {
  if (options.optimizer !== 'sgd' || options.weightDecayLambda > 0) return [...ops];
  if (!ops.some((o) => o.name === 'SPARSE_GRAD')) return [...ops];
  return ops.map((o): Op => {
    if (o.name === 'SPARSE_GRAD') {
      const f = o.fields;
      return op('SPARSE_SGD', { DA: f.DA, DA_ROW_BYTES: f.DA_ROW_BYTES, DB: f.DB, RUNS: f.RUNS, SHIFTS: f.SHIFTS });
    }
    if (o.name === 'UPDATE') return op('UPDATE', { ...o.fields, REGIONS: 'regionsWithoutW1' });
    return o;
  });
}

