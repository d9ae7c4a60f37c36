/**
 * `bp-train compare`: several trainings that differ in one option, on all cores, drawn on one
 * chart. The option that varies is given as a list (`--optimizer sgd,momentum,adagrad,adam`,
 * `--batch-norm on,off`, `--dropout off,0.2`...), every other option as train takes it; or
 * `--preset NAME` runs one of the book's chapter-6 experiments with its protocol
 * (experiments/presets.ts). Prints a line per finished run (in the runs' order), a table, and
 * with --json JSON lines ending in the summary.
 */
import type { Dataset } from '../../data/dataset.js';
import type { RunOutcome, RunSpec } from '../../experiments/experiment.js';
import { presetPlan, type ExperimentPlan, type PresetName } from '../../experiments/presets.js';
import { smoothCurve } from '../../experiments/smooth-curve.js';
import { kernels, type BackendName } from '../../kernels/backend.js';
import type { Activation } from '../../network/spec.js';
import type { OptimizerName } from '../../optim/optimizer.js';
import { compareChart } from '../../report/compare-chart.js';
import { lossText, seconds, thousands } from '../../report/format.js';
import { writeChart } from '../../report/plots.js';
import { processOutput } from '../../report/reporter.js';
import { accText, textTable } from '../../report/runs-table.js';
import { WriteError } from '../../io/write-file.js';
import { initText, networkText, optimizerText, type InitName } from '../../train/names.js';
import { resolveSpec } from '../../network/spec.js';
import { itersPerEpoch, type TrainConfig } from '../../train/trainer.js';
import { EXIT, UsageError, writeErrorLine } from '../errors.js';
import { SIGNAL_EXIT } from '../interrupt.js';
import { netFromOptions, optimizerFromOptions } from '../net-options.js';
import { requireWritable, selectBackend } from '../setup.js';
import { checkBatchSizes, experimentData, failureReport, limitFlags, jsonNumber, note, runExperiment, statusText } from '../experiment-runner.js';

/** As commander leaves them: a list when given, the default (one value, unparsed) when not. */
export interface CompareCliOptions {
  preset?: PresetName;
  optimizer: OptimizerName | OptimizerName[];
  init: InitName | InitName[];
  weightInitStd?: number[];
  lr?: number[];
  activation: Activation | Activation[];
  batchNorm: string | boolean[];
  weightDecay: number | number[];
  dropout: string | (number | null)[];
  hidden: number | number[];
  batchSize: number;
  iters?: number;
  epochs?: number;
  evalEvery?: number;
  seed: number;
  data: string;
  offline?: boolean;
  trainLimit?: number;
  testLimit?: number;
  validation?: number;
  plot?: string;
  workers?: number;
  backend?: BackendName;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** The iterations of a run without --iters, --epochs or a preset (train's default). */
const DEFAULT_ITERS = 10000;

/** The options that can vary, their flags, and each value's label. */
const VARYING = {
  optimizer: { flag: '--optimizer', label: (v: unknown) => String(v) },
  init: { flag: '--init', label: (v: unknown) => String(v) },
  weightInitStd: { flag: '--weight-init-std', label: (v: unknown) => `std ${String(v)}` },
  lr: { flag: '--lr', label: (v: unknown) => `lr ${String(v)}` },
  activation: { flag: '--activation', label: (v: unknown) => String(v) },
  batchNorm: { flag: '--batch-norm', label: (v: unknown) => (v === true ? 'batch norm' : 'no batch norm') },
  weightDecay: { flag: '--weight-decay', label: (v: unknown) => (v === 0 ? 'no weight decay' : `weight decay ${String(v)}`) },
  dropout: { flag: '--dropout', label: (v: unknown) => (v === null ? 'no dropout' : `dropout ${String(v)}`) },
} as const;
type VaryingKey = keyof typeof VARYING;

/** What a preset lets the command line change (everything else is its protocol). */
const PRESET_OVERRIDES = new Set(['preset', 'iters', 'epochs', 'evalEvery', 'seed', 'data', 'offline', 'trainLimit', 'testLimit', 'validation', 'plot', 'workers', 'backend', 'json', 'quiet', 'debug']);

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The lists as given (defaults as one-value lists). */
function lists(opts: CompareCliOptions): Record<VaryingKey, unknown[]> {
  return {
    optimizer: asList(opts.optimizer),
    init: asList(opts.init),
    weightInitStd: opts.weightInitStd ?? [undefined],
    lr: opts.lr ?? [undefined],
    activation: asList(opts.activation),
    batchNorm: Array.isArray(opts.batchNorm) ? opts.batchNorm : [false],
    weightDecay: asList(opts.weightDecay),
    dropout: Array.isArray(opts.dropout) ? opts.dropout : [null],
  };
}

/**
 * The plan of a comparison built from the options: the runs differ in the one option given as
 * a list. `retitle(inputSize)`: its title once the data (the image size) is known.
 */
export function optionsPlan(opts: CompareCliOptions): { plan: ExperimentPlan; retitle: (inputSize: number) => string } {
  const given = lists(opts);
  const varying = (Object.keys(VARYING) as VaryingKey[]).filter((key) => given[key].length > 1);
  if (varying.length === 0) {
    throw new UsageError('compare needs one option with several values, e.g. --optimizer sgd,adam or --batch-norm off,on (or --preset NAME)');
  }
  if (varying.length > 1) {
    throw new UsageError(`compare varies one option at a time: ${varying.map((k) => VARYING[k].flag).join(' and ')} both list several values`);
  }
  const key = varying[0];
  const { flag, label } = VARYING[key];
  const values = given[key];
  const seen = new Set<string>();
  for (const v of values) {
    // as typed: on/off for the switches (held as true/false, dropout's off as null)
    const typed = typeof v === 'boolean' ? (v ? 'on' : 'off') : v === null ? 'off' : String(v);
    if (seen.has(String(v))) throw new UsageError(`${flag} lists ${typed} twice: each run needs a value of its own`);
    seen.add(String(v));
  }
  if (key === 'weightInitStd' && given.init[0] !== 'std') {
    throw new UsageError(`--weight-init-std ${values.join(',')} goes with --init std only: --init ${String(given.init[0])} sets each layer's scale itself; leave one of them out`);
  }
  const one = (k: VaryingKey, v?: unknown): unknown => (k === key ? v : given[k][0]);
  const runs = values.map((v): RunSpec => {
    const dropout = one('dropout', v) as number | null;
    const net = netFromOptions({
      hidden: opts.hidden,
      activation: one('activation', v) as Activation,
      init: (key === 'weightInitStd' ? 'std' : one('init', v)) as InitName,
      weightInitStd: one('weightInitStd', v) as number | undefined,
      batchNorm: one('batchNorm', v) as boolean,
      dropout: dropout ?? undefined,
      weightDecay: one('weightDecay', v) as number,
    });
    const optimizer = optimizerFromOptions({ optimizer: one('optimizer', v) as OptimizerName, lr: one('lr', v) as number | undefined });
    const config: TrainConfig = { ...net, ...optimizer, batchSize: opts.batchSize, iterations: DEFAULT_ITERS, seed: opts.seed };
    // An optimizer's label names its lr: each takes its own default (sgd 0.1, adam 0.001...).
    const name = key === 'init' ? initText(net.weightInitStd) : key === 'optimizer' ? `${optimizer.optimizer} lr ${optimizer.lr}` : label(v);
    return { label: name, config };
  });
  const retitle = (inputSize: number): string => `bp-train compare ${flag}: ${runDescription(runs[0].config, key, inputSize)}`;
  const plan: ExperimentPlan = { name: 'compare', title: retitle(784), data: { trainLimit: opts.trainLimit, testLimit: opts.testLimit }, runs, chart: { kind: 'curves' } };
  return { plan, retitle };
}

/** The settings the runs share, in words ("784-50-10 relu, batch 100"), leaving out the one that varies. */
function runDescription(config: TrainConfig, varying: VaryingKey, inputSize: number): string {
  const spec = resolveSpec({ inputSize, hiddenSizeList: typeof config.hidden === 'number' ? [config.hidden] : config.hidden, outputSize: 10, activation: config.activation, weightInitStd: config.weightInitStd });
  const sizes = [spec.inputSize, ...spec.hiddenSizeList, spec.outputSize].join('-');
  const parts = [sizes];
  if (varying !== 'activation') parts.push(spec.activation);
  if (varying !== 'init' && varying !== 'weightInitStd') parts.push(initText(spec.weightInitStd));
  if (varying !== 'optimizer' && varying !== 'lr') parts.push(`${config.optimizer ?? 'sgd'} lr ${config.lr}`);
  parts.push(`batch ${config.batchSize}`);
  return parts.join(', ');
}

/** Applies the command line's iterations, measurement cadence and seed to a plan's runs, once the data is known. */
function withRunLength(plan: ExperimentPlan, opts: CompareCliOptions, dataset: Dataset, explicit: (key: string) => boolean): RunSpec[] {
  return plan.runs.map((spec) => {
    const config = { ...spec.config };
    if (opts.epochs !== undefined) config.iterations = opts.epochs * itersPerEpoch(dataset.train.count, config.batchSize);
    else if (opts.iters !== undefined) config.iterations = opts.iters;
    if (explicit('evalEvery') && opts.evalEvery !== undefined) config.measureEvery = opts.evalEvery;
    return { ...spec, config };
  });
}

export async function compareCommand(opts: CompareCliOptions, explicit: (key: string) => boolean = () => false): Promise<number> {
  requireWritable('--plot', opts.plot);
  let plan: ExperimentPlan;
  let retitle: ((inputSize: number) => string) | null = null;
  if (opts.preset !== undefined) {
    const fixed = Object.keys(opts).filter((key) => explicit(key) && !PRESET_OVERRIDES.has(key));
    if (fixed.length > 0) {
      const flags = fixed.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new UsageError(`--preset ${opts.preset} runs the book's protocol: leave out ${flags.join(', ')} (a preset takes --iters, --epochs, --eval-every, --seed, --data, --train-limit, --test-limit and --validation)`);
    }
    plan = presetPlan(opts.preset, opts.seed);
    plan.data = {
      ...plan.data,
      ...(opts.trainLimit !== undefined ? { trainLimit: opts.trainLimit } : {}),
      ...(opts.testLimit !== undefined ? { testLimit: opts.testLimit } : {}),
    };
  } else {
    ({ plan, retitle } = optionsPlan(opts));
  }
  if (opts.validation !== undefined) plan.data = { ...plan.data, validation: opts.validation, validationSeed: opts.seed };
  selectBackend(opts.backend);
  const dataset = await experimentData(opts.data, plan.data, opts);
  const runs = withRunLength(plan, opts, dataset, explicit);
  checkBatchSizes(runs, dataset, limitFlags(opts));
  const out = processOutput.out;
  const total = runs.length;
  const { train, test, validation } = dataset;
  const inputSize = train.rows * train.cols;
  if (retitle !== null) plan.title = retitle(inputSize);
  const sizes = `${thousands(train.count)} train / ${test.count === 0 ? 'no' : thousands(test.count)} test${validation ? ` / ${thousands(validation.count)} validation` : ''}`;
  if (opts.json) {
    out(
      JSON.stringify({
        event: 'start',
        command: 'compare',
        preset: opts.preset ?? null,
        title: plan.title,
        source: opts.data,
        trainSize: train.count,
        testSize: test.count,
        ...(validation ? { validationSize: validation.count } : {}),
        seed: opts.seed,
        backend: kernels().name,
        runs: runs.map((r) => ({ label: r.label, network: runNetwork(r.config, inputSize), optimizer: runOptimizer(r.config), iterations: r.config.iterations })),
      }),
    );
  } else if (!opts.quiet) {
    out(`${plan.title}`);
    out(`${total} runs on ${opts.data} (${sizes}), ${thousands(runs[0].config.iterations)} iterations each, seed ${opts.seed}, backend ${kernels().name}`);
  }
  const started = performance.now();
  const result = await runExperiment(
    dataset,
    runs,
    opts,
    (outcome) => {
      if (opts.json) out(JSON.stringify(runEvent(outcome, test.count > 0)));
    },
    (outcome) => `[${outcome.index + 1}/${total}] ${outcome.label}: ${statusText(outcome)}, ${thousands(outcome.iterations)} iterations, loss ${lossText(outcome.loss)}, train ${accText(outcome.trainAcc)}${test.count > 0 ? `, test ${accText(outcome.testAcc)}` : ''}${validation ? `, val ${accText(outcome.valAcc)}` : ''} (${seconds(outcome.trainMs + outcome.evalMs)})`,
  );
  const finished = result.outcomes.filter((o): o is RunOutcome => o !== null);
  const notStarted = result.outcomes.length - finished.length;
  let code: number = EXIT.ok;
  if (opts.plot !== undefined && finished.some((o) => o.status !== 'failed')) {
    const file = opts.plot;
    const chartRuns = finished.filter((o) => o.status !== 'failed').map((o) => ({ ...o, panel: runs[o.index].panel, series: runs[o.index].series, status: o.status }));
    try {
      await writeChart(file, compareChart(plan.chart, chartRuns, opts.data === 'mnist' ? plan.title : `${plan.title}, on ${opts.data}`));
      if (!opts.quiet && !opts.json) note(`bp-train: chart written to ${file}`);
    } catch (err) {
      if (!(err instanceof WriteError)) throw err;
      note(writeErrorLine(err));
      code = EXIT.write;
    }
  }
  if (opts.json) {
    out(
      JSON.stringify({
        event: 'summary',
        runs: finished.map((o) => summaryRow(o, test.count > 0)),
        interrupted: result.signal !== null || result.byOutput,
        notStarted,
        workers: result.workers,
        wallMs: Math.round(performance.now() - started),
      }),
    );
  } else {
    for (const line of resultsTable(finished, test.count > 0, validation !== undefined)) out(line);
  }
  if (result.signal !== null || result.byOutput) {
    const why = result.signal !== null ? `interrupted (${result.signal})` : 'stopped (standard output closed)';
    note(`bp-train: ${why}: ${finished.filter((o) => o.status !== 'interrupted').length} of ${total} runs finished${notStarted > 0 ? `, ${notStarted} not started` : ''}`);
  }
  const failures = failureReport(finished.filter((o) => o.status === 'failed').map((o) => ({ name: `run '${o.label}'`, outcome: o })));
  for (const line of failures.lines) note(line);
  if (code !== EXIT.ok) return code;
  if (result.signal !== null) return SIGNAL_EXIT[result.signal];
  if (result.byOutput) return EXIT.pipeClosed;
  return failures.code;
}

function runNetwork(config: TrainConfig, inputSize: number): string {
  const spec = resolveSpec({
    inputSize,
    hiddenSizeList: typeof config.hidden === 'number' ? [config.hidden] : config.hidden,
    outputSize: 10,
    activation: config.activation,
    weightInitStd: config.weightInitStd,
    useBatchnorm: config.useBatchnorm,
    useDropout: config.useDropout,
    dropoutRatio: config.dropoutRatio,
  });
  return networkText(spec, config.weightDecayLambda ?? 0);
}

function runOptimizer(config: TrainConfig): string {
  const { lr, momentum, decayRate, beta1, beta2 } = config;
  const hyper: Record<string, number> = { lr };
  for (const [k, v] of Object.entries({ momentum, decayRate, beta1, beta2 })) if (v !== undefined) hyper[k] = v;
  return optimizerText(config.optimizer ?? 'sgd', hyper);
}

/** The last point of the run's smoothed loss curve (the book's smooth_curve). */
export function smoothedLoss(outcome: RunOutcome): number {
  const curve = smoothCurve(outcome.losses);
  return curve.length > 0 ? curve[curve.length - 1] : NaN;
}

/** A run's line of the JSON summary; `withTest` false: the runs had no test split (testAcc null). */
function summaryRow(o: RunOutcome, withTest: boolean): Record<string, unknown> {
  return {
    label: o.label,
    loss: jsonNumber(o.loss),
    trainAcc: jsonNumber(o.trainAcc),
    testAcc: withTest ? jsonNumber(o.testAcc) : null,
    valAcc: jsonNumber(o.valAcc),
    smoothedLoss: jsonNumber(smoothedLoss(o)),
    status: o.status,
    iterations: o.iterations,
  };
}

/** The JSON event of a finished run. */
function runEvent(o: RunOutcome, withTest: boolean): Record<string, unknown> {
  return {
    event: 'run',
    index: o.index,
    ...summaryRow(o, withTest),
    ...(o.error !== undefined ? { error: o.error } : {}),
    history: o.history.map((e) => ({
      epoch: e.epoch,
      iteration: e.iteration,
      loss: jsonNumber(e.loss),
      trainAcc: jsonNumber(e.trainAcc),
      testAcc: withTest ? jsonNumber(e.testAcc) : null,
      ...(e.valAcc !== undefined ? { valAcc: jsonNumber(e.valAcc) } : {}),
    })),
    trainMs: Math.round(o.trainMs),
    evalMs: Math.round(o.evalMs),
  };
}

function resultsTable(outcomes: readonly RunOutcome[], withTest: boolean, withValidation: boolean): string[] {
  if (outcomes.length === 0) return ['no run finished'];
  return textTable(outcomes, [
    { title: 'run', cell: (o) => o.label },
    { title: 'status', cell: (o) => (o.status === 'failed' ? 'failed' : o.status) },
    { title: 'iterations', cell: (o) => thousands(o.iterations), right: true },
    { title: 'loss', cell: (o) => (Number.isFinite(o.loss) ? lossText(o.loss) : '-'), right: true },
    { title: 'smoothed', cell: (o) => (Number.isFinite(smoothedLoss(o)) ? lossText(smoothedLoss(o)) : '-'), right: true },
    { title: 'train', cell: (o) => accText(o.trainAcc), right: true },
    ...(withTest ? [{ title: 'test', cell: (o: RunOutcome) => accText(o.testAcc), right: true }] : []),
    ...(withValidation ? [{ title: 'val', cell: (o: RunOutcome) => accText(o.valAcc), right: true }] : []),
    { title: 'time', cell: (o) => seconds(o.trainMs + o.evalMs), right: true },
  ]);
}
