/**
 * `bp-train` / `bp-train train`: load the data, train, report, check the gates.
 * Returns the exit code; throws typed errors (errors.ts) for bad usage and bad data.
 */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import type { Dataset } from '../../data/dataset.js';
import { loadDataset } from '../../data/sources.js';
import { validationCount, withValidation } from '../../data/validation-split.js';
import { kernels, type BackendName } from '../../kernels/backend.js';
import { checkModelInput, saveModel, type EpochRecord } from '../../model/model-file.js';
import type { EpochEvent, TrainEvent } from '../../train/events.js';
import { checkGates, makeSummary, type Gate } from '../../train/summary.js';
import { DIVERGED_LOSS, initialState, itersPerEpoch, train, type TrainConfig, type TrainResult, type TrainState } from '../../train/trainer.js';
import { WriteError, writeFileAtomic } from '../../io/write-file.js';
import { gateLine, lossText, thousands } from '../../report/format.js';
import { trainingChart, writeChart } from '../../report/plots.js';
import { processOutput, type Reporter } from '../../report/reporter.js';
import { runConfig } from '../../train/run-config.js';
import { EXIT, UsageError, writeErrorLine } from '../errors.js';
import { listenForInterrupt, SIGNAL_EXIT, type StopSignal } from '../interrupt.js';
import { addOptions, MAX_ITERS, trainOptions } from '../options.js';
import { configureCommand, makeReporter, requireDistinctFiles, requireWritable, selectBackend, unknownCommand } from '../setup.js';
import { limitNotes } from '../data-limits.js';
import { prepareData } from '../prepare-data.js';
import { epochRecord, modelMeta, readResume, resumeCommand, resumeTarget, type Resumed } from './train-model.js';
import { openCiRun, type CiCliOptions } from './train-ci.js';
import { checkServeOptions, liveModel, openLivePage, type ServeCliOptions } from './train-serve.js';
import { hiddenList, netFromOptions, optimizerFromOptions, type NetCliOptions, type OptimizerCliOptions } from '../net-options.js';
import { netClassName, networkText, optimizerText } from '../../train/names.js';

/** Batch size x the widest hidden layer at most: keeps every batch buffer well inside 32-bit wasm memory (2^26 floats = 256 MB). */
export const MAX_BATCH_ACTIVATIONS = 2 ** 26;

/** CiCliOptions: --baseline, --max-drop, --max-train-drop, --max-loss-rise, --allow-config-change, --junit. */
export interface TrainCliOptions extends CiCliOptions, NetCliOptions, OptimizerCliOptions, ServeCliOptions {
  batchSize: number;
  iters: number;
  epochs?: number;
  /** Iterations between measurements (0: only at the end); default every epoch. */
  evalEvery?: number;
  seed: number;
  data: string;
  offline?: boolean;
  trainLimit?: number;
  testLimit?: number;
  validation?: number;
  minTestAcc?: number;
  minTrainAcc?: number;
  minValAcc?: number;
  maxLoss?: number;
  metrics?: string;
  save?: string;
  resume?: string;
  plot?: string;
  backend?: BackendName;
  threads?: number;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** `name` is 'train' for the subcommand, 'bp-train' for the program itself (training is the default). */
export function makeTrainCommand(run: (code: Promise<number>) => void, name = 'train'): Command {
  const command = new Command(name).description('train a network on MNIST: the book\'s TwoLayerNet with SGD by default, any depth and optimizer with the options (the default command)');
  addOptions(command, trainOptions);
  configureCommand(command).allowExcessArguments(true); // stray words get our own message below
  command.action((opts: TrainCliOptions, cmd: Command) => {
    const stray = cmd.args[0];
    if (stray !== undefined) {
      throw cmd.commands.length > 0 ? unknownCommand(stray, cmd) : new UsageError(`unexpected argument '${stray}' (${name} takes options only)`);
    }
    run(trainCommand(opts, (key) => cmd.getOptionValueSource(key) === 'cli'));
  });
  return command;
}

/** `explicit(key)`: whether an option was given on the command line (--resume refuses contradictions). */
export async function trainCommand(opts: TrainCliOptions, explicit: (key: string) => boolean = () => false): Promise<number> {
  requireDistinctFiles(
    [
      { flag: '--save', file: opts.save, writes: true },
      { flag: '--metrics', file: opts.metrics, writes: true },
      { flag: '--plot', file: opts.plot, writes: true },
      { flag: '--junit', file: opts.junit, writes: true },
      { flag: '--resume', file: opts.resume, writes: false },
      { flag: '--baseline', file: opts.baseline, writes: false },
    ],
    [['--resume', '--save'], ['--baseline', '--metrics']], // --baseline: read before training
  );
  requireWritable('--metrics', opts.metrics);
  requireWritable('--save', opts.save);
  requireWritable('--plot', opts.plot);
  const ci = openCiRun(opts); // reads --baseline now: a bad file fails before any training (train-ci.ts)
  checkServeOptions(opts);
  let resumed: Resumed | null = null;
  if (opts.resume !== undefined) {
    const read = readResume(opts.resume, opts, explicit);
    resumed = read.resumed;
    opts = { ...opts, ...read.fixed };
  }
  if (opts.minValAcc !== undefined && opts.validation === undefined) throw new UsageError(`--min-val-acc ${opts.minValAcc} needs --validation FRACTION (there is no validation split to measure)`);
  const net = netFromOptions(opts); // usage errors before the data is loaded
  const optimizer = optimizerFromOptions(opts);
  selectBackend(opts.backend);
  const threads = opts.threads ?? availableParallelism();
  const reporter = makeReporter(opts);
  await prepareData(opts.data, opts); // downloads fashion-mnist or kmnist on first use
  const loadStart = performance.now();
  const loaded = loadDataset(opts.data, { trainLimit: opts.trainLimit, testLimit: opts.testLimit });
  for (const line of limitNotes(loaded, opts)) reporter.note(line);
  const dataset = opts.validation === undefined ? loaded : holdOutValidation(loaded, opts.validation, opts.seed);
  const loadMs = performance.now() - loadStart;
  checkBatchSize(opts, dataset);
  const dataOptions = { source: opts.data, trainLimit: opts.trainLimit, testLimit: opts.testLimit, validation: opts.validation };
  if (resumed && opts.save === undefined) reporter.note('bp-train: note: resuming without --save: the continued run will not be saved');
  const perEpoch = itersPerEpoch(dataset.train.count, opts.batchSize);
  const requested = opts.epochs !== undefined ? opts.epochs * perEpoch : opts.iters;
  if (requested > MAX_ITERS) {
    throw new UsageError(`--epochs ${opts.epochs} makes ${thousands(requested)} iterations (${thousands(perEpoch)} per epoch), more than the ${thousands(MAX_ITERS)} allowed`);
  }
  if (resumed) checkModelInput(resumed.file, resumed.meta, dataset.train.rows * dataset.train.cols, dataset.source);
  const config: TrainConfig = {
    ...net,
    ...optimizer,
    batchSize: opts.batchSize,
    iterations: resumed ? resumeTarget(resumed, opts.epochs !== undefined || explicit('iters') ? requested : undefined) : requested,
    seed: opts.seed,
    ...(opts.evalEvery !== undefined ? { measureEvery: opts.evalEvery } : {}),
  };
  ci.begin(runConfig(config, dataOptions, dataset, kernels().name));
  const state = resumed?.state ?? initialState(config, dataset.train.rows * dataset.train.cols);
  const startIteration = state.iteration;
  const history: EpochRecord[] = [...(resumed?.meta.history ?? [])];
  const live = await openLivePage(opts, dataset, (line) => reporter.note(line)); // --serve (train-serve.ts)
  const interrupt = listenForInterrupt((line) => reporter.note(line));
  const { stop } = interrupt;
  /**
   * Files that could not be written (disk full, read-only...). A failed write does not end the
   * run at once: training stops after the current iteration (the stop flag a signal sets), the
   * other files are still attempted, the summary is printed, and the exit code is 5.
   */
  const writeErrors: WriteError[] = [];
  const attempt = async (write: () => void | Promise<void>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      if (!(err instanceof WriteError)) throw err;
      writeErrors.push(err);
      stop.requested = true;
      return false;
    }
  };
  let saveFailed = false;
  /** Saves `saved`: the live state, or the copy a measurement made (trainer.ts measures alongside training). */
  const save = async (saved: TrainState = state): Promise<boolean> => {
    if (opts.save === undefined || saveFailed) return false; // after a failure, the previous file stays as it is
    const file = opts.save;
    const meta = modelMeta(config, dataOptions, saved, history);
    saveFailed = !(await attempt(() => saveModel(file, saved.net, meta, saved.optimizer.state())));
    return !saveFailed;
  };
  try {
    const emit = (event: TrainEvent): void => {
      if (event.event === 'epoch') history.push(epochRecord(event));
      reporter.event(event);
      live?.event(event);
    };
    // Only a run that saves (or serves its model to the live page) needs the state measured: the
    // trainer then keeps a copy of it while a measurement runs alongside training.
    const afterMeasure = opts.save === undefined && live === null ? undefined : async (measured: TrainState, epoch: EpochEvent): Promise<void> => {
      live?.measured(() => liveModel(config, { source: opts.data, trainLimit: opts.trainLimit, testLimit: opts.testLimit }, measured, history), epoch);
      await save(measured);
    };
    const result = await train(dataset, config, state, { emit, stop, afterMeasure }, { threads });
    const saved = !result.diverged && (await save()); // at the end, and at the stop point of an interrupted run
    const signal = interrupt.signal();
    if (result.interrupted && signal === null && writeErrors.length > 0) {
      reporter.note(`bp-train: stopped at iteration ${state.iteration} of ${config.iterations}: a checkpoint could not be written`);
    } else if (result.interrupted && saved) {
      reporter.note(`bp-train: stopped at iteration ${state.iteration} of ${config.iterations}; model saved to ${opts.save}`);
      reporter.note(`bp-train: resume with: ${resumeCommand(opts.save!, config.iterations)}`);
    }
    if (opts.plot !== undefined && history.length === 0) {
      reporter.note(`bp-train: no chart written to ${opts.plot}: the run made no measurement (it stopped at iteration ${state.iteration})`);
    } else if (opts.plot !== undefined) {
      const file = opts.plot;
      const sizes = [state.net.spec.inputSize, ...state.net.spec.hiddenSizeList, state.net.spec.outputSize].join('-');
      const chart = trainingChart(history, `bp-train: ${netClassName(state.net.spec, state.net.weightDecayLambda)} ${sizes} on ${dataset.source}`);
      if ((await attempt(() => writeChart(file, chart))) && !opts.quiet) reporter.note(`bp-train: chart written to ${file}`);
    }
    const gates = result.diverged || result.interrupted ? [] : checkGates(result, { minTestAcc: opts.minTestAcc, minTrainAcc: opts.minTrainAcc, minValAcc: opts.minValAcc, maxLoss: opts.maxLoss });
    const network = `${networkText(state.net.spec, state.net.weightDecayLambda)}, ${optimizerText(state.optimizer.name, state.optimizer.hyper())}`;
    const summary = makeSummary(result, gates, { batchSize: config.batchSize, backend: kernels().name, network, threads, loadMs, startIteration });
    ci.complete(summary);
    await ci.writeReports(summary, history, attempt);
    if (writeErrors.length > 0) summary.status = 'write-failed';
    if (opts.metrics !== undefined) {
      const file = opts.metrics;
      const text = ci.metricsText(summary, history);
      if (!(await attempt(() => writeFileAtomic(file, text)))) summary.status = 'write-failed';
    }
    reporter.summary(summary);
    live?.summary(summary);
    ci.printComparison(summary, opts.json ? processOutput.err : processOutput.out, (line) => reporter.note(line));
    const cause = { firstStep: startIteration === 0, weightDecay: state.net.weightDecayLambda };
    return ci.exitCode(finish(reporter, { result, gates, signal, byOutput: interrupt.byOutput(), writeErrors, cause }), summary);
  } finally {
    await live?.close(); // the last snapshot and the end of the event streams, then the server stops
    interrupt.dispose();
    reporter.close();
  }
}

/** The dataset with --validation's share of the training set held out; a share that leaves a split empty is a usage error. */
export function holdOutValidation(dataset: Dataset, fraction: number, seed: number): Dataset {
  const held = validationCount(dataset.train.count, fraction);
  if (held < 1 || held >= dataset.train.count) {
    throw new UsageError(
      `--validation ${fraction} of the ${thousands(dataset.train.count)} training examples holds out ${held}: both the training and the validation split need at least one example`,
    );
  }
  return withValidation(dataset, fraction, seed);
}

/** Batch sizes that only the training split (after --validation) can judge. */
function checkBatchSize(opts: TrainCliOptions, dataset: Dataset): void {
  const trainSize = dataset.train.count;
  if (opts.batchSize > trainSize) {
    const left = opts.validation === undefined ? '' : ` left by --validation ${opts.validation}`;
    throw new UsageError(
      `--batch-size ${opts.batchSize} is larger than the ${thousands(trainSize)} training example${trainSize === 1 ? '' : 's'}${left} (allowed: 1 to ${trainSize})`,
    );
  }
  const widest = Math.max(...hiddenList(opts.hidden));
  if (opts.batchSize * widest > MAX_BATCH_ACTIVATIONS) {
    throw new UsageError(
      `--batch-size ${opts.batchSize} with --hidden ${hiddenList(opts.hidden).join(',')} makes ${thousands(opts.batchSize * widest)} hidden activations per batch ` +
        `in its widest layer (allowed: batch size x hidden <= ${thousands(MAX_BATCH_ACTIVATIONS)}); lower one of them`,
    );
  }
}

/**
 * The lines after the summary and the exit code. When several things went wrong, the code is
 * the first of: 5 a file could not be written, 4 diverged, 128 + n a signal, 1 a gate failed.
 */
function finish(
  reporter: Reporter,
  { result, gates, signal, byOutput, writeErrors, cause }: {
    result: TrainResult;
    gates: Gate[];
    signal: StopSignal | null;
    /** The run was asked to stop because its standard output closed (main.ts). */
    byOutput: boolean;
    writeErrors: WriteError[];
    /** firstStep: the run started from its initial weights; weightDecay: lambda (its 1/2 lambda sum W^2 is in the loss). */
    cause: { firstStep: boolean; weightDecay: number };
  },
): number {
  const { diverged } = result;
  if (diverged) {
    const what = Number.isFinite(diverged.loss) ? `, above ${DIVERGED_LOSS.toFixed(1)}, where float32 probabilities underflow to 0` : '';
    const decay = cause.weightDecay > 0 ? ` or a lower --weight-decay (the loss includes 1/2 x ${cause.weightDecay} x the sum of W^2)` : '';
    // The first step's loss comes from the initial weights: no learning rate has acted yet.
    const first = cause.firstStep && diverged.iteration === 1;
    const advice = first ? `try smaller initial weights (--weight-init-std, --init he)${decay}` : `try a lower --lr${decay}`;
    reporter.note(`bp-train: training diverged at iteration ${diverged.iteration}${first ? ' (before any update)' : ''}: loss is ${lossText(diverged.loss)}${what}; ${advice}`);
  }
  if (result.interrupted && signal !== null) reporter.note(`bp-train: interrupted at iteration ${result.iterations} (${signal})`);
  const failed = gates.filter((g) => !g.passed);
  for (const g of failed) reporter.note(`bp-train: ${gateLine(g)}`);
  for (const err of writeErrors) reporter.note(writeErrorLine(err));
  if (writeErrors.length > 0) return EXIT.write;
  if (diverged) return EXIT.diverged;
  if (result.interrupted && signal !== null) return SIGNAL_EXIT[signal];
  if (result.interrupted && byOutput) return EXIT.pipeClosed;
  return failed.length > 0 ? EXIT.gateFailed : EXIT.ok;
}
