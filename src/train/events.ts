/**
 * The typed events a training run emits. The trainer prints nothing: reporters turn these
 * into a progress bar, plain CI lines or JSON lines. Field names of `epoch` and `summary`
 * are a public contract (--json output).
 *
 * Timing and memory fields (documented as such, and the only fields that differ between
 * two runs with the same options): elapsedMs, wallMs, trainMs, evalMs, loadMs,
 * examplesPerSec, peakRssMb, etaMs, itersPerSec.
 */

export interface StartEvent {
  event: 'start';
  source: string;
  trainSize: number;
  testSize: number;
  /** Examples held out of the training set (--validation), when there are some. */
  validationSize?: number;
  iterations: number;
  startIteration: number;
  itersPerEpoch: number;
  batchSize: number;
  /** Widths of the hidden layers, first to last. */
  hidden: number[];
  /** The network in a few words: "784-100-100-10 relu he" (names.ts). */
  network: string;
  /** The optimizer and every hyperparameter: "adam lr 0.001 beta1 0.9 beta2 0.999". */
  optimizer: string;
  lr: number;
  seed: number;
  backend: string;
}

/**
 * Emitted while training, about every 100 ms; reporters throttle it further. With a
 * measurement alongside training (trainer.ts), progress of epoch n+1 can come before epoch n's
 * EpochEvent.
 */
export interface ProgressEvent {
  event: 'progress';
  iteration: number;
  epoch: number;
  /** Iterations done in the current epoch, 1..itersPerEpoch. */
  epochIteration: number;
  itersPerEpoch: number;
  iterations: number;
  /** Mean loss of this epoch's iterations so far. */
  loss: number;
  elapsedMs: number;
  /**
   * Time in training steps so far in this process (TrainResult.trainMs up to now): a clock that
   * stops while training waits for a measurement, for the reporters' speed and ETAs.
   */
  trainMs: number;
}

export interface EpochEvent {
  event: 'epoch';
  epoch: number;
  iteration: number;
  /** Mean training loss of the iterations since the previous epoch line. */
  loss: number;
  trainAcc: number;
  testAcc: number;
  /** Accuracy on the validation split, when there is one (--validation). */
  valAcc?: number;
  elapsedMs: number;
}

export interface DivergedEvent {
  event: 'diverged';
  iteration: number;
  loss: number;
}

export interface InterruptedEvent {
  event: 'interrupted';
  iteration: number;
}

export type TrainEvent = StartEvent | ProgressEvent | EpochEvent | DivergedEvent | InterruptedEvent;
