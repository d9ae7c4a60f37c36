/**
 * SoftmaxWithLoss (book 5.6.3): the last layer while training.
 *   forward:  y = softmax(a) row by row;  L = -(1/N) sum_i sum_k t_ik log y_ik
 *   backward: dA = dout * (y - t) / N
 * Softmax followed by cross-entropy has this clean gradient, the prediction minus the truth;
 * NOTE: the / N makes it the gradient of the per-example mean loss.
 *
 * NOTE: the book computes log(y + 1e-7) to avoid log(0). Here log y comes from log-softmax,
 * log y_k = a_k - max(a) - log sum_j exp(a_j - max(a)), which is finite without the 1e-7 and
 * makes (y - t) / N the exact derivative of L (with the 1e-7 it is off by ~1e-6 relative,
 * enough for the float64 gradient check to see).
 *
 * The truth t is either class indices (one per row) or a one-hot matrix of a's shape.
 */
import { Matrix, assertShape } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import type { Labels } from '../kernels/kernels.js';
import { BufferPool } from './layer.js';

export type Truth = Labels | Matrix;

export class SoftmaxWithLoss {
  loss = NaN;
  y: Matrix | null = null;
  t: Truth | null = null;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();

  forward(a: Matrix, t: Truth): number {
    const { rows: N, cols: C } = a;
    checkTruth(t, N, C);
    const y = this.outputs.get(N, C, a.dtype);
    this.y = y;
    this.t = t;
    if (t instanceof Matrix) {
      kernels().softmaxCrossEntropy(y.data, a.data, null, N, C);
      this.loss = oneHotCrossEntropy(a, t) / N;
    } else {
      this.loss = kernels().softmaxCrossEntropy(y.data, a.data, t, N, C) / N;
    }
    return this.loss;
  }

  backward(dout = 1): Matrix {
    const { y, t } = this;
    if (y === null || t === null) throw new Error('SoftmaxWithLoss.backward: call forward first');
    const { rows: N, cols: C } = y;
    const dx = this.grads.get(N, C, y.dtype);
    const scale = dout / N;
    if (t instanceof Matrix) {
      for (let i = 0; i < N * C; i++) dx.data[i] = (y.data[i] - t.data[i]) * scale;
    } else {
      kernels().softmaxGradLabels(dx.data, y.data, t, scale, N, C);
    }
    return dx;
  }
}

/** sum_i sum_k -t_ik log softmax(a_i)_k, with log-softmax as above. */
function oneHotCrossEntropy(a: Matrix, t: Matrix): number {
  const { rows: N, cols: C } = a;
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const r = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, a.data[r + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(a.data[r + j] - max);
    const logSum = Math.log(sum);
    for (let j = 0; j < C; j++) {
      const tk = t.data[r + j];
      if (tk !== 0) loss -= tk * (a.data[r + j] - max - logSum);
    }
  }
  return loss;
}

/** Throws unless `t` holds N labels, each an integer class in 0..C-1 (`who` names the caller in the message). */
export function checkLabels(t: Labels, N: number, C: number, who = 'SoftmaxWithLoss'): void {
  if (N === 0) throw new RangeError(`${who}: an empty batch (0 rows)`);
  // More labels than rows is the slip gradient(xBatch, tTrain): NumPy refuses it by shape.
  if (t.length !== N) throw new RangeError(`${who}: ${N} rows but ${t.length} labels`);
  for (let i = 0; i < N; i++) {
    const label = t[i];
    if (!Number.isInteger(label) || label < 0 || label >= C) {
      throw new RangeError(`${who}: label ${label} at row ${i} is not a class in 0..${C - 1}`);
    }
  }
}

/**
 * The truth for N rows of C scores: class indices (checkLabels) or a one-hot N x C Matrix.
 * @throws TypeError when t is neither, RangeError when it does not fit.
 */
export function checkTruth(t: Truth, N: number, C: number, who = 'SoftmaxWithLoss'): void {
  if (t instanceof Matrix) {
    if (N === 0) throw new RangeError(`${who}: an empty batch (0 rows)`);
    assertShape(`${who}: one-hot t`, t, N, C);
  } else if (Array.isArray(t) || t instanceof Uint8Array || t instanceof Int32Array) {
    checkLabels(t, N, C, who);
  } else {
    const got = t === undefined || t === null ? 'it is missing' : `got ${typeof t === 'object' ? 'an object' : `a ${typeof t}`}`;
    throw new TypeError(`${who}: t must be the labels (an array of class indices) or a one-hot Matrix; ${got}`);
  }
}
