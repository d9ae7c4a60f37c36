/**
 * The plan of a network: a NetSpec turned into the ordered list of named layers and the
 * parameters they use, as pure data (no matrices, no random numbers). The names are the
 * book's: Affine1, Relu1 (or Sigmoid1, Tanh1), Affine2, ..., AffineL, then SoftmaxWithLoss,
 * with L = hidden layers + 1; Affine_i uses W_i (n_{i-1} x n_i) and b_i (1 x n_i).
 *
 * MultiLayerNet builds its layers from this list; anything else that runs the same network
 * (a faster executor, a model file's metadata) can read the same list.
 */
import type { Activation, ResolvedNetSpec } from './spec.js';

export type LayerPlan =
  | { readonly kind: 'affine'; readonly name: string; readonly W: string; readonly b: string; readonly inputSize: number; readonly outputSize: number }
  | { readonly kind: 'activation'; readonly name: string; readonly activation: Activation; readonly size: number }
  | { readonly kind: 'softmax-with-loss'; readonly name: 'SoftmaxWithLoss'; readonly size: number };

export interface ParamPlan {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** 'weight' entries are drawn at random and take weight decay; 'bias' entries start at 0. */
  readonly role: 'weight' | 'bias';
  /** The width of the layer feeding this one (n_{i-1}): the fan-in of the named init scales. */
  readonly fanIn: number;
}

export interface NetPlan {
  /** [inputSize, ...hiddenSizeList, outputSize]. */
  readonly sizes: readonly number[];
  readonly layers: readonly LayerPlan[];
  /** In the book's order, W1, b1, W2, b2, ...: also the order the weights are drawn in. */
  readonly params: readonly ParamPlan[];
}

const ACTIVATION_LAYER_NAMES: Record<Activation, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

export function planNet(spec: ResolvedNetSpec): NetPlan {
  const sizes = [spec.inputSize, ...spec.hiddenSizeList, spec.outputSize];
  const layers: LayerPlan[] = [];
  const params: ParamPlan[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [inputSize, outputSize] = [sizes[i - 1], sizes[i]];
    const W = `W${i}`;
    const b = `b${i}`;
    layers.push({ kind: 'affine', name: `Affine${i}`, W, b, inputSize, outputSize });
    params.push({ name: W, rows: inputSize, cols: outputSize, role: 'weight', fanIn: inputSize });
    params.push({ name: b, rows: 1, cols: outputSize, role: 'bias', fanIn: inputSize });
    if (i < sizes.length - 1) {
      const name = `${ACTIVATION_LAYER_NAMES[spec.activation]}${i}`;
      layers.push({ kind: 'activation', name, activation: spec.activation, size: outputSize });
    }
  }
  layers.push({ kind: 'softmax-with-loss', name: 'SoftmaxWithLoss', size: spec.outputSize });
  return { sizes, layers, params };
}
