/**
 * What a model file says about itself (its "__metadata__"), and the checks that read it
 * back: every value is JSON text of the shape below, or the file is refused.
 */
import type { RandomState } from '../data/random.js';
import { ACTIVATIONS, WEIGHT_INITS, type Activation, type WeightInit } from '../network/spec.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../optim/optimizer.js';

export interface EpochRecord {
  epoch: number;
  iteration: number;
  loss: number | null;
  trainAcc: number | null;
  testAcc: number | null;
  /** Only in a run with a validation split (--validation). */
  valAcc?: number | null;
}

/** The network as the file records it: the arguments of MultiLayerNet, and its plan's layer names. */
export interface ModelNetwork {
  inputSize: number;
  hiddenSizeList: number[];
  outputSize: number;
  activation: Activation;
  /** A plain standard deviation, or 'he' / 'xavier' (and the book's aliases 'relu' / 'sigmoid'). */
  weightInitStd: WeightInit;
  weightDecayLambda: number;
  useBatchnorm: boolean;
  useDropout: boolean;
  dropoutRatio: number;
  /** Affine1, Relu1, ..., SoftmaxWithLoss (plan.ts): for readers of the file; checked against the rest. */
  layers: string[];
}

/** The optimizer: its name, every hyperparameter, and its scalar state (Adam's t); its tensors are `optim.<slot>.<param>`. */
export interface ModelOptimizer {
  name: OptimizerName;
  hyper: Record<string, number>;
  scalars: Record<string, number>;
}

export interface ModelMeta {
  /**
   * 2: any network and the optimizer's state (written now); 1: the files of bp-train before
   * chapter 6 (a TwoLayerNet trained with SGD), read as a one-hidden-layer ReLU net with SGD.
   */
  formatVersion: 1 | 2;
  network: ModelNetwork;
  optimizer: ModelOptimizer;
  /** The training options; `iterations` is the target the run was asked to reach. */
  training: { batchSize: number; iterations: number; seed: number; backend: 'js' | 'wasm' };
  /** validation: the --validation fraction held out of the training set (absent or null: none; older files have no such key). */
  data: { source: string; trainLimit: number | null; testLimit: number | null; validation?: number | null };
  /** Iterations done when the file was written. */
  iteration: number;
  /** The last measurement on the whole splits (it may predate `iteration` after an interrupt). */
  accuracy: { iteration: number; train: number; test: number } | null;
  /** The batch sampler's xoshiro128** state: the next batch after `iteration`. */
  samplerState: RandomState;
  /** Every epoch line of the run so far (kept across resumes, for --plot). */
  history: EpochRecord[];
}

export const MODEL_FORMAT_VERSION = 2;

/** The largest number of hidden layers a file may declare. */
export const MAX_HIDDEN_LAYERS = 64;
/** The widest layer a file may declare. */
export const MAX_LAYER_WIDTH = 1 << 16;

type Fail = (problem: string) => never;
type Check<T> = (value: unknown) => T | undefined;

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : undefined;
const positive: Check<number> = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
const fraction: Check<number> = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined);
const openFraction: Check<number> = (v) => (typeof v === 'number' && v > 0 && v < 1 ? v : undefined);
const backendName: Check<'js' | 'wasm'> = (v) => (v === 'js' || v === 'wasm' ? v : undefined);
const string: Check<string> = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
const orNull =
  <T>(check: Check<T>): Check<T | null> =>
  (v) =>
    v === null ? null : check(v);
const finiteOrNull: Check<number | null> = (v) => (v === null || (typeof v === 'number' && Number.isFinite(v)) ? (v as number | null) : undefined);

function object<T>(fields: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out: Partial<T> = {};
    for (const key of Object.keys(fields) as (keyof T)[]) {
      const value = fields[key]((v as Record<string, unknown>)[key as string]);
      if (value === undefined) return undefined;
      out[key] = value;
    }
    return out as T;
  };
}

const sizes: Check<number[]> = (v) =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_HIDDEN_LAYERS && v.every((n) => int(1, MAX_LAYER_WIDTH)(n) !== undefined) ? (v as number[]) : undefined;
const oneOf =
  <T extends string>(names: readonly T[]): Check<T> =>
  (v) =>
    (names as readonly unknown[]).includes(v) ? (v as T) : undefined;
const weightInit: Check<WeightInit> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : oneOf(WEIGHT_INITS)(v);
const nonNegative: Check<number> = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const boolean: Check<boolean> = (v) => (typeof v === 'boolean' ? v : undefined);
const ratio: Check<number> = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? v : undefined);
const strings: Check<string[]> = (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined);
const numbers: Check<Record<string, number>> = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === 'number' && Number.isFinite(n))
    ? { ...(v as Record<string, number>) }
    : undefined;

type Entry<T> = [key: string, check: Check<T>, expected: string];

const COMMON: { [K in 'data' | 'iteration' | 'accuracy' | 'samplerState' | 'history']: Entry<ModelMeta[K]> } = {
  data: [
    'data',
    (v) => {
      const data = object({ source: string, trainLimit: orNull(int(1)), testLimit: orNull(int(1)) })(v);
      const validation = data === undefined ? undefined : (v as Record<string, unknown>).validation;
      if (data === undefined || validation === undefined || validation === null) return data;
      return openFraction(validation) === undefined ? undefined : { ...data, validation: validation as number };
    },
    '{source, trainLimit, testLimit, validation (optional: a fraction between 0 and 1, or null)}',
  ],
  iteration: ['iteration', int(0), 'a non-negative integer'],
  accuracy: ['accuracy', orNull(object({ iteration: int(0), train: fraction, test: fraction })), 'null or {iteration, train, test}'],
  samplerState: [
    'sampler_state',
    (v) => (Array.isArray(v) && v.length === 4 && v.every((w) => int(0, 4294967295)(w) !== undefined) ? (v as RandomState) : undefined),
    'four unsigned 32-bit integers',
  ],
  history: [
    'history',
    (v) => {
      const fields = object<EpochRecord>({ epoch: int(0), iteration: int(0), loss: finiteOrNull, trainAcc: finiteOrNull, testAcc: finiteOrNull });
      const check = (e: unknown): EpochRecord | undefined => {
        const record = fields(e);
        const valAcc = record === undefined ? undefined : (e as Record<string, unknown>).valAcc;
        if (record === undefined || valAcc === undefined) return record;
        const checked = finiteOrNull(valAcc);
        return checked === undefined ? undefined : { ...record, valAcc: checked };
      };
      if (!Array.isArray(v)) return undefined;
      const records = v.map(check);
      return records.every((r) => r !== undefined) ? (records as EpochRecord[]) : undefined;
    },
    'a list of {epoch, iteration, loss, trainAcc, testAcc}',
  ],
};

const TRAINING: Entry<ModelMeta['training']> = [
  'training',
  object({ batchSize: int(1), iterations: int(1), seed: int(0, 4294967295), backend: backendName }),
  "{batchSize, iterations, seed, backend ('js' or 'wasm')}",
];

const NETWORK: Entry<ModelNetwork> = [
  'network',
  object<ModelNetwork>({
    inputSize: int(1, 1 << 20),
    hiddenSizeList: sizes,
    outputSize: int(1, 1 << 16),
    activation: oneOf(ACTIVATIONS),
    weightInitStd: weightInit,
    weightDecayLambda: nonNegative,
    useBatchnorm: boolean,
    useDropout: boolean,
    dropoutRatio: ratio,
    layers: strings,
  }),
  `{inputSize, hiddenSizeList (1 to ${MAX_HIDDEN_LAYERS} positive integers), outputSize, activation (${ACTIVATIONS.join(', ')}), weightInitStd, weightDecayLambda, useBatchnorm, useDropout, dropoutRatio, layers}`,
];

const OPTIMIZER: Entry<ModelOptimizer> = [
  'optimizer',
  object<ModelOptimizer>({ name: oneOf(OPTIMIZER_NAMES), hyper: numbers, scalars: numbers }),
  `{name (${OPTIMIZER_NAMES.join(', ')}), hyper and scalars (objects of numbers)}`,
];

/** Format version 1 (before chapter 6): the TwoLayerNet's sizes, and SGD's lr and the init std under training. */
const V1_ARCHITECTURE: Entry<{ inputSize: number; hiddenSize: number; outputSize: number }> = [
  'architecture',
  object({ inputSize: int(1, 1 << 20), hiddenSize: int(1, 1 << 16), outputSize: int(1, 1 << 16) }),
  '{inputSize, hiddenSize, outputSize} as positive integers',
];
const V1_TRAINING: Entry<{ lr: number; batchSize: number; iterations: number; weightInitStd: number; seed: number; backend: 'js' | 'wasm' }> = [
  'training',
  object({ lr: positive, batchSize: int(1), iterations: int(1), weightInitStd: positive, seed: int(0, 4294967295), backend: backendName }),
  "{lr, batchSize, iterations, weightInitStd, seed, backend ('js' or 'wasm')}",
];

/**
 * Parses and checks every metadata entry; `fail` throws. A file without 'format_version' is of
 * version 1 and is read into the same shape (the layer names are those of its plan: the caller
 * checks them).
 */
export function readMeta(metadata: Record<string, string>, fail: Fail): ModelMeta {
  const read = <T>([key, check, expected]: Entry<T>): T => {
    const text = metadata[key];
    if (text === undefined) return fail(`__metadata__ has no '${key}'`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail(`__metadata__ '${key}' is not JSON text`);
    }
    const checked = check(value);
    return checked === undefined ? fail(`__metadata__ '${key}' is not ${expected}`) : checked;
  };
  const version = metadata.format_version ?? '1';
  if (version !== '1' && version !== String(MODEL_FORMAT_VERSION)) {
    const newer = Number(version) > MODEL_FORMAT_VERSION;
    fail(
      newer
        ? `written by a newer bp-train (model format version ${version}; this one reads versions 1 to ${MODEL_FORMAT_VERSION})`
        : `__metadata__ 'format_version' is ${JSON.stringify(version)}, expected 1 to ${MODEL_FORMAT_VERSION}`,
    );
  }
  let network: ModelNetwork;
  let optimizer: ModelOptimizer;
  let training: ModelMeta['training'];
  if (version === '1') {
    const { inputSize, hiddenSize, outputSize } = read(V1_ARCHITECTURE);
    const { lr, weightInitStd, ...rest } = read(V1_TRAINING);
    network = {
      inputSize,
      hiddenSizeList: [hiddenSize],
      outputSize,
      activation: 'relu',
      weightInitStd,
      weightDecayLambda: 0,
      useBatchnorm: false,
      useDropout: false,
      dropoutRatio: 0.5,
      layers: ['Affine1', 'Relu1', 'Affine2', 'SoftmaxWithLoss'],
    };
    optimizer = { name: 'sgd', hyper: { lr }, scalars: {} };
    training = rest;
  } else {
    network = read(NETWORK);
    optimizer = read(OPTIMIZER);
    training = read(TRAINING);
  }
  const meta: ModelMeta = {
    formatVersion: version === '1' ? 1 : 2,
    network,
    optimizer,
    training,
    data: read(COMMON.data),
    iteration: read(COMMON.iteration),
    accuracy: read(COMMON.accuracy),
    samplerState: read(COMMON.samplerState),
    history: read(COMMON.history),
  };
  if ((meta.samplerState[0] | meta.samplerState[1] | meta.samplerState[2] | meta.samplerState[3]) === 0) {
    fail("__metadata__ 'sampler_state' is all zeros (not a state xoshiro128** can reach)");
  }
  if (meta.iteration > meta.training.iterations) {
    fail(`__metadata__ 'iteration' ${meta.iteration} is past the run's target of ${meta.training.iterations} iterations`);
  }
  return meta;
}
