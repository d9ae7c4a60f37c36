/**
 * MultiLayerNet (book 6.1 to 6.4, `common/multi_layer_net.py`): a fully connected net of any
 * depth, Affine1 -> Relu1 -> ... -> AffineL with SoftmaxWithLoss on top, built from a NetSpec
 * through plan.ts (names) and init.ts (weights). This is the reference executor: plain
 * layers over the kernels, the oracle any faster executor is checked against.
 *
 * `params` holds W1, b1, ..., WL, bL: the very Matrix objects the Affine layers use, so an
 * optimiser that updates params in place updates the layers, and the numerical gradient can
 * perturb them.
 *
 * Weight decay (book 6.4.2) with lambda > 0: the loss gains (lambda / 2) sum_i sum(W_i^2)
 * over every weight matrix, the output one included (no b), and each W_i's gradient gains
 * lambda W_i. With lambda = 0 neither is computed, so the numbers are those of plain backprop.
 *
 * Batch norm and dropout (book 6.3, 6.4.3, `common/multi_layer_net_extend.py`), with
 * `useBatchnorm` / `useDropout`: each hidden block is Affine_i -> BatchNorm_i -> activation_i
 * -> Dropout_i. `params` gains gamma_i (ones) and beta_i (zeros), never decayed; `buffers`
 * holds running_mean_i and running_var_i, the very matrices the BatchNorm layers update.
 * predict and loss run test mode unless asked; gradient and numericalGradient run train mode.
 * The dropout masks hash (seed, iteration, i, row, unit) (layers/dropout-mask.ts); `iteration`
 * advances by one per gradient call and can be set, so a resumed run draws the same masks.
 */
import { Matrix, type DType } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import { argmax } from '../kernels/js.js';
import type { Labels } from '../kernels/kernels.js';
import { Random } from '../data/random.js';
import { Affine } from '../layers/affine.js';
import { Relu } from '../layers/relu.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { Tanh } from '../layers/tanh.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Dropout } from '../layers/dropout.js';
import { checkLabels, checkTruth, SoftmaxWithLoss, type Truth } from '../layers/softmax-with-loss.js';
import { numericalGradient } from './numerical-gradient.js';
import { initParams } from './init.js';
import { planNet, type NetPlan } from './plan.js';
import { resolveSpec, type NetSpec, type ResolvedNetSpec } from './spec.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

export interface MultiLayerNetOptions extends NetSpec {
  /** The book's weight_decay_lambda: 0 (the default) for none. */
  weightDecayLambda?: number;
  /** Seed of the generator that draws W1, then W2, ..., and of the dropout masks (default 1). */
  seed?: number;
  /** 'float32' (the default) to train, 'float64' for the gradient check. */
  dtype?: DType;
}

/** Every key of MultiLayerNetOptions, for checkOptionKeys. */
const OPTION_KEYS = keysOf<MultiLayerNetOptions>()([
  'inputSize', 'hiddenSizeList', 'outputSize', 'activation', 'weightInitStd', 'useBatchnorm', 'useDropout', 'dropoutRatio', 'weightDecayLambda', 'seed', 'dtype',
]);

export type AffineEntry = { readonly kind: 'affine'; readonly name: string; readonly layer: Affine; readonly W: string; readonly b: string };
export type ActivationEntry = { readonly kind: 'activation'; readonly name: string; readonly layer: Relu | Sigmoid | Tanh };
export type BatchNormEntry = {
  readonly kind: 'batchnorm';
  readonly name: string;
  readonly layer: BatchNormalization;
  readonly gamma: string;
  readonly beta: string;
  readonly runningMean: string;
  readonly runningVar: string;
};
export type DropoutEntry = { readonly kind: 'dropout'; readonly name: string; readonly layer: Dropout; readonly index: number };
/** One layer of the net under its plan name (Affine1, BatchNorm1, Relu1, Dropout1, ...). */
export type NetLayer = AffineEntry | BatchNormEntry | ActivationEntry | DropoutEntry;

/** What `gradient` returns: one Matrix per parameter, keyed like `params`, and the loss. */
export type Gradients<P extends string = string> = Record<P, Matrix> & { loss: number };

/** A layer as the net runs it; `train` is for batch norm and dropout, the others ignore it. */
interface RunLayer {
  forward(x: Matrix, train: boolean): Matrix;
  backward(dout: Matrix): Matrix;
}

const ACTIVATION_LAYERS = { relu: Relu, sigmoid: Sigmoid, tanh: Tanh } as const;

/** P names the parameters for a preset that knows them (TwoLayerNet: W1, b1, W2, b2); otherwise string. */
export class MultiLayerNet<P extends string = string> {
  readonly spec: ResolvedNetSpec;
  readonly plan: NetPlan;
  readonly weightDecayLambda: number;
  /** W1, b1, ..., WL, bL: the very matrices the layers hold, frozen (write into .data to change a weight). */
  readonly params: Readonly<Record<P, Matrix>>;
  /** Batch norm's running stats, running_mean1, running_var1, ...: state, not trained (empty without batch norm). */
  readonly buffers: Readonly<Record<string, Matrix>>;
  /** Every layer that predict runs, in order; the loss layer is `lastLayer`, as in the book. */
  readonly layers: readonly NetLayer[];
  readonly lastLayer = new SoftmaxWithLoss();
  private readonly who: string;
  private readonly affines: readonly AffineEntry[];
  private readonly run: readonly RunLayer[];
  private readonly dropouts: readonly DropoutEntry[];
  /** Seed of the weights and of the dropout masks. */
  readonly seed: number;
  private iterationCount = 0;
  /** What gradient returns for each param, in plan order: live buffers of the layers (or decayGrads). */
  private readonly gradSources: Record<string, Matrix>;
  /** The gradient of each W_i with its decay term (lambda > 0 only): dW_i + lambda W_i. */
  private readonly decayGrads: readonly Matrix[] | null;

  constructor(options: MultiLayerNetOptions) {
    this.who = new.target.name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${this.who}: options must be an object ({ inputSize, hiddenSizeList, outputSize, ... })`);
    checkOptionKeys(this.who, options, OPTION_KEYS);
    const { weightDecayLambda = 0, seed = 1, dtype = 'float32' } = options;
    this.spec = resolveSpec(options, this.who);
    if (!Number.isFinite(weightDecayLambda) || weightDecayLambda < 0) {
      throw new RangeError(`${this.who}: weightDecayLambda must be a finite number >= 0, got ${weightDecayLambda}`);
    }
    if (!Number.isInteger(seed)) throw new RangeError(`${this.who}: seed must be an integer, got ${seed}`);
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new RangeError(`${this.who}: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    }
    this.weightDecayLambda = weightDecayLambda;
    this.plan = planNet(this.spec);
    const params = initParams(this.plan, this.spec.weightInitStd, new Random(seed), dtype);
    this.params = Object.freeze(params) as Record<P, Matrix>; // the layers hold these very matrices: a new one in params would train nothing (write into .data instead)
    const buffers: Record<string, Matrix> = {};
    for (const b of this.plan.buffers) buffers[b.name] = Matrix.zeros(b.rows, b.cols, dtype);
    this.buffers = Object.freeze(buffers);
    this.seed = seed;

    const layers: NetLayer[] = [];
    for (const p of this.plan.layers) {
      if (p.kind === 'affine') layers.push({ kind: 'affine', name: p.name, layer: new Affine(params[p.W], params[p.b]), W: p.W, b: p.b });
      if (p.kind === 'batchnorm') {
        const layer = new BatchNormalization(params[p.gamma], params[p.beta], 0.9, buffers[p.runningMean], buffers[p.runningVar]);
        layers.push({ kind: 'batchnorm', name: p.name, layer, gamma: p.gamma, beta: p.beta, runningMean: p.runningMean, runningVar: p.runningVar });
      }
      if (p.kind === 'activation') layers.push({ kind: 'activation', name: p.name, layer: new ACTIVATION_LAYERS[p.activation]() });
      if (p.kind === 'dropout') layers.push({ kind: 'dropout', name: p.name, layer: new Dropout(p.dropoutRatio), index: p.index });
    }
    this.layers = layers;
    this.run = layers.map((entry) => entry.layer);
    this.affines = layers.filter((entry): entry is AffineEntry => entry.kind === 'affine');
    this.dropouts = layers.filter((entry): entry is DropoutEntry => entry.kind === 'dropout');
    this.decayGrads = weightDecayLambda > 0 ? this.affines.map(({ layer: { W } }) => Matrix.zeros(W.rows, W.cols, dtype)) : null;

    const sources: Record<string, Matrix> = {};
    this.affines.forEach(({ layer, W, b }, i) => {
      sources[W] = this.decayGrads?.[i] ?? layer.dW;
      sources[b] = layer.db;
    });
    for (const entry of layers) {
      if (entry.kind !== 'batchnorm') continue;
      sources[entry.gamma] = entry.layer.dgamma;
      sources[entry.beta] = entry.layer.dbeta;
    }
    this.gradSources = {};
    for (const { name } of this.plan.params) this.gradSources[name] = sources[name];
  }

  /**
   * The iteration the dropout masks of the next training forward are drawn for (0 at first):
   * gradient() advances it by one after its pass; set it to resume a run's masks.
   */
  get iteration(): number {
    return this.iterationCount;
  }

  set iteration(value: number) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${this.who}: iteration must be an integer >= 0, got ${value}`);
    this.iterationCount = value;
  }

  get dtype(): DType {
    return this.affines[0].layer.W.dtype;
  }

  /** Raw class scores (no softmax): x (N x inputSize) -> N x outputSize. */
  predict(x: Matrix, train = false): Matrix {
    if (x.cols !== this.spec.inputSize) {
      throw new RangeError(`${this.who}.predict: x has ${x.cols} columns, expected inputSize ${this.spec.inputSize}`);
    }
    if (train) for (const { layer, index } of this.dropouts) layer.setMaskContext(this.seed, this.iterationCount, index);
    let y = x;
    for (const layer of this.run) y = layer.forward(y, train);
    return y;
  }

  /** Mean cross-entropy of the batch, plus the weight-decay term when lambda > 0. */
  loss(x: Matrix, t: Truth, train = false): number {
    // Checked first: a refused call must leave batch norm's running statistics as they were.
    checkTruth(t, x.rows, this.spec.outputSize, `${this.who}.loss`);
    const crossEntropy = this.lastLayer.forward(this.predict(x, train), t);
    const lambda = this.weightDecayLambda;
    if (lambda === 0) return crossEntropy;
    let sumSquares = 0;
    for (const { layer } of this.affines) for (const w of layer.W.data) sumSquares += w * w;
    return crossEntropy + 0.5 * lambda * sumSquares;
  }

  /** Share of rows whose highest score is the true class (test mode). */
  accuracy(x: Matrix, t: Truth): number {
    return this.countCorrect(x, t) / x.rows;
  }

  /** Number of rows whose highest score is the true class (test mode). */
  countCorrect(x: Matrix, t: Truth): number {
    const labels = toLabels(t);
    checkLabels(labels, x.rows, this.spec.outputSize, `${this.who}.accuracy`);
    const scores = this.predict(x);
    return kernels().countCorrect(scores.data, labels, scores.rows, scores.cols);
  }

  /**
   * Backprop (train mode): forward with the loss, then backward from dout = 1 through the
   * layers in reverse. Returns the layers' live dW/db (and dgamma/dbeta) buffers, overwritten
   * by the next call (with weight decay, W's are the net's own dW + lambda W buffers), and the
   * loss of this very forward pass, so a training loop never runs a second one to log it.
   * The running stats move once and `iteration` advances by one.
   */
  gradient(x: Matrix, t: Truth): Gradients<P> {
    const loss = this.loss(x, t, true);
    let dout = this.lastLayer.backward(1);
    for (let i = this.run.length - 1; i > 0; i--) dout = this.run[i].backward(dout);
    this.affines[0].layer.backwardParams(dout); // layer 0 is always Affine1: dX of the input is never needed

    const lambda = this.weightDecayLambda;
    this.affines.forEach(({ layer }, i) => {
      const decayed = this.decayGrads?.[i];
      if (decayed === undefined) return;
      for (let k = 0; k < decayed.size; k++) decayed.data[k] = layer.dW.data[k] + lambda * layer.W.data[k];
    });
    this.iterationCount++;
    return Object.assign({}, this.gradSources, { loss }) as Gradients<P>;
  }

  /**
   * Central-difference gradient of every parameter, in train mode (slow: for checking `gradient`),
   * with the dropout masks of the current iteration, which it does not advance: a following
   * gradient() sees the same masks. NOTE: unlike the book's, it leaves the running stats as
   * they were (its many train-mode forwards would otherwise each move them).
   */
  numericalGradient(x: Matrix, t: Truth): Record<P, Matrix> {
    const f = (): number => this.loss(x, t, true);
    const saved = Object.values(this.buffers).map((m) => m.data.slice());
    const params: Record<string, Matrix> = this.params;
    const grads: Record<string, Matrix> = {};
    for (const { name } of this.plan.params) grads[name] = numericalGradient(f, params[name]);
    Object.values(this.buffers).forEach((m, i) => m.data.set(saved[i]));
    return grads as Record<P, Matrix>;
  }
}

/** Class indices from labels or a one-hot matrix (argmax of each row). */
function toLabels(t: Truth): Labels {
  if (!(t instanceof Matrix)) return t;
  const labels = new Int32Array(t.rows);
  for (let i = 0; i < t.rows; i++) labels[i] = argmax(t.data, i * t.cols, t.cols);
  return labels;
}
