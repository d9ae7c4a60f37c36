/**
 * What train() checks before it opens an engine: a library caller's config, state, hooks and
 * dataset, each mistake one thrown error naming the field. Without these checks the two
 * executors differed: the wasm program trained on labels the net has no class for (a
 * negative loss), read past a split shorter than its count, or failed with "memory access out
 * of bounds", where the TypeScript layers threw or trained on nothing.
 */
import type { Dataset, Split } from '../data/dataset.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';
import type { TrainConfig, TrainHooks, TrainState } from './trainer.js';

const MAX_SEED = 0xffff_ffff;

/** Every key of TrainConfig, for checkOptionKeys. */
const CONFIG_KEYS = keysOf<TrainConfig>()([
  'hidden', 'activation', 'weightInitStd', 'weightDecayLambda', 'useBatchnorm', 'useDropout', 'dropoutRatio', 'optimizer', 'lr', 'momentum', 'decayRate', 'beta1', 'beta2',
  'batchSize', 'iterations', 'seed', 'measureEvery', 'maxLoss',
]);

/** A TrainConfig object with no key it does not know (a misspelt one would be ignored). @throws TypeError */
export function checkConfigKeys(who: string, config: unknown): void {
  if (typeof config !== 'object' || config === null) throw new TypeError(`${who}: config must be a TrainConfig object`);
  checkOptionKeys(`${who}: config`, config, CONFIG_KEYS);
}

/** A seed as the CLI takes it (--seed): an integer from 0 to 2^32 - 1. */
export function checkSeed(who: string, seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`${who}: seed must be an integer from 0 to ${MAX_SEED}, got ${String(seed)}`);
  }
}

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`train: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/** @throws TypeError or RangeError naming the first thing wrong. */
export function checkTrainInputs(dataset: Dataset, config: TrainConfig, state: TrainState, hooks: TrainHooks, threads: number | undefined): void {
  checkConfigKeys('train', config);
  if (typeof state !== 'object' || state === null || state.net === undefined || state.optimizer === undefined || state.sampler === undefined) {
    throw new TypeError('train: state must be a TrainState ({ net, optimizer, sampler, iteration }: initialState(config, inputSize) makes one)');
  }
  if (typeof hooks?.emit !== 'function') throw new TypeError('train: hooks.emit must be a function (pass { emit() {} } to ignore the events)');
  if (threads !== undefined) positiveInteger('options.threads', threads);
  positiveInteger('config.batchSize', config.batchSize);
  checkSeed('train: config', config.seed);
  if (!Number.isInteger(state.iteration) || state.iteration < 0) throw new RangeError(`train: state.iteration must be an integer >= 0, got ${state.iteration}`);
  positiveInteger('config.iterations', config.iterations);
  if (config.iterations <= state.iteration) {
    throw new RangeError(`train: config.iterations (${config.iterations}) must be above state.iteration (${state.iteration}): it counts the iterations done before too`);
  }
  if (config.maxLoss !== undefined && !(config.maxLoss > 0)) throw new RangeError(`train: config.maxLoss must be a number > 0, got ${config.maxLoss}`);
  checkConfigMatchesState(config, state);
  const { inputSize, outputSize } = state.net.spec;
  checkSplit('train', dataset?.train, inputSize, outputSize, 1);
  // an empty test split is allowed: search measures only a validation split (its accuracy reads 0)
  checkSplit('test', dataset.test, inputSize, outputSize, 0);
  if (dataset.validation !== undefined) checkSplit('validation', dataset.validation, inputSize, outputSize, 1);
}

/** The state is what trains (initialState(config) made it, or a resume): a config that says otherwise is a mistake. */
function checkConfigMatchesState(config: TrainConfig, state: TrainState): void {
  const spec = state.net.spec;
  const hidden = typeof config.hidden === 'number' ? [config.hidden] : [...(config.hidden ?? [])];
  const wanted: [string, unknown, unknown][] = [
    ['hidden', hidden.join(','), spec.hiddenSizeList.join(',')],
    ['activation', config.activation ?? 'relu', spec.activation],
    ['useBatchnorm', config.useBatchnorm ?? false, spec.useBatchnorm],
    ['useDropout', config.useDropout ?? false, spec.useDropout],
    // The ratio matters only with dropout on (a spec keeps its 0.5 default otherwise).
    ...(spec.useDropout ? [['dropoutRatio', config.dropoutRatio ?? 0.5, spec.dropoutRatio] as [string, unknown, unknown]] : []),
    ['weightDecayLambda', config.weightDecayLambda ?? 0, state.net.weightDecayLambda],
    ['optimizer', config.optimizer ?? 'sgd', state.optimizer.name],
  ];
  const hyper = state.optimizer.hyper();
  for (const key of ['lr', 'momentum', 'decayRate', 'beta1', 'beta2'] as const) {
    if (config[key] !== undefined && key in hyper) wanted.push([key, config[key], hyper[key]]);
  }
  for (const [key, inConfig, inState] of wanted) {
    if (inConfig !== inState) throw new RangeError(`train: config.${key} is ${String(inConfig)} but the state's network and optimizer have ${String(inState)} (the state is what trains)`);
  }
}

function checkSplit(name: string, split: Split | undefined, inputSize: number, classes: number, minCount: 0 | 1): void {
  if (split === undefined) throw new TypeError(`train: dataset.${name} is missing`);
  const { count, rows, cols, images, labels } = split;
  if (!Number.isSafeInteger(count) || count < minCount) throw new RangeError(`train: dataset.${name}.count must be an integer >= ${minCount}, got ${count}`);
  if (rows * cols !== inputSize) throw new RangeError(`train: dataset.${name} has ${rows} x ${cols} images, the network's inputSize is ${inputSize}`);
  if (!(images instanceof Uint8Array) || images.length < count * rows * cols) {
    throw new RangeError(`train: dataset.${name}.images must be a Uint8Array of count x rows x cols = ${count * rows * cols} bytes, got ${images?.length ?? 'none'}`);
  }
  if (!(labels instanceof Uint8Array) || labels.length < count) throw new RangeError(`train: dataset.${name}.labels must be a Uint8Array of count = ${count} labels, got ${labels?.length ?? 'none'}`);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classes) throw new RangeError(`train: dataset.${name}.labels[${i}] is ${labels[i]}, not a class of the network's ${classes} (0..${classes - 1})`);
  }
}
