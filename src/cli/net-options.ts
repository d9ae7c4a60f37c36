/**
 * The network and optimizer options (--hidden, --activation, --init, --weight-init-std,
 * --batch-norm, --dropout, --weight-decay, --optimizer, --lr, --momentum, --decay-rate,
 * --beta1, --beta2) turned into a TrainConfig's
 * fields, with the combinations that make no sense refused as usage errors (exit 2):
 * --weight-init-std with --init xavier or he, and a hyperparameter the optimizer does not take.
 */
import type { Activation, WeightInit } from '../network/spec.js';
import { makeOptimizer, OPTIMIZER_HYPERPARAMETERS, type Hyperparameters } from '../optim/make-optimizer.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../optim/optimizer.js';
import type { InitName } from '../train/names.js';
import { UsageError } from './errors.js';
import { SGD_CLI_LR } from './options.js';

export interface NetCliOptions {
  /** A number from the default, a list from the command line or a model file. */
  hidden: number | number[];
  activation: Activation;
  init: InitName;
  weightInitStd?: number;
  batchNorm?: boolean;
  /** The dropout ratio: dropout is on when given. */
  dropout?: number;
  weightDecay?: number;
}

/** The network a NetCliOptions describes, as TrainConfig and MultiLayerNet take it. */
export interface NetFromOptions {
  hidden: number[];
  activation: Activation;
  weightInitStd: WeightInit;
  useBatchnorm: boolean;
  useDropout: boolean;
  dropoutRatio: number;
  weightDecayLambda: number;
}

/** MultiLayerNet's dropoutRatio when there is no dropout (the book's default). */
const UNUSED_DROPOUT_RATIO = 0.5;

export interface OptimizerCliOptions {
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
}

/** The plain standard deviation of --init std without --weight-init-std: the book's chapter 5. */
export const DEFAULT_WEIGHT_INIT_STD = 0.01;

/** The hidden widths as a list. */
export function hiddenList(hidden: number | readonly number[]): number[] {
  return typeof hidden === 'number' ? [hidden] : [...hidden];
}

/** What the network options make of the net; @throws UsageError for --weight-init-std with xavier or he. */
export function netFromOptions(opts: NetCliOptions): NetFromOptions {
  if (opts.init !== 'std' && opts.weightInitStd !== undefined) {
    const scale = opts.init === 'he' ? 'sqrt(2 / n)' : 'sqrt(1 / n)';
    throw new UsageError(`--weight-init-std ${opts.weightInitStd} goes with --init std only: --init ${opts.init} sets each layer's scale itself (${scale}); leave one of them out`);
  }
  const weightInitStd: WeightInit = opts.init === 'std' ? (opts.weightInitStd ?? DEFAULT_WEIGHT_INIT_STD) : opts.init;
  return {
    hidden: hiddenList(opts.hidden),
    activation: opts.activation,
    weightInitStd,
    useBatchnorm: opts.batchNorm === true,
    useDropout: opts.dropout !== undefined,
    dropoutRatio: opts.dropout ?? UNUSED_DROPOUT_RATIO,
    weightDecayLambda: opts.weightDecay ?? 0,
  };
}

const HYPER_FLAGS: Readonly<Record<Exclude<keyof Hyperparameters, 'lr'>, string>> = {
  momentum: '--momentum',
  decayRate: '--decay-rate',
  beta1: '--beta1',
  beta2: '--beta2',
};

/**
 * The optimizer and its hyperparameters from the options: --lr defaults to 0.1 for sgd (the
 * book's chapter-5 run) and to the book's default of every other optimizer; the others are
 * left out when not given (the book's defaults).
 * @throws UsageError for a hyperparameter the optimizer does not take.
 */
export function optimizerFromOptions(opts: OptimizerCliOptions): { optimizer: OptimizerName } & Hyperparameters & { lr: number } {
  const name = opts.optimizer;
  const takes: readonly string[] = OPTIMIZER_HYPERPARAMETERS[name];
  const out: { optimizer: OptimizerName } & Hyperparameters & { lr: number } = {
    optimizer: name,
    lr: opts.lr ?? (name === 'sgd' ? SGD_CLI_LR : makeOptimizer(name).hyper().lr),
  };
  for (const [key, flag] of Object.entries(HYPER_FLAGS) as [keyof typeof HYPER_FLAGS, string][]) {
    const value = opts[key];
    if (value === undefined) continue;
    if (!takes.includes(key)) {
      const users = OPTIMIZER_NAMES.filter((o) => (OPTIMIZER_HYPERPARAMETERS[o] as readonly string[]).includes(key));
      throw new UsageError(`${flag} ${value} is for --optimizer ${users.join(' or ')}, not ${name}`);
    }
    out[key] = value;
  }
  return out;
}
