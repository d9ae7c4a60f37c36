/**
 * BatchNormalization (book 6.3, Ioffe & Szegedy 2015), per feature over the N rows of x (N x D):
 *   train: mu = mean(x), xc = x - mu, var = mean(xc^2) (divided by N), std = sqrt(var + 1e-6),
 *          xn = xc / std, out = gamma xn + beta;
 *          running = momentum running + (1 - momentum) batch value, for mu and var
 *   test:  out = gamma (x - runningMean) / sqrt(runningVar + 1e-6) + beta; nothing is updated
 * Backward (of a training forward), means over the rows:
 *   dbeta = sum(dout), dgamma = sum(xn dout),
 *   dx = (gamma / std) (dout - mean(dout) - xn mean(xn dout))
 * which is what the book reaches step by step (dxn, dxc, dstd, dvar, dmu).
 *
 * NOTE: the book writes eps as `10e-7`, which is 1e-6. The running stats start at zeros and
 * use the biased var, so test-mode outputs are inflated early in training, as in the book.
 *
 * gamma, beta (1 x D) and the running stats are shared, not copied: the network lists the
 * same matrices as its params and buffers, and the running stats are updated in place.
 * Sums run in float64 whatever the dtype; xn, std and the outputs are stored in the dtype.
 */
import { Matrix, assertShape } from '../kernels/matrix.js';
import { BufferPool, type Layer } from './layer.js';

export const BATCH_NORM_EPS = 1e-6;

export class BatchNormalization implements Layer {
  readonly runningMean: Matrix;
  readonly runningVar: Matrix;
  readonly dgamma: Matrix;
  readonly dbeta: Matrix;
  /** xn of the last training forward (N x D), null before one or after a test forward. */
  xn: Matrix | null = null;
  /** sqrt(var + 1e-6) of the last training forward (1 x D). */
  readonly std: Matrix;
  /** Per-feature float64 scratch: the batch mean and var in forward, the two sums in backward. */
  private readonly colA: Float64Array;
  private readonly colB: Float64Array;
  private readonly outputs = new BufferPool();
  private readonly normalized = new BufferPool();
  private readonly grads = new BufferPool();

  constructor(
    readonly gamma: Matrix,
    readonly beta: Matrix,
    readonly momentum = 0.9,
    runningMean?: Matrix,
    runningVar?: Matrix,
  ) {
    const D = gamma.cols;
    assertShape('BatchNormalization: gamma', gamma, 1, D);
    assertShape('BatchNormalization: beta', beta, 1, D);
    if (!(Number.isFinite(momentum) && momentum >= 0 && momentum <= 1)) {
      throw new RangeError(`BatchNormalization: momentum must be a number in [0, 1], got ${momentum}`);
    }
    const dtype = gamma.dtype;
    for (const [name, m] of Object.entries({ beta, runningMean, runningVar })) {
      if (m === undefined) continue;
      assertShape(`BatchNormalization: ${name}`, m, 1, D);
      if (m.dtype !== dtype) throw new TypeError(`BatchNormalization: gamma and ${name} must have the same dtype`);
    }
    this.runningMean = runningMean ?? Matrix.zeros(1, D, dtype);
    this.runningVar = runningVar ?? Matrix.zeros(1, D, dtype);
    this.dgamma = Matrix.zeros(1, D, dtype);
    this.dbeta = Matrix.zeros(1, D, dtype);
    this.std = Matrix.zeros(1, D, dtype);
    this.colA = new Float64Array(D);
    this.colB = new Float64Array(D);
  }

  forward(x: Matrix, train = true): Matrix {
    const { rows: N, cols: D } = x;
    assertShape('BatchNormalization.forward: x', x, N, this.gamma.cols);
    // A batch's mean over 0 rows is 0/0: it would make the running statistics NaN for good.
    if (N === 0 && train) throw new RangeError('BatchNormalization.forward: an empty batch (0 rows) has no mean or variance');
    const out = this.outputs.get(N, D, x.dtype);
    const g = this.gamma.data;
    const b = this.beta.data;
    const rm = this.runningMean.data;
    const rv = this.runningVar.data;
    if (!train) {
      this.xn = null;
      const std = this.colB;
      for (let j = 0; j < D; j++) std[j] = Math.sqrt(rv[j] + BATCH_NORM_EPS);
      for (let i = 0; i < N; i++) {
        for (let j = 0, k = i * D; j < D; j++, k++) out.data[k] = g[j] * ((x.data[k] - rm[j]) / std[j]) + b[j];
      }
      return out;
    }
    const mu = this.colA.fill(0);
    const variance = this.colB.fill(0);
    for (let i = 0; i < N; i++) for (let j = 0, k = i * D; j < D; j++, k++) mu[j] += x.data[k];
    for (let j = 0; j < D; j++) mu[j] /= N;
    for (let i = 0; i < N; i++) {
      for (let j = 0, k = i * D; j < D; j++, k++) variance[j] += (x.data[k] - mu[j]) ** 2;
    }
    const std = this.std.data;
    for (let j = 0; j < D; j++) {
      variance[j] /= N;
      std[j] = Math.sqrt(variance[j] + BATCH_NORM_EPS);
    }
    const xn = this.normalized.get(N, D, x.dtype);
    for (let i = 0; i < N; i++) {
      for (let j = 0, k = i * D; j < D; j++, k++) {
        xn.data[k] = (x.data[k] - mu[j]) / std[j];
        out.data[k] = g[j] * xn.data[k] + b[j];
      }
    }
    this.xn = xn;
    const m = this.momentum;
    for (let j = 0; j < D; j++) {
      rm[j] = m * rm[j] + (1 - m) * mu[j];
      rv[j] = m * rv[j] + (1 - m) * variance[j];
    }
    return out;
  }

  /** Computes dgamma, dbeta and returns dx (of the last training forward). */
  backward(dout: Matrix): Matrix {
    const xn = this.xn;
    if (xn === null || xn.rows !== dout.rows) {
      throw new Error('BatchNormalization.backward: call forward in train mode with a batch of the same size first');
    }
    const { rows: N, cols: D } = xn;
    assertShape('BatchNormalization.backward: dout', dout, N, D);
    const dbeta = this.colA.fill(0); // sum(dout) = N mean(dout)
    const dgamma = this.colB.fill(0); // sum(xn dout) = N mean(xn dout)
    for (let i = 0; i < N; i++) {
      for (let j = 0, k = i * D; j < D; j++, k++) {
        dbeta[j] += dout.data[k];
        dgamma[j] += xn.data[k] * dout.data[k];
      }
    }
    this.dbeta.data.set(dbeta);
    this.dgamma.data.set(dgamma);
    const dx = this.grads.get(N, D, dout.dtype);
    const g = this.gamma.data;
    const std = this.std.data;
    for (let i = 0; i < N; i++) {
      for (let j = 0, k = i * D; j < D; j++, k++) {
        dx.data[k] = (g[j] / std[j]) * (dout.data[k] - dbeta[j] / N - (xn.data[k] * dgamma[j]) / N);
      }
    }
    return dx;
  }
}
