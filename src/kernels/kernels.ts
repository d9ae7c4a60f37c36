/**
 * The kernel interface: every piece of arithmetic the layers need, as free functions over
 * flat row-major arrays. A backend (plain TypeScript in js.ts, WebAssembly later) implements
 * all of it; layers call kernels and never loop over numbers themselves.
 *
 * Shape legend, used in every kernel comment:
 *   N  batch rows          D  input features (784 for MNIST)
 *   H  hidden units        C  classes (10)
 *   M, K  generic sizes of a product (M x K) . (K x N')
 *
 * Convention (llm.c): destination first, then inputs, then sizes. A destination is
 * overwritten, never accumulated into, unless the name says so.
 */
import type { FloatArray } from './matrix.js';

/** Integer class labels, one per row. */
export type Labels = Uint8Array | Int32Array | readonly number[];

export interface Kernels {
  readonly name: string;
  /** out (M x P) = a (M x K) . b (K x P). Zero entries of a are skipped (sparse MNIST rows). */
  matmul(out: FloatArray, a: FloatArray, b: FloatArray, M: number, K: number, P: number): void;
  /** out (M x K) = a (M x P) . b^T, b stored as (K x P): dX = dY W^T without building W^T. */
  matmulTransB(out: FloatArray, a: FloatArray, b: FloatArray, M: number, P: number, K: number): void;
  /** out (K x P) = a^T . b, a stored as (M x K), b as (M x P): dW = X^T dY. Zeros of a skipped. */
  matmulTransA(out: FloatArray, a: FloatArray, b: FloatArray, M: number, K: number, P: number): void;
  /** out (N x H) += bias (H) on every row. */
  addRowVector(out: FloatArray, bias: FloatArray, N: number, H: number): void;
  /** out (H) = column sums of a (N x H): db = sum over the batch of dY. */
  sumColumns(out: FloatArray, a: FloatArray, N: number, H: number): void;
  /** y = max(x, 0); mask[i] = 1 where x > 0. */
  reluForward(y: FloatArray, mask: Uint8Array, x: FloatArray, len: number): void;
  /** dx = dout where mask, else 0. */
  reluBackward(dx: FloatArray, dout: FloatArray, mask: Uint8Array, len: number): void;
  /** y = 1 / (1 + exp(-x)). */
  sigmoidForward(y: FloatArray, x: FloatArray, len: number): void;
  /** dx = dout * y * (1 - y). */
  sigmoidBackward(dx: FloatArray, dout: FloatArray, y: FloatArray, len: number): void;
  /**
   * y (N x C) = softmax of each row of a. Returns the summed cross-entropy
   * sum_i -log y[i, labels[i]], computed as log-softmax; with labels = null, returns 0.
   */
  softmaxCrossEntropy(y: FloatArray, a: FloatArray, labels: Labels | null, N: number, C: number): number;
  /** dx = scale * (y - onehot(labels)). */
  softmaxGradLabels(dx: FloatArray, y: FloatArray, labels: Labels, scale: number, N: number, C: number): void;
  /** Number of rows whose argmax equals the label. */
  countCorrect(scores: FloatArray, labels: Labels, N: number, C: number): number;
  /** p -= lr * g. */
  sgdStep(p: FloatArray, g: FloatArray, lr: number, len: number): void;
}
