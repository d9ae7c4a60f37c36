/**
 * What a run computed with, as a metrics file records it: the configuration (every setting
 * that changes a number of the result) and the environment it ran in (which does not, on one
 * architecture: see the README's "Determinism").
 *
 * Left out of the configuration on purpose: --threads (the same bits for any count), --json,
 * --quiet and every file path (--metrics, --save, --plot, --junit, --baseline).
 */
import { availableParallelism, cpus } from 'node:os';
import type { Dataset } from '../data/dataset.js';
import { makeOptimizer, type Hyperparameters } from '../optim/make-optimizer.js';
import { initName, netClassName } from './names.js';
import { configHyper, hiddenSizes, type TrainConfig } from './trainer.js';

export interface RunConfig {
  /** 'TwoLayerNet' (the chapter-5 net: one hidden ReLU layer, a plain init std) or 'MultiLayerNet'. */
  network: string;
  inputSize: number;
  /** Widths of the hidden layers, first to last (an older file's one number is read as [n]). */
  hidden: number[];
  outputSize: number;
  activation: string;
  /** 'std', 'xavier' or 'he'. */
  init: string;
  /** The plain standard deviation with init 'std'; null with xavier or he. */
  weightInitStd: number | null;
  /** --batch-norm. */
  batchNorm: boolean;
  /** --dropout's ratio, null without dropout. */
  dropout: number | null;
  /** --weight-decay's lambda (0: none). */
  weightDecay: number;
  /** The book's class name: SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam. */
  optimizer: string;
  lr: number;
  /** The optimizer's other hyperparameters, null when it has no such one. */
  momentum: number | null;
  decayRate: number | null;
  beta1: number | null;
  beta2: number | null;
  batchSize: number;
  /** The iterations the run was asked to reach (--iters, or --epochs times the epoch's iterations). */
  iterations: number;
  seed: number;
  data: string;
  trainLimit: number | null;
  testLimit: number | null;
  /** --validation: the share of the training set held out (after the limit), null without. */
  validation: number | null;
  /** Examples actually used (after the limits, and the validation split taken out). */
  trainSize: number;
  testSize: number;
  backend: string;
}

export type ConfigKey = keyof RunConfig;
export type ConfigValue = RunConfig[ConfigKey];

type Kind = 'string' | 'boolean' | 'integer' | 'number' | 'integer-or-null' | 'number-or-null' | 'integer-list';

/**
 * Each configuration key: its type in the file, the option (or fact) that sets it, for messages,
 * and for keys added since metrics files were introduced, the value an older file (which lacks
 * them) stands for: it ran the chapter-5 net with SGD.
 */
export const CONFIG_KEYS: { readonly [K in ConfigKey]: { kind: Kind; setBy: string; before?: RunConfig[K] } } = {
  network: { kind: 'string', setBy: 'the network' },
  inputSize: { kind: 'integer', setBy: 'the image size of --data' },
  hidden: { kind: 'integer-list', setBy: '--hidden' },
  outputSize: { kind: 'integer', setBy: 'the classes' },
  activation: { kind: 'string', setBy: '--activation', before: 'relu' },
  init: { kind: 'string', setBy: '--init', before: 'std' },
  weightInitStd: { kind: 'number-or-null', setBy: '--weight-init-std' },
  batchNorm: { kind: 'boolean', setBy: '--batch-norm', before: false },
  dropout: { kind: 'number-or-null', setBy: '--dropout', before: null },
  weightDecay: { kind: 'number', setBy: '--weight-decay', before: 0 },
  optimizer: { kind: 'string', setBy: '--optimizer' },
  lr: { kind: 'number', setBy: '--lr' },
  momentum: { kind: 'number-or-null', setBy: '--momentum', before: null },
  decayRate: { kind: 'number-or-null', setBy: '--decay-rate', before: null },
  beta1: { kind: 'number-or-null', setBy: '--beta1', before: null },
  beta2: { kind: 'number-or-null', setBy: '--beta2', before: null },
  batchSize: { kind: 'integer', setBy: '--batch-size' },
  iterations: { kind: 'integer', setBy: '--iters/--epochs' },
  seed: { kind: 'integer', setBy: '--seed' },
  data: { kind: 'string', setBy: '--data' },
  trainLimit: { kind: 'integer-or-null', setBy: '--train-limit' },
  testLimit: { kind: 'integer-or-null', setBy: '--test-limit' },
  validation: { kind: 'number-or-null', setBy: '--validation', before: null },
  trainSize: { kind: 'integer', setBy: 'the training examples used' },
  testSize: { kind: 'integer', setBy: 'the test examples used' },
  backend: { kind: 'string', setBy: '--backend' },
};

/** Whether `value` has the type a configuration key holds (a list key also takes an older file's single integer). */
export function isConfigValue(key: ConfigKey, value: unknown): boolean {
  switch (CONFIG_KEYS[key].kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer-or-null':
      return value === null || Number.isSafeInteger(value);
    case 'number-or-null':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'integer-list':
      return Number.isSafeInteger(value) || (Array.isArray(value) && value.length > 0 && value.every((v) => Number.isSafeInteger(v)));
  }
}

/** A checked value as RunConfig holds it: an older file's single integer of a list key becomes [n]. */
export function configValue(key: ConfigKey, value: unknown): ConfigValue {
  if (CONFIG_KEYS[key].kind === 'integer-list') return Array.isArray(value) ? [...(value as number[])] : [value as number];
  return value as ConfigValue;
}

/** A value for comparing and showing: a list as "100,100", a flag as "true" or "false". */
export function configText(value: ConfigValue): string | number | null {
  if (typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? value.join(',') : value;
}

/** The book's class names of the optimizers. */
const OPTIMIZER_CLASSES: Readonly<Record<string, string>> = {
  sgd: 'SGD',
  momentum: 'Momentum',
  nesterov: 'Nesterov',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
};

export function runConfig(
  config: TrainConfig,
  data: { source: string; trainLimit?: number; testLimit?: number; validation?: number },
  dataset: Dataset,
  backend: string,
): RunConfig {
  const hidden = hiddenSizes(config);
  const activation = config.activation ?? 'relu';
  const network = netClassName({ ...config, hiddenSizeList: hidden, activation }, config.weightDecayLambda);
  const optimizer = config.optimizer ?? 'sgd';
  const hyper: Hyperparameters = makeOptimizer(optimizer, configHyper(config)).hyper(); // with the defaults filled in
  return {
    network,
    inputSize: dataset.train.rows * dataset.train.cols,
    hidden,
    outputSize: 10,
    activation,
    init: initName(config.weightInitStd),
    weightInitStd: typeof config.weightInitStd === 'number' ? config.weightInitStd : null,
    batchNorm: config.useBatchnorm === true,
    dropout: config.useDropout === true ? (config.dropoutRatio ?? 0.5) : null,
    weightDecay: config.weightDecayLambda ?? 0,
    optimizer: OPTIMIZER_CLASSES[optimizer] ?? optimizer,
    lr: config.lr,
    momentum: hyper.momentum ?? null,
    decayRate: hyper.decayRate ?? null,
    beta1: hyper.beta1 ?? null,
    beta2: hyper.beta2 ?? null,
    batchSize: config.batchSize,
    iterations: config.iterations,
    seed: config.seed,
    data: data.source,
    trainLimit: data.trainLimit ?? null,
    testLimit: data.testLimit ?? null,
    validation: data.validation ?? null,
    trainSize: dataset.train.count,
    testSize: dataset.test.count,
    backend,
  };
}

export interface RunEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
}

export const ENVIRONMENT_KEYS = ['node', 'platform', 'arch', 'cpu', 'cores'] as const satisfies readonly (keyof RunEnvironment)[];

export function runEnvironment(): RunEnvironment {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model.trim() || 'unknown',
    cores: availableParallelism(),
  };
}

/** A configuration key whose value differs between two runs (lists shown as "100,100"). */
export interface ConfigChange {
  key: ConfigKey;
  setBy: string;
  baseline: string | number | null;
  value: string | number | null;
}

/** The keys where `current` differs from `baseline`, in the order of CONFIG_KEYS. */
export function configChanges(baseline: RunConfig, current: RunConfig): ConfigChange[] {
  return (Object.keys(CONFIG_KEYS) as ConfigKey[])
    .filter((key) => configText(baseline[key]) !== configText(current[key]))
    .map((key) => ({ key, setBy: CONFIG_KEYS[key].setBy, baseline: configText(baseline[key]), value: configText(current[key]) }));
}
