/**
 * The gradient check (book 5.7.3): backprop against central differences on the first few
 * training images, for every parameter of any network (W1, b1, ..., WL, bL). In float64 the two agree to about 1e-10 or better;
 * a large difference means a backward pass is wrong.
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../kernels/batches.js';
import type { DType } from '../kernels/matrix.js';
import { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Activation, WeightInit } from '../network/spec.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

export interface GradcheckConfig {
  /** Widths of the hidden layers (a number: one hidden layer). */
  hidden: number | readonly number[];
  /** 'relu' (the default), 'sigmoid' or 'tanh'. */
  activation?: Activation;
  samples: number;
  seed: number;
  /** 'float64' (the default: the check's differences are then ~1e-10) or 'float32'. */
  dtype?: DType;
  weightInitStd: WeightInit;
  /** The book's MultiLayerNetExtend options and weight decay (default off). */
  useBatchnorm?: boolean;
  useDropout?: boolean;
  dropoutRatio?: number;
  weightDecayLambda?: number;
}

/** Every key of GradcheckConfig, for checkOptionKeys. */
const CONFIG_KEYS = keysOf<GradcheckConfig>()(['hidden', 'activation', 'samples', 'seed', 'dtype', 'weightInitStd', 'useBatchnorm', 'useDropout', 'dropoutRatio', 'weightDecayLambda']);

export interface GradcheckResult {
  event: 'gradcheck';
  /** W1, b1, ..., WL, bL. */
  param: string;
  /** mean |backprop - numerical| over the entries (the book's figure) */
  meanAbsDiff: number;
  maxAbsDiff: number;
  /** max over entries of |a - b| / max(|a| + |b|, 1e-8): relative, but calm where both are ~0 */
  maxRelError: number;
}

/** The network a gradient check runs on. */
export function gradcheckNet(split: Split, config: GradcheckConfig): MultiLayerNet {
  return new MultiLayerNet({
    inputSize: split.rows * split.cols,
    hiddenSizeList: typeof config.hidden === 'number' ? [config.hidden] : [...config.hidden],
    outputSize: 10,
    activation: config.activation ?? 'relu',
    weightInitStd: config.weightInitStd,
    useBatchnorm: config.useBatchnorm,
    useDropout: config.useDropout,
    dropoutRatio: config.dropoutRatio,
    weightDecayLambda: config.weightDecayLambda,
    seed: config.seed,
    dtype: config.dtype ?? 'float64',
  });
}

/** @throws TypeError for a config key it does not know (a misspelt one would check another net). */
export function gradcheck(split: Split, config: GradcheckConfig): GradcheckResult[] {
  checkOptionKeys('gradcheck: config', config, CONFIG_KEYS);
  const net = gradcheckNet(split, config);
  const samples = Math.min(config.samples, split.count);
  const { x, t } = new BatchBuilder(split, samples, net.dtype).range(0, samples);
  const numerical = net.numericalGradient(x, t);
  const backprop = net.gradient(x, t);
  return net.plan.params.map(({ name: param }) => {
    const a = backprop[param].data;
    const b = numerical[param].data;
    let sum = 0;
    let maxAbs = 0;
    let maxRel = 0;
    for (let i = 0; i < a.length; i++) {
      const diff = Math.abs(a[i] - b[i]);
      sum += diff;
      maxAbs = Math.max(maxAbs, diff);
      maxRel = Math.max(maxRel, diff / Math.max(Math.abs(a[i]) + Math.abs(b[i]), 1e-8));
    }
    return { event: 'gradcheck', param, meanAbsDiff: sum / a.length, maxAbsDiff: maxAbs, maxRelError: maxRel };
  });
}
