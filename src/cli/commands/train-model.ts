/**
 * The model-file side of `bp-train train`: --resume (read a model file back into a run,
 * refusing options that contradict it), --save (the metadata written beside the weights)
 * and the command line that resumes an interrupted run.
 */
import { Random } from '../../data/random.js';
import { loadModel, type EpochRecord, type ModelMeta } from '../../model/model-file.js';
import type { EpochEvent } from '../../train/events.js';
import type { TrainConfig, TrainState } from '../../train/trainer.js';
import { kernels } from '../../kernels/backend.js';
import { UsageError } from '../errors.js';

/** The options a model file fixes: they come from the file when resuming. */
export interface FixedOptions {
  hidden: number;
  lr: number;
  batchSize: number;
  weightInitStd: number;
  seed: number;
  /** The kernels: float32 results differ in their last bits between backends, so a resumed run keeps its own. */
  backend?: 'js' | 'wasm';
  data: string;
  trainLimit?: number;
  testLimit?: number;
}

const FLAGS: Record<keyof FixedOptions, string> = {
  hidden: '--hidden',
  lr: '--lr',
  batchSize: '--batch-size',
  weightInitStd: '--weight-init-std',
  seed: '--seed',
  backend: '--backend',
  data: '--data',
  trainLimit: '--train-limit',
  testLimit: '--test-limit',
};

export interface Resumed {
  file: string;
  state: TrainState;
  meta: ModelMeta;
}

/**
 * Reads a model file to resume from and returns the options it fixes. An option given on
 * the command line (`explicit(key)`) must agree with the file, or it is a UsageError.
 */
export function readResume(file: string, opts: FixedOptions, explicit: (key: string) => boolean): { resumed: Resumed; fixed: FixedOptions } {
  const { net, meta } = loadModel(file);
  const fixed: FixedOptions = {
    hidden: meta.architecture.hiddenSize,
    lr: meta.training.lr,
    batchSize: meta.training.batchSize,
    weightInitStd: meta.training.weightInitStd,
    seed: meta.training.seed,
    backend: meta.training.backend,
    data: meta.data.source,
    trainLimit: meta.data.trainLimit ?? undefined,
    testLimit: meta.data.testLimit ?? undefined,
  };
  for (const key of Object.keys(FLAGS) as (keyof FixedOptions)[]) {
    const flag = FLAGS[key];
    if (explicit(key) && opts[key] !== fixed[key]) {
      throw new UsageError(
        `${flag} ${String(opts[key])} contradicts the model file ${file}, which was trained with ` +
          `${fixed[key] === undefined ? `no ${flag}` : `${flag} ${fixed[key]}`} (leave the option out when resuming)`,
      );
    }
  }
  const state: TrainState = { net, sampler: Random.fromState(meta.samplerState), iteration: meta.iteration };
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
  return { epoch: e.epoch, iteration: e.iteration, loss: num(e.loss), trainAcc: num(e.trainAcc), testAcc: num(e.testAcc) };
}

/** The metadata of a model file written at `state.iteration`. */
export function modelMeta(
  config: TrainConfig,
  data: { source: string; trainLimit?: number; testLimit?: number },
  state: TrainState,
  history: EpochRecord[],
): ModelMeta {
  const { W1, W2 } = state.net.params;
  const last = history.at(-1);
  return {
    architecture: { inputSize: W1.rows, hiddenSize: W1.cols, outputSize: W2.cols },
    training: {
      lr: config.lr,
      batchSize: config.batchSize,
      iterations: config.iterations,
      weightInitStd: config.weightInitStd,
      seed: config.seed,
      backend: kernels().name === 'js' ? 'js' : 'wasm',
    },
    data: { source: data.source, trainLimit: data.trainLimit ?? null, testLimit: data.testLimit ?? null },
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
