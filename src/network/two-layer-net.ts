/**
 * TwoLayerNet (book 5.7): Affine1 -> Relu1 -> Affine2, with SoftmaxWithLoss on top. The
 * chapter-5 preset of MultiLayerNet: one hidden layer, ReLU, a plain std (default 0.01).
 *
 * W1 (D x H) and W2 (H x C) start as weightInitStd * N(0, 1) from a seeded generator, W1
 * then W2, b1 and b2 at zero. `params` holds the same Matrix objects the Affine layers use, so
 * an optimiser that updates params in place updates the layers.
 */
import type { DType, Matrix } from '../kernels/matrix.js';
import type { Affine } from '../layers/affine.js';
import { Relu } from '../layers/relu.js';
import { MultiLayerNet, type Gradients, type NetLayer } from './multi-layer-net.js';
import type { Truth } from '../layers/softmax-with-loss.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

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

/** Every key of TwoLayerNetOptions, for checkOptionKeys. */
const OPTION_KEYS = keysOf<TwoLayerNetOptions>()(['inputSize', 'hiddenSize', 'outputSize', 'weightInitStd', 'seed', 'dtype']);

/**
 * NOTE: a MultiLayerNet of string-named params (not MultiLayerNet<ParamName>), so that a
 * TwoLayerNet goes wherever any net does (trainer state, engines, model files); `params` is
 * narrowed to the four names here.
 */
export class TwoLayerNet extends MultiLayerNet {
  declare readonly params: Readonly<Params>;
  readonly affine1: Affine;
  readonly relu1: Relu;
  readonly affine2: Affine;

  constructor(options: TwoLayerNetOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('TwoLayerNet: options must be an object ({ inputSize, hiddenSize, outputSize, ... })');
    checkOptionKeys('TwoLayerNet', options, OPTION_KEYS);
    const { inputSize, hiddenSize, outputSize, weightInitStd = 0.01, seed = 1, dtype = 'float32' } = options;
    for (const [name, v] of Object.entries({ inputSize, hiddenSize, outputSize })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`TwoLayerNet: ${name} must be a positive integer, got ${v}`);
    }
    super({ inputSize, hiddenSizeList: [hiddenSize], outputSize, activation: 'relu', weightInitStd, seed, dtype });
    const [affine1, relu1, affine2] = this.layers;
    this.affine1 = affineOf(affine1);
    this.relu1 = reluOf(relu1);
    this.affine2 = affineOf(affine2);
  }

  /** MultiLayerNet's, with the four names in its type (the same object). */
  override gradient(x: Matrix, t: Truth): Gradients & Gradients<ParamName> {
    return super.gradient(x, t) as Gradients & Gradients<ParamName>;
  }

  override numericalGradient(x: Matrix, t: Truth): Record<string, Matrix> & Record<ParamName, Matrix> {
    return super.numericalGradient(x, t) as Record<string, Matrix> & Record<ParamName, Matrix>;
  }
}

function affineOf(entry: NetLayer): Affine {
  if (entry.kind !== 'affine') throw new Error(`TwoLayerNet: expected an Affine layer, got ${entry.name}`);
  return entry.layer;
}

function reluOf(entry: NetLayer): Relu {
  if (!(entry.layer instanceof Relu)) throw new Error(`TwoLayerNet: expected a Relu layer, got ${entry.name}`);
  return entry.layer;
}
