/**
 * The training loop of the book's Trainer (sections 5.7.4 and 6): draw a batch with
 * replacement, backprop, update; measure train and test accuracy on the whole sets at the
 * end of every epoch and once more at the end when the last iteration does not close one.
 * TrainConfig.measureEvery measures every so many iterations instead (0: only at the end), and
 * a dataset with a validation split has its accuracy measured with the others (valAcc).
 *
 * It prints nothing and knows no CLI: it emits typed events (events.ts) and returns a result.
 * Everything random comes from two seeded generators, so the same config gives the same numbers.
 * What runs a step and a measurement is an engine (engine/engine.ts), opened by a factory
 * (engine/open-engine.ts by default) from the backend and the network: the trainer keeps the
 * loop, the sampler (it draws each batch's rows), the divergence check, stop and the events,
 * and knows nothing of threads or executors. No number depends on the engine's threads.
 *
 * Measurements alongside: at the end of every epoch but the last the trainer lets the engine
 * count alongside the next epoch's training (MeasureRequest.alongside); when it does, the
 * epoch event, afterMeasure call and best-epoch bookkeeping happen when the count is done (at
 * the latest before the next measurement starts, and before the run ends), with a copy of the
 * state as it was measured. The numbers are those of measuring in line; only the moment an
 * epoch event is emitted changes, and evalMs counts only the time training waited.
 */
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import { kernels } from '../kernels/backend.js';
import type { Accuracies, Engine, EngineFactory, Measurement } from '../engine/engine.js';
import { openEngine } from '../engine/open-engine.js';
import { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Activation, WeightInit } from '../network/spec.js';
import { TwoLayerNet } from '../network/two-layer-net.js';
import { makeOptimizer, type Hyperparameters } from '../optim/make-optimizer.js';
import type { Optimizer, OptimizerName } from '../optim/optimizer.js';
import type { EpochEvent, TrainEvent } from './events.js';
import { netClassName, networkText, optimizerText } from './names.js';
import { checkConfigKeys, checkSeed, checkTrainInputs } from './train-inputs.js';
import { Yielder } from './yielder.js';

export interface TrainConfig {
  /** Widths of the hidden layers, first to last ([100, 100]: 784-100-100-10); a number is one hidden layer. */
  hidden: number | readonly number[];
  /** 'relu' (the default), 'sigmoid' or 'tanh'. */
  activation?: Activation;
  /** A standard deviation for every layer (the book's chapter-5 0.01), or 'he' / 'xavier' (init.ts). */
  weightInitStd: WeightInit;
  /** The book's weight_decay_lambda (default 0). */
  weightDecayLambda?: number;
  /** The book's MultiLayerNetExtend options (default off; dropoutRatio 0.5). */
  useBatchnorm?: boolean;
  useDropout?: boolean;
  dropoutRatio?: number;
  /** 'sgd' (the default), 'momentum', 'nesterov', 'adagrad', 'rmsprop' or 'adam'. */
  optimizer?: OptimizerName;
  lr: number;
  /** The optimizer's other hyperparameters, those it takes (the book's defaults when left out). */
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
  batchSize: number;
  /** Total iterations to reach (counting any done before a resume). */
  iterations: number;
  seed: number;
  /**
   * Iterations between two measurements (default: one epoch, itersPerEpoch); 0 measures only at
   * the end. The last iteration is always measured. Training computes the same either way.
   */
  measureEvery?: number;
  /**
   * A step whose loss is above this (or NaN) changes nothing and ends the run as diverged
   * (default DIVERGED_LOSS). Number.MAX_VALUE stops only at NaN or an infinite loss, as the
   * book's loops (whose loss, log(y + 1e-7), never exceeds 16.1) go on whatever the loss.
   */
  maxLoss?: number;
}

/** Where a run stands: enough to resume it exactly. */
export interface TrainState {
  /** The network: its params and buffers, and its iteration (the dropout masks' clock). */
  net: MultiLayerNet;
  /** The optimizer with its state (slots, Adam's t). */
  optimizer: Optimizer;
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
  /**
   * Called after every step that updated the weights, with the iteration it reached (1 for the
   * first) and the batch's loss as the step computed it (train mode, before the update). Keep it
   * cheap: it runs on every step. NOTE: the state is synced with the engine only at
   * measurements and at the end: with the wasm program, state.net here holds the weights of the
   * last measurement.
   */
  onStep?(iteration: number, loss: number): void;
}

/** How to run, not what to compute: these change no number of the result. */
export interface RunOptions {
  /** Threads the engine may use (steps, measurements); default 1. */
  threads?: number;
  /** Opens the engine (default: openEngine, which picks the executor from the backend and the network). */
  engine?: EngineFactory;
}

export interface TrainResult {
  /** Iterations reached (fewer than asked when interrupted or diverged). */
  iterations: number;
  trainAcc: number;
  testAcc: number;
  /** The last validation accuracy, when the dataset has a validation split. */
  valAcc?: number;
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

/** The hidden widths of a config: a number is one hidden layer. */
export function hiddenSizes(config: Pick<TrainConfig, 'hidden'>): number[] {
  return typeof config.hidden === 'number' ? [config.hidden] : [...config.hidden];
}

/** The optimizer's hyperparameters from a config: lr and those of the others that are set. */
export function configHyper(config: TrainConfig): Hyperparameters {
  const { lr, momentum, decayRate, beta1, beta2 } = config;
  const hyper: Hyperparameters = { lr };
  for (const [key, value] of Object.entries({ momentum, decayRate, beta1, beta2 })) if (value !== undefined) hyper[key as keyof Hyperparameters] = value;
  return hyper;
}

/**
 * A config's network, its weights drawn from `seed`: a TwoLayerNet for the chapter-5 net (one
 * hidden ReLU layer, a plain std, nothing of MultiLayerNetExtend), else a MultiLayerNet. The
 * preset draws the same bits as the MultiLayerNet of the same spec.
 */
export function makeNet(config: TrainConfig, inputSize: number, outputSize = 10, dtype: 'float32' | 'float64' = 'float32'): MultiLayerNet {
  const { activation = 'relu', weightInitStd, weightDecayLambda = 0, useBatchnorm = false, useDropout = false, dropoutRatio, seed } = config;
  const hiddenSizeList = hiddenSizes(config);
  if (netClassName({ hiddenSizeList, activation, weightInitStd, useBatchnorm, useDropout }, weightDecayLambda) === 'TwoLayerNet') {
    return new TwoLayerNet({ inputSize, hiddenSize: hiddenSizeList[0], outputSize, weightInitStd: weightInitStd as number, seed, dtype });
  }
  return new MultiLayerNet({ inputSize, hiddenSizeList, outputSize, activation, weightInitStd, weightDecayLambda, useBatchnorm, useDropout, dropoutRatio, seed, dtype });
}

/** A fresh run's state: weights from `seed`, a fresh optimizer, batches from a second stream of the same seed. */
export function initialState(config: TrainConfig, inputSize: number, outputSize = 10): TrainState {
  checkConfigKeys('initialState', config);
  checkSeed('initialState: config', config.seed);
  const net = makeNet(config, inputSize, outputSize);
  const optimizer = makeOptimizer(config.optimizer ?? 'sgd', configHyper(config));
  return { net, optimizer, sampler: new Random(config.seed ^ 0x5a3c_96e1), iteration: 0 };
}

/**
 * Trains `state` on `dataset` up to config.iterations, emitting events through `hooks`.
 * @throws TypeError or RangeError before any step when the inputs do not fit (train-inputs.ts).
 */
export async function train(dataset: Dataset, config: TrainConfig, state: TrainState, hooks: TrainHooks, options: RunOptions = {}): Promise<TrainResult> {
  checkTrainInputs(dataset, config, state, hooks, options.threads);
  const open = options.engine ?? openEngine;
  const engine = await open({
    net: state.net,
    optimizer: state.optimizer,
    dataset,
    batchSize: config.batchSize,
    maxLoss: config.maxLoss ?? DIVERGED_LOSS,
    threads: options.threads ?? 1,
  });
  try {
    return await trainLoop(dataset, config, state, hooks, engine);
  } finally {
    await engine.close();
  }
}

async function trainLoop(dataset: Dataset, config: TrainConfig, state: TrainState, hooks: TrainHooks, engine: Engine): Promise<TrainResult> {
  const { sampler } = state;
  const { train: trainSplit, test: testSplit } = dataset;
  const perEpoch = itersPerEpoch(trainSplit.count, config.batchSize);
  const measureEvery = config.measureEvery ?? perEpoch;
  if (!(Number.isInteger(measureEvery) && measureEvery >= 0)) throw new RangeError(`TrainConfig.measureEvery must be a non-negative integer, got ${measureEvery}`);
  const { onStep } = hooks;
  const maxLoss = config.maxLoss ?? DIVERGED_LOSS;
  const rows = new Int32Array(config.batchSize);
  const yielder = new Yielder();
  let progressAt = performance.now();
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
    ...(dataset.validation === undefined ? {} : { validationSize: dataset.validation.count }),
    iterations: config.iterations,
    startIteration: state.iteration,
    itersPerEpoch: perEpoch,
    batchSize: config.batchSize,
    hidden: [...state.net.spec.hiddenSizeList],
    network: networkText(state.net.spec, state.net.weightDecayLambda),
    optimizer: optimizerText(state.optimizer.name, state.optimizer.hyper()),
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
  const report = async (measured: TrainState, iteration: number, loss: number, { trainAcc, testAcc, valAcc }: Accuracies): Promise<void> => {
    const epochEvent: EpochEvent = {
      event: 'epoch',
      epoch: Math.ceil(iteration / perEpoch),
      iteration,
      loss,
      trainAcc,
      testAcc,
      ...(valAcc === undefined ? {} : { valAcc }),
      elapsedMs: Math.round(performance.now() - started),
    };
    Object.assign(result, { trainAcc, testAcc, finalLoss: epochEvent.loss });
    if (valAcc !== undefined) result.valAcc = valAcc;
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
    if (!measured.measurement.settled) measured.measurement.hurry();
    const accuracies = await measured.measurement.accuracies;
    result.evalMs += performance.now() - waitStart;
    await report(measured.state, measured.iteration, measured.loss, accuracies);
  };
  let ended = false;
  try {
    while (state.iteration < config.iterations) {
      drawRows(sampler, trainSplit.count, rows);
      const loss = engine.step(rows); // updates the weights unless the loss is above maxLoss
      if (!(loss <= maxLoss)) {
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
      if (onStep !== undefined) onStep(state.iteration, loss);
      const closesEpoch = (measureEvery > 0 && state.iteration % measureEvery === 0) || state.iteration === config.iterations;
      if (closesEpoch) {
        pause();
        await finishPending();
        const evalStart = performance.now();
        engine.sync(); // state.net and state.optimizer now hold the engine's state
        const epochLoss = lossSum / lossCount;
        const alongside = state.iteration < config.iterations && hooks.stop?.requested !== true;
        const measurement = engine.measure({ alongside, yielder });
        if (measurement.alongside) {
          // The engine has its copy of the weights now: train on.
          pending = {
            state: hooks.afterMeasure === undefined ? state : copyState(state),
            iteration: state.iteration,
            loss: epochLoss,
            measurement,
          };
          result.evalMs += performance.now() - evalStart;
        } else {
          const accuracies = await measurement.accuracies;
          result.evalMs += performance.now() - evalStart;
          await report(state, state.iteration, epochLoss, accuracies);
        }
        lossSum = 0;
        lossCount = 0;
        resume();
      }
      await yielder.maybeYield();
      if (pending?.measurement.settled) {
        pause();
        await finishPending();
        resume();
      }
      // Progress every yielder interval of the loop, by the clock: measurements in line yield
      // too, so with small epochs the loop's own yields can be seconds apart. Right after a
      // measurement there is nothing new to report (and no loss to average). While the last
      // epoch's measurement is still pending, this epoch's progress comes before that epoch's
      // event: on a busy machine a measurement can take a whole epoch, and the progress shown
      // must not stop meanwhile.
      const now = performance.now();
      if (now - progressAt >= yielder.intervalMs && lossCount > 0) {
        progressAt = now;
        const epoch = Math.ceil(state.iteration / perEpoch);
        hooks.emit({
          event: 'progress',
          iteration: state.iteration,
          epoch,
          epochIteration: state.iteration - (epoch - 1) * perEpoch,
          itersPerEpoch: perEpoch,
          iterations: config.iterations,
          loss: lossSum / lossCount,
          elapsedMs: Math.round(now - started),
          trainMs: result.trainMs + now - stepStart,
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
    ended = true;
  } finally {
    // After an error a measurement may still run: let it end (at once) before the engine closes.
    const left = pending as PendingMeasurement | null;
    if (left !== null && !left.measurement.settled) left.measurement.hurry();
    await left?.measurement.accuracies.catch(() => {});
    // However the loop ended, the net and optimizer catch up with the steps taken, as
    // state.iteration and the sampler have: a caller that saves after an error (a hook that
    // threw) saves one consistent state. After an error, the first error is the one thrown.
    try {
      engine.sync();
    } catch (err) {
      if (ended) throw err;
    }
  }
  if (result.diverged !== null) result.finalLoss = result.diverged.loss;
  else if (result.history.length === 0 && lossCount > 0) result.finalLoss = lossSum / lossCount;
  return result;
}

/**
 * The batch's rows, drawn uniformly with replacement (the book's np.random.choice): one
 * sampler.nextInt(count) per row, in order. NOTE: a function of its own, so that it is
 * optimised apart from the long async loop (inline there, the default run was ~4% slower).
 */
function drawRows(sampler: Random, count: number, rows: Int32Array): void {
  for (let r = 0; r < rows.length; r++) rows[r] = sampler.nextInt(count);
}

/** A measurement running alongside training, with what its epoch event and afterMeasure need. */
interface PendingMeasurement {
  /** The state measured (a copy when afterMeasure needs one, since training goes on; else the live state). */
  state: TrainState;
  /** The iteration it was measured at. */
  iteration: number;
  /** Mean training loss of the epoch. */
  loss: number;
  measurement: Measurement;
}

/** A copy of the state: the net (params, buffers, iteration), the optimizer's state and the sampler as they are now. */
export function copyState(state: TrainState): TrainState {
  const { net, optimizer } = state;
  const copy = new MultiLayerNet({ ...net.spec, weightDecayLambda: net.weightDecayLambda, seed: net.seed, dtype: net.dtype });
  for (const [name, m] of Object.entries(net.params)) copy.params[name].data.set(m.data);
  for (const [name, m] of Object.entries(net.buffers)) copy.buffers[name].data.set(m.data);
  copy.iteration = net.iteration;
  const optimizerCopy = makeOptimizer(optimizer.name, optimizer.hyper());
  optimizerCopy.loadState(optimizer.state());
  return { net: copy, optimizer: optimizerCopy, sampler: Random.fromState(state.sampler.getState()), iteration: state.iteration };
}
