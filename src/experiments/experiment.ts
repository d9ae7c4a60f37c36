/**
 * An experiment: several training runs on the same data, differing in their configuration
 * (compare, the book's chapter-6 figures as presets) or in their hyperparameters (search).
 * Plain data: the runs go to worker threads (run-pool.ts) as they are.
 *
 * The data protocol says how the loaded dataset is cut before every run sees it: the first
 * trainLimit training images, the first testLimit test images (or none: test false), and a
 * validation share held out after a seeded shuffle (data/validation-split.ts).
 */
import type { Dataset, Split } from '../data/dataset.js';
import { limitSplit } from '../data/dataset.js';
import { withValidation } from '../data/validation-split.js';
import type { EpochEvent } from '../train/events.js';
import type { TrainConfig } from '../train/trainer.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

export interface DataProtocol {
  /** The first N training examples (before the validation share is held out). */
  trainLimit?: number;
  /** The first N test examples. */
  testLimit?: number;
  /** false: no test split at all (the book's figure measures only the training set). Default true. */
  test?: boolean;
  /** The share of the (limited) training set held out as a validation split. */
  validation?: number;
  /** Seed of the validation shuffle. */
  validationSeed?: number;
}

/** Every key of DataProtocol, for checkOptionKeys. */
const PROTOCOL_KEYS = keysOf<DataProtocol>()(['trainLimit', 'testLimit', 'test', 'validation', 'validationSeed']);

/** One run of an experiment: its label in tables and charts, and what it trains. */
export interface RunSpec {
  label: string;
  config: TrainConfig;
  /** For small-multiple charts: the panel the run is drawn in, and its line's name there (figure 6-19). */
  panel?: string;
  series?: string;
}

/** An empty split of the same image size (a run without a test split). */
export function emptySplit(like: Split): Split {
  return { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0, rows: like.rows, cols: like.cols };
}

/** The dataset every run of the experiment trains on: the loaded one cut by the protocol. */
export function cutDataset(dataset: Dataset, protocol: DataProtocol): Dataset {
  checkOptionKeys('cutDataset: protocol', protocol, PROTOCOL_KEYS);
  const cut: Dataset = {
    ...dataset,
    train: limitSplit(dataset.train, protocol.trainLimit),
    test: protocol.test === false ? emptySplit(dataset.test) : limitSplit(dataset.test, protocol.testLimit),
  };
  return protocol.validation === undefined ? cut : withValidation(cut, protocol.validation, protocol.validationSeed ?? 0);
}

/** The most entries a run's loss curve keeps (8 MB): longer runs keep block means. */
export const MAX_LOSSES = 1_000_000;

/** How a run ended. 'failed': an error in its worker (the message says which). */
export type RunStatus = 'ok' | 'diverged' | 'interrupted' | 'failed';

/** What a finished (or stopped) run gives back. */
export interface RunOutcome {
  /** Its place in the experiment's list. */
  index: number;
  label: string;
  status: RunStatus;
  /** The error of a failed run. */
  error?: string;
  /** A failed run whose network did not fit in the wasm program's memory (the user's choice of size, not a bug). */
  tooBig?: boolean;
  iterations: number;
  /**
   * The loss of every step, in order (the steps' own loss: train mode, before the update); for
   * runs longer than MAX_LOSSES steps, the mean of every `lossStride` steps.
   */
  losses: Float64Array;
  /** Steps per entry of `losses` (1 but for very long runs): entry j ends at step (j + 1) x lossStride. */
  lossStride: number;
  /** Every measurement (epoch events: train, test and validation accuracy). */
  history: EpochEvent[];
  /** The last measurement's accuracies (NaN when none was made; valAcc only with a validation split). */
  trainAcc: number;
  testAcc: number;
  valAcc?: number;
  /** Mean loss of the last epoch's steps (the last itersPerEpoch, or all when fewer). */
  loss: number;
  /** Time in training steps and in measurements, ms. */
  trainMs: number;
  evalMs: number;
}
