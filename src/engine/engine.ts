/**
 * Engine: what the trainer (train/trainer.ts) sees of whatever runs the network. The trainer
 * keeps the loop, the batch sampler, the divergence check, stop and the events; an engine
 * keeps everything about how a step and a measurement run: the backend, the executor, the
 * threads, whether a measurement runs alongside training or in line.
 *
 * The contract, for every implementation (js-engine.ts, program-engine.ts):
 * - An engine is opened over the run's own net and optimizer (EngineInit: the "home" objects,
 *   what model files are written from). It may train them in place (the js engine) or keep
 *   its own resident copy (a wasm executor), reading them once when it opens.
 * - `step(rows)` trains on the images rows[0 .. batch) of the train split, in that order (the
 *   trainer draws them: sampler.nextInt(count) per row), and returns the batch's loss as the
 *   net's loss() computes it in train mode (the mean cross-entropy, plus the weight-decay term
 *   when lambda > 0). When that loss is above `maxLoss` or NaN it changes nothing: weights,
 *   batch norm's running statistics, optimizer state and dropout iteration stay as they were.
 * - `measure(request)` counts train and test accuracy (whole splits, test mode), and validation
 *   accuracy when the dataset has a validation split, for the weights
 *   as they are at the call, and returns a handle at once. With `request.alongside` true the
 *   engine MAY count on other threads while training goes on (the handle then says
 *   `alongside: true`, and the weights may change as soon as measure returned); else, or when
 *   it has no other thread, it counts in line and the trainer awaits the handle before the next
 *   step. In line, it calls `request.yielder.maybeYield()` every few ms of work, so a signal
 *   handler and a progress bar get their turns.
 * - `Measurement.hurry()`: the trainer is about to wait for it: finish it as fast as can be
 *   (e.g. with every thread). The accuracies are the same either way: an engine's count never
 *   depends on how or where it ran.
 * - `sync()` makes the home net (params, buffers, iteration) and optimizer hold the engine's
 *   current state; the trainer calls it before it reads them (afterMeasure, the end of a run).
 *   A no-op for an engine that trains them in place.
 * - `close()` frees threads and memory; the engine is not used afterwards. The home objects
 *   are left as the last sync() made them.
 *
 * Words: "in line" = training waits for the count; "alongside" = the count runs on other
 * threads while this thread trains on.
 */
import type { Dataset } from '../data/dataset.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Optimizer } from '../optim/optimizer.js';

/** valAcc: only when the dataset has a validation split (Dataset.validation), counted with the others. */
export type Accuracies = { trainAcc: number; testAcc: number; valAcc?: number };

/** Gives the event loop a turn now and then (train/yielder.ts's Yielder is one). */
export interface Yield {
  maybeYield(): Promise<unknown>;
}

export interface MeasureRequest {
  /** True when training will go on before the result is needed: the engine may count alongside. */
  alongside: boolean;
  /** For in-line counts: called every few ms of work. */
  yielder?: Yield;
}

/** A measurement under way: the accuracies of the weights as they were when measure() was called. */
export interface Measurement {
  /** True when it counts on other threads while training goes on (see the header). */
  readonly alongside: boolean;
  readonly accuracies: Promise<Accuracies>;
  /** True once `accuracies` has settled (resolved or rejected). */
  readonly settled: boolean;
  /** The caller is about to wait for it: finish as fast as can be. */
  hurry(): void;
}

export interface Engine {
  /** Which executor runs the steps: 'layers' (MultiLayerNet on a backend's kernels) or 'program' (the wasm program). */
  readonly executor: string;
  /** Threads the engine uses (steps and counts), this one included. */
  readonly threads: number;
  /** One training step on these train images; returns the mean loss (see the header for maxLoss). */
  step(rows: Int32Array): number;
  measure(request: MeasureRequest): Measurement;
  /** The home net and optimizer now hold the engine's current state. */
  sync(): void;
  close(): Promise<void>;
}

/** What an engine is opened with. */
export interface EngineInit {
  /** The run's net: its spec says what to run, its params (and buffers, iteration) where to start. */
  net: MultiLayerNet;
  /** The run's optimizer, with its state (fresh, or loaded on resume). */
  optimizer: Optimizer;
  dataset: Dataset;
  /** The largest batch step() gets. */
  batchSize: number;
  /** Above this loss (or NaN) a step changes nothing. */
  maxLoss: number;
  /** Threads the engine may use (a request: it may use fewer). */
  threads: number;
}

/** Opens an engine; the factory (open-engine.ts) picks the executor from the backend and the spec. */
export type EngineFactory = (init: EngineInit) => Promise<Engine>;
