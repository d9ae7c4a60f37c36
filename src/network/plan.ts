/**
 * The plan of a network: a NetSpec turned into the ordered list of named layers and the
 * parameters they use, as pure data (no matrices, no random numbers). The names are the
 * book's: Affine1, Relu1 (or Sigmoid1, Tanh1), Affine2, ..., AffineL, then SoftmaxWithLoss,
 * with L = hidden layers + 1; Affine_i uses W_i (n_{i-1} x n_i) and b_i (1 x n_i).
 * With batch norm and dropout (the book's MultiLayerNetExtend) each hidden block is
 * Affine_i -> BatchNorm_i -> activation_i -> Dropout_i, BatchNorm_i using gamma_i and beta_i
 * (1 x n_i) and the buffers running_mean_i, running_var_i; nothing follows the last Affine.
 *
 * MultiLayerNet builds its layers from this list; anything else that runs the same network
 * (a faster executor, a model file's metadata) can read the same list.
 */
import type { Activation, ResolvedNetSpec } from './spec.js';

export type LayerPlan =
  | { readonly kind: 'affine'; readonly name: string; readonly W: string; readonly b: string; readonly inputSize: number; readonly outputSize: number }
  | { readonly kind: 'activation'; readonly name: string; readonly activation: Activation; readonly size: number }
  | {
      readonly kind: 'batchnorm';
      readonly name: string;
      readonly gamma: string;
      readonly beta: string;
      readonly runningMean: string;
      readonly runningVar: string;
      readonly size: number;
    }
  /** `index` is i of Dropout_i: the `layer` its masks are hashed with (dropout-mask.ts). */
  | { readonly kind: 'dropout'; readonly name: string; readonly index: number; readonly dropoutRatio: number; readonly size: number }
  | { readonly kind: 'softmax-with-loss'; readonly name: 'SoftmaxWithLoss'; readonly size: number };

export interface ParamPlan {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /**
   * 'weight' entries are drawn at random and take weight decay; 'bias' entries start at 0;
   * batch norm's 'gamma' start at 1 and 'beta' at 0. Only 'weight' entries are decayed.
   */
  readonly role: 'weight' | 'bias' | 'gamma' | 'beta';
  /** The width of the layer feeding this one (n_{i-1}): the fan-in of the named init scales. */
  readonly fanIn: number;
}

/** State that is not trained by gradients (batch norm's running stats): 1 x cols, starting at 0. */
export interface BufferPlan {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
}

export interface NetPlan {
  /** [inputSize, ...hiddenSizeList, outputSize]. */
  readonly sizes: readonly number[];
  readonly layers: readonly LayerPlan[];
  /**
   * In the book's order, W1, b1, W2, b2, ... (with batch norm W1, b1, gamma1, beta1, W2, ...):
   * also the order the weights are drawn in.
   */
  readonly params: readonly ParamPlan[];
  /** running_mean1, running_var1, running_mean2, ... with batch norm; empty without. */
  readonly buffers: readonly BufferPlan[];
}

const ACTIVATION_LAYER_NAMES: Record<Activation, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

export function planNet(spec: ResolvedNetSpec): NetPlan {
  const sizes = [spec.inputSize, ...spec.hiddenSizeList, spec.outputSize];
  const layers: LayerPlan[] = [];
  const params: ParamPlan[] = [];
  const buffers: BufferPlan[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [inputSize, outputSize] = [sizes[i - 1], sizes[i]];
    const W = `W${i}`;
    const b = `b${i}`;
    layers.push({ kind: 'affine', name: `Affine${i}`, W, b, inputSize, outputSize });
    params.push({ name: W, rows: inputSize, cols: outputSize, role: 'weight', fanIn: inputSize });
    params.push({ name: b, rows: 1, cols: outputSize, role: 'bias', fanIn: inputSize });
    if (i < sizes.length - 1) {
      const size = outputSize;
      if (spec.useBatchnorm) {
        const [gamma, beta, runningMean, runningVar] = [`gamma${i}`, `beta${i}`, `running_mean${i}`, `running_var${i}`];
        layers.push({ kind: 'batchnorm', name: `BatchNorm${i}`, gamma, beta, runningMean, runningVar, size });
        params.push({ name: gamma, rows: 1, cols: size, role: 'gamma', fanIn: size });
        params.push({ name: beta, rows: 1, cols: size, role: 'beta', fanIn: size });
        buffers.push({ name: runningMean, rows: 1, cols: size }, { name: runningVar, rows: 1, cols: size });
      }
      const name = `${ACTIVATION_LAYER_NAMES[spec.activation]}${i}`;
      layers.push({ kind: 'activation', name, activation: spec.activation, size });
      if (spec.useDropout) layers.push({ kind: 'dropout', name: `Dropout${i}`, index: i, dropoutRatio: spec.dropoutRatio, size });
    }
  }
  layers.push({ kind: 'softmax-with-loss', name: 'SoftmaxWithLoss', size: spec.outputSize });
  return { sizes, layers, params, buffers };
}
