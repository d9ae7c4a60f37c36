/**
 * TwoLayerNet (book 5.7): Affine1 -> Relu1 -> Affine2, with SoftmaxWithLoss on top.
 *
 * W1 (D x H) and W2 (H x C) start as weightInitStd * N(0, 1) from a seeded generator,
 * b1 and b2 at zero. `params` holds the same Matrix objects the Affine layers use, so an
 * optimiser that updates params in place updates the layers.
 */
import { Matrix, type DType } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import { argmax } from '../kernels/js.js';
import type { Labels } from '../kernels/kernels.js';
import { Random } from '../data/random.js';
import { Affine } from '../layers/affine.js';
import { Relu } from '../layers/relu.js';
import { SoftmaxWithLoss, type Truth } from '../layers/softmax-with-loss.js';
import { numericalGradient } from './numerical-gradient.js';

export const PARAM_NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type Params = Record<ParamName, Matrix>;

export interface TwoLayerNetOptions {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** Standard deviation of the initial weights (the book's 0.01). */
  weightInitStd?: number;
  /** Seed of the generator that draws W1 then W2. */
  seed?: number;
  dtype?: DType;
}

export class TwoLayerNet {
  readonly params: Params;
  readonly affine1: Affine;
  readonly relu1 = new Relu();
  readonly affine2: Affine;
  readonly lastLayer = new SoftmaxWithLoss();

  constructor(options: TwoLayerNetOptions) {
    const { inputSize, hiddenSize, outputSize, weightInitStd = 0.01, seed = 1, dtype = 'float32' } = options;
    for (const [name, v] of Object.entries({ inputSize, hiddenSize, outputSize })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`TwoLayerNet: ${name} must be a positive integer, got ${v}`);
    }
    const random = new Random(seed);
    const gaussian = (rows: number, cols: number): Matrix => {
      const m = Matrix.zeros(rows, cols, dtype);
      for (let i = 0; i < m.size; i++) m.data[i] = weightInitStd * random.nextGaussian();
      return m;
    };
    this.params = {
      W1: gaussian(inputSize, hiddenSize),
      b1: Matrix.zeros(1, hiddenSize, dtype),
      W2: gaussian(hiddenSize, outputSize),
      b2: Matrix.zeros(1, outputSize, dtype),
    };
    this.affine1 = new Affine(this.params.W1, this.params.b1);
    this.affine2 = new Affine(this.params.W2, this.params.b2);
  }

  get dtype(): DType {
    return this.params.W1.dtype;
  }

  /** Raw class scores (no softmax): x (N x D) -> N x C. */
  predict(x: Matrix): Matrix {
    return this.affine2.forward(this.relu1.forward(this.affine1.forward(x)));
  }

  /** Mean cross-entropy loss of the batch. */
  loss(x: Matrix, t: Truth): number {
    return this.lastLayer.forward(this.predict(x), t);
  }

  /** Share of rows whose highest score is the true class. */
  accuracy(x: Matrix, t: Truth): number {
    return this.countCorrect(x, t) / x.rows;
  }

  /** Number of rows whose highest score is the true class. */
  countCorrect(x: Matrix, t: Truth): number {
    const scores = this.predict(x);
    return kernels().countCorrect(scores.data, toLabels(t), scores.rows, scores.cols);
  }

  /**
   * Backprop: forward with the loss, then backward from dout = 1 through the layers in
   * reverse. Returns the layers' live dW/db buffers (overwritten by the next call) and the
   * loss of this very forward pass, so a training loop never runs a second one to log it.
   */
  gradient(x: Matrix, t: Truth): Params & { loss: number } {
    const loss = this.loss(x, t);
    let dout = this.lastLayer.backward(1);
    dout = this.affine2.backward(dout);
    dout = this.relu1.backward(dout);
    this.affine1.backwardParams(dout); // dX of the pixels is never needed
    return { W1: this.affine1.dW, b1: this.affine1.db, W2: this.affine2.dW, b2: this.affine2.db, loss };
  }

  /** Central-difference gradient of every parameter (slow: for checking `gradient`). */
  numericalGradient(x: Matrix, t: Truth): Params {
    const f = (): number => this.loss(x, t);
    return {
      W1: numericalGradient(f, this.params.W1),
      b1: numericalGradient(f, this.params.b1),
      W2: numericalGradient(f, this.params.W2),
      b2: numericalGradient(f, this.params.b2),
    };
  }
}

/** Class indices from labels or a one-hot matrix (argmax of each row). */
function toLabels(t: Truth): Labels {
  if (!(t instanceof Matrix)) return t;
  const labels = new Int32Array(t.rows);
  for (let i = 0; i < t.rows; i++) labels[i] = argmax(t.data, i * t.cols, t.cols);
  return labels;
}
