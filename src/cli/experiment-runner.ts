/**
 * What compare and search share: load and cut the data, train the runs on all cores
 * (experiments/run-pool.ts) behind a progress display, hand the outcomes on in the runs' order
 * (a run that ends early waits for the ones before it), and stop cleanly on Ctrl-C, SIGTERM
 * or SIGHUP: the runs under way stop after their current iteration, the others never start,
 * and what finished is still reported (the caller then exits 128 + the signal's number).
 */
import { availableParallelism } from 'node:os';
import type { Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/sources.js';
import { validationCount } from '../data/validation-split.js';
import { cutDataset, type DataProtocol, type RunOutcome, type RunSpec } from '../experiments/experiment.js';
import { runAll } from '../experiments/run-pool.js';
import { kernels } from '../kernels/backend.js';
import { decideColor, initColor, isInteractive } from '../report/color.js';
import { thousands } from '../report/format.js';
import { processOutput } from '../report/reporter.js';
import { PlainRunsView, silentView, TtyRunsView, type RunsView } from '../report/runs-progress.js';
import { EXIT, UsageError } from './errors.js';
import { listenForInterrupt, type StopSignal } from './interrupt.js';
import { limitNotes } from './data-limits.js';
import { prepareData } from './prepare-data.js';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Colour and the progress view for the options and the terminal (a bar per run on a TTY, plain lines elsewhere). */
export function makeRunsView(opts: OutputOptions, labelWidth: number): RunsView {
  const env = process.env;
  initColor(decideColor(env, (opts.json ? process.stderr : process.stdout).isTTY === true));
  if (opts.json || opts.quiet) return silentView;
  if (isInteractive(env, process.stdout) && isInteractive(env, process.stderr)) return new TtyRunsView(labelWidth);
  return new PlainRunsView(processOutput);
}

/** A human line: stderr (never stdout, which --json keeps for JSON lines). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * The dataset of an experiment: --data loaded (downloaded first when it is a catalog name not
 * yet cached), then cut by the protocol (a note for each limit over what the data holds). A
 * validation share that leaves a split empty is a usage error.
 */
export async function experimentData(source: string, protocol: DataProtocol, opts: { offline?: boolean; trainLimit?: number; testLimit?: number }): Promise<Dataset> {
  await prepareData(source, opts);
  const loaded = loadDataset(source);
  for (const line of limitNotes(loaded, opts)) note(line);
  const trainCount = Math.min(protocol.trainLimit ?? Infinity, loaded.train.count);
  if (protocol.validation !== undefined) {
    const held = validationCount(trainCount, protocol.validation);
    if (held < 1 || held >= trainCount) {
      throw new UsageError(`--validation ${protocol.validation} of ${thousands(trainCount)} training examples holds out ${held}: both the training and the validation split need at least one example`);
    }
  }
  return cutDataset(loaded, protocol);
}

/** The options given that make the training split smaller, as typed: ['--train-limit 1', '--validation 0.5']. */
export function limitFlags(opts: { trainLimit?: number; validation?: number }): string[] {
  return [
    ...(opts.trainLimit !== undefined ? [`--train-limit ${opts.trainLimit}`] : []),
    ...(opts.validation !== undefined ? [`--validation ${opts.validation}`] : []),
  ];
}

/** Refuses batch sizes larger than the training split; `limits`: the options that made it smaller, named in the error (--train-limit 1, --validation 0.5). */
export function checkBatchSizes(specs: readonly RunSpec[], dataset: Dataset, limits: string[] = []): void {
  const largest = Math.max(...specs.map((s) => s.config.batchSize));
  if (largest > dataset.train.count) {
    const cause = limits.length > 0 ? ` left by ${limits.join(' and ')}` : '';
    throw new UsageError(`--batch-size ${largest} is larger than the ${thousands(dataset.train.count)} training examples${cause} (allowed: 1 to ${dataset.train.count})`);
  }
}

export interface ExperimentRun {
  /** In the runs' order; null for a run that never started (stopped before its turn). */
  outcomes: (RunOutcome | null)[];
  signal: StopSignal | null;
  /** Some runs were cut short or never started because standard output closed (main.ts). */
  byOutput: boolean;
  workers: number;
}

/**
 * Trains the runs; `inOrder` gets each outcome in the runs' order, as soon as it and every
 * one before it are in. `doneLine` is the progress display's line for a finished run.
 */
export async function runExperiment(
  dataset: Dataset,
  specs: readonly RunSpec[],
  opts: OutputOptions & { workers?: number },
  inOrder: (outcome: RunOutcome) => void,
  doneLine: (outcome: RunOutcome) => string,
): Promise<ExperimentRun> {
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), specs.length));
  const view = makeRunsView(opts, Math.max(...specs.map((s) => s.label.length)));
  const interrupt = listenForInterrupt((line) => view.note(line));
  const arrived: (RunOutcome | null)[] = specs.map(() => null);
  let next = 0;
  const flush = (all = false): void => {
    while (next < specs.length && (arrived[next] !== null || all)) {
      const outcome = arrived[next++];
      if (outcome === null) continue;
      view.line(doneLine(outcome));
      inOrder(outcome);
    }
  };
  try {
    const outcomes = await runAll(dataset, specs, {
      workers,
      backend: kernels().name === 'wasm' ? 'wasm' : 'js',
      stop: interrupt.stop,
      events: {
        start: (index, spec) => view.started(index, spec.label, spec.config.iterations),
        progress: (index, iteration, iterations, loss) => view.progress(index, iteration, iterations, loss),
        done: (outcome) => {
          view.ended(outcome.index);
          arrived[outcome.index] = outcome;
          flush();
        },
      },
    });
    flush(true);
    const cut = outcomes.some((o) => o === null || o.status === 'interrupted');
    return { outcomes, signal: interrupt.signal(), byOutput: interrupt.byOutput() && cut, workers };
  } finally {
    view.close();
    interrupt.dispose();
  }
}

/** "ok", "diverged at iteration 12", "interrupted at iteration 300", "failed: ...". */
export function statusText(outcome: RunOutcome): string {
  switch (outcome.status) {
    case 'ok':
      return 'ok';
    case 'diverged':
      return `diverged at iteration ${outcome.iterations + 1}`;
    case 'interrupted':
      return `interrupted at iteration ${outcome.iterations}`;
    case 'failed':
      return `failed: ${outcome.error ?? 'unknown error'}`;
  }
}

/** A number for JSON: NaN and infinities as null. */
export function jsonNumber(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/**
 * The lines for the runs that failed, and the exit code they give: a network too big for wasm
 * memory is a usage error (2, with what to make smaller, as train says), anything else a bug (70).
 */
export function failureReport(failed: { name: string; outcome: RunOutcome }[]): { lines: string[]; code: number } {
  const lines = failed.map(({ name, outcome }) =>
    outcome.tooBig === true
      ? `bp-train: error: ${name}: ${outcome.error}: use fewer or narrower hidden layers (--hidden), or a smaller --batch-size`
      : `bp-train: internal error: ${name} failed: ${outcome.error ?? 'unknown error'}`,
  );
  const code = failed.length === 0 ? EXIT.ok : failed.every(({ outcome }) => outcome.tooBig === true) ? EXIT.usage : EXIT.internal;
  return { lines, code };
}
