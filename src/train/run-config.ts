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
import type { TrainConfig } from './trainer.js';

export interface RunConfig {
  network: string;
  inputSize: number;
  hidden: number;
  outputSize: number;
  weightInitStd: number;
  optimizer: string;
  lr: number;
  batchSize: number;
  /** The iterations the run was asked to reach (--iters, or --epochs times the epoch's iterations). */
  iterations: number;
  seed: number;
  data: string;
  trainLimit: number | null;
  testLimit: number | null;
  /** Examples actually used (after the limits). */
  trainSize: number;
  testSize: number;
  backend: string;
}

export type ConfigKey = keyof RunConfig;

type Kind = 'string' | 'integer' | 'number' | 'integer-or-null';

/** Each configuration key: its type in the file and the option (or fact) that sets it, for messages. */
export const CONFIG_KEYS: { readonly [K in ConfigKey]: { kind: Kind; setBy: string } } = {
  network: { kind: 'string', setBy: 'the network' },
  inputSize: { kind: 'integer', setBy: 'the image size of --data' },
  hidden: { kind: 'integer', setBy: '--hidden' },
  outputSize: { kind: 'integer', setBy: 'the classes' },
  weightInitStd: { kind: 'number', setBy: '--weight-init-std' },
  optimizer: { kind: 'string', setBy: 'the optimizer' },
  lr: { kind: 'number', setBy: '--lr' },
  batchSize: { kind: 'integer', setBy: '--batch-size' },
  iterations: { kind: 'integer', setBy: '--iters/--epochs' },
  seed: { kind: 'integer', setBy: '--seed' },
  data: { kind: 'string', setBy: '--data' },
  trainLimit: { kind: 'integer-or-null', setBy: '--train-limit' },
  testLimit: { kind: 'integer-or-null', setBy: '--test-limit' },
  trainSize: { kind: 'integer', setBy: 'the training examples used' },
  testSize: { kind: 'integer', setBy: 'the test examples used' },
  backend: { kind: 'string', setBy: '--backend' },
};

/** Whether `value` has the type a configuration key holds. */
export function isConfigValue(key: ConfigKey, value: unknown): boolean {
  switch (CONFIG_KEYS[key].kind) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer-or-null':
      return value === null || Number.isSafeInteger(value);
  }
}

export function runConfig(
  config: TrainConfig,
  data: { source: string; trainLimit?: number; testLimit?: number },
  dataset: Dataset,
  backend: string,
): RunConfig {
  return {
    network: 'TwoLayerNet',
    inputSize: dataset.train.rows * dataset.train.cols,
    hidden: config.hidden,
    outputSize: 10,
    weightInitStd: config.weightInitStd,
    optimizer: 'SGD',
    lr: config.lr,
    batchSize: config.batchSize,
    iterations: config.iterations,
    seed: config.seed,
    data: data.source,
    trainLimit: data.trainLimit ?? null,
    testLimit: data.testLimit ?? null,
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

/** A configuration key whose value differs between two runs. */
export interface ConfigChange {
  key: ConfigKey;
  setBy: string;
  baseline: string | number | null;
  value: string | number | null;
}

/** The keys where `current` differs from `baseline`, in the order of CONFIG_KEYS. */
export function configChanges(baseline: RunConfig, current: RunConfig): ConfigChange[] {
  return (Object.keys(CONFIG_KEYS) as ConfigKey[])
    .filter((key) => baseline[key] !== current[key])
    .map((key) => ({ key, setBy: CONFIG_KEYS[key].setBy, baseline: baseline[key], value: current[key] }));
}
