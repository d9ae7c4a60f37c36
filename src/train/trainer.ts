/**
 * The training loop of the book's train_neuralnet (section 5.7.4): draw a batch with
 * replacement, backprop, SGD step; measure train and test accuracy on the whole sets at the
 * end of every epoch and once more at the end when the last iteration does not close one.
 *
 * It prints nothing and knows no CLI: it emits typed events (events.ts) and returns a result.
 * Everything random comes from two seeded generators, so the same config gives the same numbers.
 * An iteration runs through the layers, or as one fused backend call when the backend has one
 * (step.ts). `threads` threads share the work, and no number depends on how many:
 * - on the fused path, every step and every measurement is shared by a team of threads
 *   (kernels/wasm-team.ts), at most one per core, but for the measurements before the last:
 *   the helpers count them while this thread trains alone (team-measurer.ts);
 * - on the layer path, threads - 1 workers measure (eval-pool.ts) while this thread trains.
 *
 * With more than one thread, every measurement but the last runs on the other threads
 * alongside the next epoch's training (they get a copy of the weights when it starts): the
 * other cores would otherwise sit idle while this thread trains (layer path), or share the
 * steps less well than they count (fused path).
 * Its epoch event, afterMeasure call and best-epoch bookkeeping happen when it is done (at the
 * latest before the next measurement starts, and before the run ends), with a copy of the
 * state as it was measured. The numbers are those of measuring in line; only the moment an
 * epoch event is emitted changes, and evalMs counts only the time training waited.
 */
import { availableParallelism } from 'node:os';
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import { kernels } from '../kernels/backend.js';
import type { FusedTwoLayerNet } from '../kernels/fused.js';
import { PARAM_NAMES, TwoLayerNet } from '../network/two-layer-net.js';
import { EvalPool, type Accuracies, type Measurer } from './eval-pool.js';
import type { EpochEvent, TrainEvent } from './events.js';
import { FusedStep, makeTrainStep, type TrainStep } from './step.js';
import { TeamMeasurer } from './team-measurer.js';
import { Yielder } from './yielder.js';

export interface TrainConfig {
  hidden: number;
  lr: number;
  batchSize: number;
  /** Total iterations to reach (counting any done before a resume). */
  iterations: number;
  weightInitStd: number;
  seed: number;
}

/** Where a run stands: enough to resume it exactly. */
export interface TrainState {
  net: TwoLayerNet;
  /** The batch sampler's generator. */
  sampler: Random;
  iteration: number;
}

export interface TrainHooks {
  emit(event: TrainEvent): void;
  /**
   * Called after each measurement (end of epoch, end of run), e.g. to save the model, with the
   * state that was measured: the live state when measuring stopped training, a copy when the
   * measurement ran alongside training (made only for this hook: leave it out when the state
   * is not needed; the epoch events are emitted either way).
   */
  afterMeasure?(state: TrainState, epoch: EpochEvent): void | Promise<void>;
  /** Set `requested` (from a signal handler) to stop after the current iteration. */
  stop?: { requested: boolean };
}

/** How to run, not what to compute: these change no number of the result. */
export interface RunOptions {
  /** Threads that share the work (see the header); default 1. */
  threads?: number;
}

export interface TrainResult {
  /** Iterations reached (fewer than asked when interrupted or diverged). */
  iterations: number;
  trainAcc: number;
  testAcc: number;
  bestTestAcc: number;
  bestEpoch: number;
  /** Mean training loss since the last measurement before the end. */
  finalLoss: number;
  /** Time in training steps (with the steps this thread takes alone while others measure). */
  trainMs: number;
  /** Time training waited for measurements (not the measurements counted alongside it). */
  evalMs: number;
  diverged: { iteration: number; loss: number } | null;
  interrupted: boolean;
  history: EpochEvent[];
}

/**
 * A mean loss above this is infinite in all but name: some example's probability for its
 * true class is below the smallest float32 number (2^-149), i.e. it underflows to 0 and
 * -log of it is +Infinity. -log(2^-149) = 149 ln 2 ~ 103.3. Training stops there as diverged.
 */
export const DIVERGED_LOSS = 149 * Math.LN2;

/** Iterations in one epoch: train size / batch size, at least 1 (the book's iter_per_epoch). */
export function itersPerEpoch(trainSize: number, batchSize: number): number {
  return Math.max(1, Math.floor(trainSize / batchSize));
}

/** A fresh run's state: weights from `seed`, batches from a second stream of the same seed. */
export function initialState(config: TrainConfig, inputSize: number, outputSize = 10): TrainState {
  const net = new TwoLayerNet({
    inputSize,
    hiddenSize: config.hidden,
    outputSize,
    weightInitStd: config.weightInitStd,
    seed: config.seed,
  });
  return { net, sampler: new Random(config.seed ^ 0x5a3c_96e1), iteration: 0 };
}

export async function train(dataset: Dataset, config: TrainConfig, state: TrainState, hooks: TrainHooks, options: RunOptions = {}): Promise<TrainResult> {
  const threads = options.threads ?? 1;
  const trainStep = makeTrainStep(state.net, dataset.train, config.batchSize, config.lr, DIVERGED_LOSS);
  let measurer: Measurer | null = null;
  try {
    measurer =
      trainStep instanceof FusedStep
        ? await startTeam(trainStep.fused, dataset, teamSize(threads, config.hidden))
        : new EvalPool(dataset, state.net, threads);
    return await trainLoop(dataset, config, state, hooks, trainStep, measurer);
  } finally {
    await trainStep.release();
    await measurer?.close();
  }
}

/** Shares the fused net's steps among `threads` threads, and returns the measurer that counts with them. */
async function startTeam(fused: FusedTwoLayerNet, dataset: Dataset, threads: number): Promise<Measurer> {
  const ready = fused.useThreads(threads);
  try {
    // While the helpers start (~30 ms), the images' copies in the fused net's form are made.
    fused.prepare(dataset.train.images, dataset.train.labels);
    fused.prepare(dataset.test.images, dataset.test.labels);
  } catch (e) {
    await ready.catch(() => {}); // the first error is the one to tell
    throw e;
  }
  await ready;
  return new TeamMeasurer(fused, dataset);
}

/**
 * The threads of the fused path's team: `threads`, but one a core at most (the threads wait for
 * each other by spinning, which a core shared by two of them turns into a crawl: 11 s instead
 * of 0.8 for the book's steps, 3 threads on 2 cores) and one per 3 vectors of hidden units at
 * most (4 for the book's 50: a thread's run of fewer makes its sums wait on their own
 * additions, simd.as.ts; a guess, as only 2 cores were at hand to measure).
 */
export function teamSize(threads: number, hidden: number): number {
  return Math.max(1, Math.min(threads, availableParallelism(), Math.floor(Math.ceil(hidden / 4) / 3)));
}

async function trainLoop(
  dataset: Dataset,
  config: TrainConfig,
  state: TrainState,
  hooks: TrainHooks,
  trainStep: TrainStep,
  measurer: Measurer,
): Promise<TrainResult> {
  const { sampler } = state;
  const { train: trainSplit, test: testSplit } = dataset;
  const perEpoch = itersPerEpoch(trainSplit.count, config.batchSize);
  const yielder = new Yielder();
  const started = performance.now();
  const result: TrainResult = {
    iterations: state.iteration,
    trainAcc: NaN,
    testAcc: NaN,
    bestTestAcc: NaN,
    bestEpoch: 0,
    finalLoss: NaN,
    trainMs: 0,
    evalMs: 0,
    diverged: null,
    interrupted: false,
    history: [],
  };
  hooks.emit({
    event: 'start',
    source: dataset.source,
    trainSize: trainSplit.count,
    testSize: testSplit.count,
    iterations: config.iterations,
    startIteration: state.iteration,
    itersPerEpoch: perEpoch,
    batchSize: config.batchSize,
    hidden: config.hidden,
    lr: config.lr,
    seed: config.seed,
    backend: kernels().name,
  });

  let lossSum = 0;
  let lossCount = 0;
  // Training time: the time between resume() and pause(), summed.
  let stepStart = performance.now();
  const pause = (): void => {
    result.trainMs += performance.now() - stepStart;
  };
  const resume = (): void => {
    stepStart = performance.now();
  };
  const report = async (measured: TrainState, iteration: number, loss: number, { trainAcc, testAcc }: Accuracies): Promise<void> => {
    const epochEvent: EpochEvent = {
      event: 'epoch',
      epoch: Math.ceil(iteration / perEpoch),
      iteration,
      loss,
      trainAcc,
      testAcc,
      elapsedMs: Math.round(performance.now() - started),
    };
    Object.assign(result, { trainAcc, testAcc, finalLoss: epochEvent.loss });
    if (!(testAcc <= result.bestTestAcc)) {
      result.bestTestAcc = testAcc;
      result.bestEpoch = epochEvent.epoch;
    }
    result.history.push(epochEvent);
    hooks.emit(epochEvent);
    await hooks.afterMeasure?.(measured, epochEvent);
  };
  /** The measurement running alongside training, if any (see the header). */
  let pending: PendingMeasurement | null = null;
  /** Waits for the pending measurement, if any (counted as evaluation time), and reports it; call while paused. */
  const finishPending = async (): Promise<void> => {
    if (pending === null) return;
    const measured = pending;
    pending = null;
    const waitStart = performance.now();
    if (!measured.done) measurer.finish();
    const accuracies = await measured.accuracies;
    result.evalMs += performance.now() - waitStart;
    await report(measured.state, measured.iteration, measured.loss, accuracies);
  };
  try {
    while (state.iteration < config.iterations) {
      const loss = trainStep.step(sampler); // updates the weights unless the loss is above DIVERGED_LOSS
      if (!(loss <= DIVERGED_LOSS)) {
        // NaN, +Infinity, or effectively infinite (see DIVERGED_LOSS)
        pause();
        await finishPending();
        result.diverged = { iteration: state.iteration + 1, loss };
        hooks.emit({ event: 'diverged', iteration: state.iteration + 1, loss });
        break;
      }
      state.iteration++;
      lossSum += loss;
      lossCount++;
      result.iterations = state.iteration;
      const closesEpoch = state.iteration % perEpoch === 0 || state.iteration === config.iterations;
      if (closesEpoch) {
        pause();
        await finishPending();
        const evalStart = performance.now();
        trainStep.sync(); // net.params now hold the weights (the fused step keeps them in the backend)
        const epochLoss = lossSum / lossCount;
        if (measurer.countsAlongside && state.iteration < config.iterations && hooks.stop?.requested !== true) {
          // The counting threads have their copy of the weights when accuracies() returns: train on.
          const measurement: PendingMeasurement = {
            state: hooks.afterMeasure === undefined ? state : copyState(state),
            iteration: state.iteration,
            loss: epochLoss,
            accuracies: measurer.accuracies(undefined, true),
            done: false,
          };
          const settled = (): void => {
            measurement.done = true;
          };
          measurement.accuracies.then(settled, settled); // a rejection is rethrown by finishPending
          pending = measurement;
          result.evalMs += performance.now() - evalStart;
        } else {
          const accuracies = await measurer.accuracies(yielder);
          result.evalMs += performance.now() - evalStart;
          await report(state, state.iteration, epochLoss, accuracies);
        }
        lossSum = 0;
        lossCount = 0;
        resume();
      }
      const yielded = await yielder.maybeYield();
      if (pending?.done) {
        pause();
        await finishPending();
        resume();
      }
      // Right after a measurement there is nothing new to report (and no loss to average); while
      // one is pending, this epoch's progress would come before the last epoch's event.
      if (yielded && lossCount > 0 && pending === null) {
        const epoch = Math.ceil(state.iteration / perEpoch);
        hooks.emit({
          event: 'progress',
          iteration: state.iteration,
          epoch,
          epochIteration: state.iteration - (epoch - 1) * perEpoch,
          itersPerEpoch: perEpoch,
          iterations: config.iterations,
          loss: lossSum / lossCount,
          elapsedMs: Math.round(performance.now() - started),
          trainMs: result.trainMs + performance.now() - stepStart,
        });
      }
      if (hooks.stop?.requested && state.iteration < config.iterations) {
        pause();
        await finishPending();
        result.interrupted = true;
        hooks.emit({ event: 'interrupted', iteration: state.iteration });
        break;
      }
    }
    if (result.diverged === null && !result.interrupted) {
      pause();
      await finishPending();
    }
  } finally {
    // After an error a measurement may still run: let it end before the pool closes.
    await (pending as PendingMeasurement | null)?.accuracies.catch(() => {});
  }
  trainStep.sync();
  if (result.diverged !== null) result.finalLoss = result.diverged.loss;
  else if (result.history.length === 0 && lossCount > 0) result.finalLoss = lossSum / lossCount;
  return result;
}

/** A measurement running on worker threads, with what its epoch event and afterMeasure need. */
interface PendingMeasurement {
  /** The state measured (a copy when afterMeasure needs one, since training goes on; else the live state). */
  state: TrainState;
  /** The iteration it was measured at. */
  iteration: number;
  /** Mean training loss of the epoch. */
  loss: number;
  accuracies: Promise<Accuracies>;
  /** Set when accuracies has settled: reported at the next chance. */
  done: boolean;
}

/** A copy of the state: the weights and the sampler as they are now. */
function copyState(state: TrainState): TrainState {
  const { W1, W2 } = state.net.params;
  const net = new TwoLayerNet({ inputSize: W1.rows, hiddenSize: W1.cols, outputSize: W2.cols, dtype: state.net.dtype });
  for (const name of PARAM_NAMES) net.params[name].data.set(state.net.params[name].data);
  return { net, sampler: Random.fromState(state.sampler.getState()), iteration: state.iteration };
}
