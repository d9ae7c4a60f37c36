/**
 * The model-file side of `bp-train train`: --resume (read a model file back into a run,
 * refusing options that contradict it), --save (the metadata written beside the weights)
 * and the command line that resumes an interrupted run.
 */
import { Random } from '../../data/random.js';
import { loadModel, modelNetwork, modelOptimizer, type EpochRecord, type ModelMeta } from '../../model/model-file.js';
import { MODEL_FORMAT_VERSION } from '../../model/model-meta.js';
import type { Activation } from '../../network/spec.js';
import type { OptimizerName } from '../../optim/optimizer.js';
import { initName, type InitName } from '../../train/names.js';
import type { EpochEvent } from '../../train/events.js';
import type { TrainConfig, TrainState } from '../../train/trainer.js';
import { kernels } from '../../kernels/backend.js';
import { UsageError } from '../errors.js';
import { dataSourceFound, modelDataSource } from '../model-data.js';

/** The options a model file fixes: they come from the file when resuming. */
export interface FixedOptions {
  hidden: number | number[];
  activation: Activation;
  init: InitName;
  /** Only with init 'std'. */
  weightInitStd?: number;
  batchNorm?: boolean;
  dropout?: number;
  weightDecay?: number;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
  batchSize: number;
  seed: number;
  /** The kernels: float32 results differ in their last bits between backends, so a resumed run keeps its own. */
  backend?: 'js' | 'wasm';
  data: string;
  trainLimit?: number;
  testLimit?: number;
  /** --validation: the share held out of the training set (its split follows from the seed). */
  validation?: number;
}

const FLAGS: Record<keyof FixedOptions, string> = {
  hidden: '--hidden',
  activation: '--activation',
  init: '--init',
  weightInitStd: '--weight-init-std',
  batchNorm: '--batch-norm',
  dropout: '--dropout',
  weightDecay: '--weight-decay',
  optimizer: '--optimizer',
  lr: '--lr',
  momentum: '--momentum',
  decayRate: '--decay-rate',
  beta1: '--beta1',
  beta2: '--beta2',
  batchSize: '--batch-size',
  seed: '--seed',
  backend: '--backend',
  data: '--data',
  trainLimit: '--train-limit',
  testLimit: '--test-limit',
  validation: '--validation',
};

export interface Resumed {
  file: string;
  state: TrainState;
  meta: ModelMeta;
}

/** An option's value as the command line writes it (a list as 100,100). */
const shown = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));
/** An option as given (`--weight-decay 0.1`, `--batch-norm`), or as absent: "no --weight-decay". */
const given = (flag: string, v: unknown): string => (v === undefined ? `no ${flag}` : v === true ? flag : `${flag} ${shown(v)}`);
/** The values that mean the option's absence: --weight-decay 0 is no weight decay. */
const meaning = (key: keyof FixedOptions, v: unknown): unknown => ((key === 'weightDecay' && v === 0) || v === false ? undefined : v);

/**
 * Reads a model file to resume from and returns the options it fixes. An option given on
 * the command line (`explicit(key)`) must agree with the file, or it is a UsageError.
 */
export function readResume(file: string, opts: Partial<FixedOptions>, explicit: (key: string) => boolean): { resumed: Resumed; fixed: FixedOptions } {
  const { net, optimizer, meta } = loadModel(file);
  const { network } = meta;
  const hyper = meta.optimizer.hyper;
  const fixed: FixedOptions = {
    hidden: [...network.hiddenSizeList],
    activation: network.activation,
    init: initName(network.weightInitStd),
    weightInitStd: typeof network.weightInitStd === 'number' ? network.weightInitStd : undefined,
    batchNorm: network.useBatchnorm ? true : undefined,
    dropout: network.useDropout ? network.dropoutRatio : undefined,
    weightDecay: network.weightDecayLambda === 0 ? undefined : network.weightDecayLambda,
    optimizer: meta.optimizer.name,
    lr: hyper.lr,
    momentum: hyper.momentum,
    decayRate: hyper.decayRate,
    beta1: hyper.beta1,
    beta2: hyper.beta2,
    batchSize: meta.training.batchSize,
    seed: meta.training.seed,
    backend: meta.training.backend,
    // A relative data folder not found from here (training ran elsewhere) is pointed at with --data.
    data: explicit('data') && !dataSourceFound(meta.data.source) && opts.data !== undefined ? opts.data : modelDataSource(file, meta.data.source, undefined),
    trainLimit: meta.data.trainLimit ?? undefined,
    testLimit: meta.data.testLimit ?? undefined,
    validation: meta.data.validation ?? undefined,
  };
  for (const key of Object.keys(FLAGS) as (keyof FixedOptions)[]) {
    const flag = FLAGS[key];
    const asked = meaning(key, opts[key]);
    if (explicit(key) && shown(asked) !== shown(fixed[key])) {
      throw new UsageError(
        `${given(flag, opts[key])} contradicts the model file ${file}, which was trained with ${given(flag, fixed[key])} (leave the option out when resuming)`,
      );
    }
  }
  const state: TrainState = { net, optimizer, sampler: Random.fromState(meta.samplerState), iteration: meta.iteration };
  return { resumed: { file, state, meta }, fixed };
}

/** The resumed run's target: --iters/--epochs when given, the file's own target otherwise. */
export function resumeTarget(resumed: Resumed, requested: number | undefined): number {
  const target = requested ?? resumed.meta.training.iterations;
  if (target <= resumed.meta.iteration) {
    throw new UsageError(
      `the model file ${resumed.file} is already at iteration ${resumed.meta.iteration}: ask for more with --iters or --epochs (target ${target})`,
    );
  }
  return target;
}

export function epochRecord(e: EpochEvent): EpochRecord {
  const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const record: EpochRecord = { epoch: e.epoch, iteration: e.iteration, loss: num(e.loss), trainAcc: num(e.trainAcc), testAcc: num(e.testAcc) };
  if (e.valAcc !== undefined) record.valAcc = num(e.valAcc);
  return record;
}

/** The metadata of a model file written at `state.iteration` (the network and optimizer are the state's). */
export function modelMeta(
  config: TrainConfig,
  data: { source: string; trainLimit?: number; testLimit?: number; validation?: number },
  state: TrainState,
  history: EpochRecord[],
): ModelMeta {
  const last = history.at(-1);
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    network: modelNetwork(state.net),
    optimizer: modelOptimizer(state.optimizer),
    training: {
      batchSize: config.batchSize,
      iterations: config.iterations,
      seed: config.seed,
      backend: kernels().name === 'js' ? 'js' : 'wasm',
    },
    data: {
      source: data.source,
      trainLimit: data.trainLimit ?? null,
      testLimit: data.testLimit ?? null,
      ...(data.validation === undefined ? {} : { validation: data.validation }),
    },
    iteration: state.iteration,
    accuracy:
      last && last.trainAcc !== null && last.testAcc !== null ? { iteration: last.iteration, train: last.trainAcc, test: last.testAcc } : null,
    samplerState: state.sampler.getState(),
    history,
  };
}

/** `bp-train --resume FILE --save FILE --iters N`, quoted for a POSIX shell. */
export function resumeCommand(file: string, iterations: number, extra: string[] = []): string {
  return ['bp-train', '--resume', shellQuote(file), '--save', shellQuote(file), '--iters', String(iterations), ...extra].join(' ');
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
