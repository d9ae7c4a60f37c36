/**
 * `bp-train search`: the book's random search for the learning rate and the weight decay
 * (section 6.5.3; experiments/random-search.ts): --trials draws, each trained for --epochs on
 * the training share of the first --train-limit images (shuffled with --seed, --validation of
 * them held out) and scored by its last validation accuracy; the test set is never looked at.
 * The trials run on all cores; the table ranks them best first, --json ends with the summary
 * (best first), --plot draws the 20 best as the book does.
 */
import type { RunOutcome } from '../../experiments/experiment.js';
import { drawTrials, rankTrials, trialRuns, type SearchSpace, type TrialResult } from '../../experiments/random-search.js';
import { kernels, type BackendName } from '../../kernels/backend.js';
import type { Activation } from '../../network/spec.js';
import { seconds, thousands } from '../../report/format.js';
import { writeChart } from '../../report/plots.js';
import { processOutput } from '../../report/reporter.js';
import { accText, textTable } from '../../report/runs-table.js';
import { SEARCH_CHART_TRIALS, searchChart } from '../../report/search-chart.js';
import { WriteError } from '../../io/write-file.js';
import type { InitName } from '../../train/names.js';
import { itersPerEpoch } from '../../train/trainer.js';
import { EXIT, writeErrorLine } from '../errors.js';
import { SIGNAL_EXIT } from '../interrupt.js';
import { positiveRange } from '../list-parsers.js';
import { hiddenList, netFromOptions } from '../net-options.js';
import { MAX_HIDDEN_LAYERS } from '../options.js';
import { integerList } from '../parsers.js';
import { requireWritable, selectBackend } from '../setup.js';
import { checkBatchSizes, experimentData, failureReport, limitFlags, jsonNumber, note, runExperiment, statusText } from '../experiment-runner.js';

/** As commander leaves them: defaults unparsed (the ranges and --hidden as their text). */
export interface SearchCliOptions {
  trials: number;
  epochs: number;
  lrRange: string | [number, number];
  weightDecayRange: string | [number, number];
  hidden: string | number[];
  activation: Activation;
  init: InitName;
  weightInitStd?: number;
  batchSize: number;
  evalEvery?: number;
  trainLimit: number;
  validation: number;
  minValAcc?: number;
  seed: number;
  data: string;
  offline?: boolean;
  plot?: string;
  workers?: number;
  backend?: BackendName;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

const range = (value: string | [number, number]): [number, number] => (typeof value === 'string' ? positiveRange()(value) : value);

/** `explicit(key)`: whether an option was given on the command line. */
export async function searchCommand(opts: SearchCliOptions, explicit: (key: string) => boolean = () => false): Promise<number> {
  requireWritable('--plot', opts.plot);
  const hidden = typeof opts.hidden === 'string' ? integerList(1, 4096, MAX_HIDDEN_LAYERS)(opts.hidden) : opts.hidden;
  // --weight-init-std alone means a plain std: search's default --init he gives way to it (an --init given says otherwise)
  const init = opts.weightInitStd !== undefined && !explicit('init') ? 'std' : opts.init;
  const net = netFromOptions({ hidden, activation: opts.activation, init, weightInitStd: opts.weightInitStd });
  const space: SearchSpace = { lr: range(opts.lrRange), weightDecay: range(opts.weightDecayRange) };
  selectBackend(opts.backend);
  const dataset = await experimentData(opts.data, { trainLimit: opts.trainLimit, validation: opts.validation, validationSeed: opts.seed, test: false }, opts);
  const iterations = opts.epochs * itersPerEpoch(dataset.train.count, opts.batchSize);
  const trials = drawTrials(opts.trials, space, opts.seed);
  const runs = trialRuns(trials, {
    hidden: net.hidden,
    activation: net.activation,
    weightInitStd: net.weightInitStd,
    batchSize: opts.batchSize,
    iterations,
    seed: opts.seed,
    ...(opts.evalEvery !== undefined ? { measureEvery: opts.evalEvery } : {}),
  });
  checkBatchSizes(runs, dataset, limitFlags(opts));
  const out = processOutput.out;
  const validation = dataset.validation!;
  const network = [dataset.train.rows * dataset.train.cols, ...hiddenList(net.hidden), 10].join('-');
  const title = `random search: lr 10^U(${Math.log10(space.lr[0]).toFixed(1)}, ${Math.log10(space.lr[1]).toFixed(1)}), weight decay 10^U(${Math.log10(space.weightDecay[0]).toFixed(1)}, ${Math.log10(space.weightDecay[1]).toFixed(1)}); ${network}, SGD, ${opts.epochs} epochs`;
  if (opts.json) {
    out(
      JSON.stringify({
        event: 'start',
        command: 'search',
        trials: opts.trials,
        epochs: opts.epochs,
        iterations,
        lrRange: space.lr,
        weightDecayRange: space.weightDecay,
        network,
        source: opts.data,
        trainSize: dataset.train.count,
        validationSize: validation.count,
        seed: opts.seed,
        backend: kernels().name,
      }),
    );
  } else if (!opts.quiet) {
    out(title);
    out(
      `${thousands(opts.trials)} ${opts.trials === 1 ? 'trial' : 'trials'} on ${thousands(dataset.train.count)} train / ${thousands(validation.count)} validation images ` +
        `(the first ${thousands(dataset.train.count + validation.count)} of ${opts.data}, shuffled with seed ${opts.seed}), ${thousands(iterations)} iterations each, backend ${kernels().name}`,
    );
  }
  const started = performance.now();
  const result = await runExperiment(
    dataset,
    runs,
    opts,
    (outcome) => {
      if (opts.json) out(JSON.stringify({ event: 'trial', ...trialRow(trials[outcome.index], outcome) }));
    },
    (o) => `[${o.index + 1}/${runs.length}] ${o.label}: ${o.status === 'ok' ? '' : `${statusText(o)}, `}val ${accText(o.valAcc)}, train ${accText(o.trainAcc)} (${seconds(o.trainMs + o.evalMs)})`,
  );
  const ranked = rankTrials(trials, result.outcomes);
  let code: number = EXIT.ok;
  if (opts.plot !== undefined && ranked.length > 0) {
    const file = opts.plot;
    const best = ranked.slice(0, SEARCH_CHART_TRIALS).map((r, i) => ({ rank: i + 1, lr: r.lr, weightDecay: r.weightDecay, valAcc: r.valAcc, history: r.outcome.history }));
    try {
      await writeChart(file, searchChart(best, `the ${best.length} best of ${ranked.length} trials: validation accuracy (solid) and train accuracy (dashed)`, title));
      if (!opts.quiet && !opts.json) note(`bp-train: chart written to ${file}`);
    } catch (err) {
      if (!(err instanceof WriteError)) throw err;
      note(writeErrorLine(err));
      code = EXIT.write;
    }
  }
  const interrupted = result.signal !== null || result.byOutput;
  if (opts.json) {
    out(
      JSON.stringify({
        event: 'summary',
        trials: ranked.map((r) => trialRow(r, r.outcome)),
        interrupted,
        notStarted: result.outcomes.filter((o) => o === null).length,
        workers: result.workers,
        wallMs: Math.round(performance.now() - started),
      }),
    );
  } else {
    for (const line of rankedTable(ranked)) out(line);
  }
  if (interrupted) note(`bp-train: ${result.signal !== null ? `interrupted (${result.signal})` : 'stopped (standard output closed)'}: ${ranked.filter((r) => r.status !== 'interrupted').length} of ${runs.length} trials finished`);
  const failures = failureReport(ranked.filter((r) => r.status === 'failed').map((r) => ({ name: `trial ${r.trial + 1}`, outcome: r.outcome })));
  for (const line of failures.lines) note(line);
  let gateFailed = false;
  if (opts.minValAcc !== undefined && !interrupted) {
    const best = ranked[0]?.valAcc ?? NaN;
    gateFailed = !(best >= opts.minValAcc);
    const why = Number.isNaN(best) ? 'no trial finished with a validation accuracy (all diverged or failed)' : `the best validation accuracy ${accText(best)} is below the bar`;
    note(`bp-train: gate --min-val-acc ${opts.minValAcc}: ${gateFailed ? `FAILED: ${why}` : `passed (${accText(best)})`}`);
  }
  if (code !== EXIT.ok) return code;
  if (result.signal !== null) return SIGNAL_EXIT[result.signal];
  if (result.byOutput) return EXIT.pipeClosed;
  if (failures.code !== EXIT.ok) return failures.code;
  return gateFailed ? EXIT.gateFailed : EXIT.ok;
}

/** A trial as the JSON lines give it. */
function trialRow(t: { trial: number; lr: number; weightDecay: number }, o: RunOutcome): Record<string, unknown> {
  return {
    trial: t.trial + 1,
    lr: t.lr,
    weightDecay: t.weightDecay,
    valAcc: jsonNumber(o.valAcc),
    trainAcc: jsonNumber(o.trainAcc),
    status: o.status,
  };
}

function rankedTable(ranked: readonly TrialResult[]): string[] {
  if (ranked.length === 0) return ['no trial finished'];
  return textTable(
    ranked.map((r, i) => ({ ...r, rank: i + 1 })),
    [
      { title: 'rank', cell: (r) => String(r.rank), right: true },
      { title: 'trial', cell: (r) => String(r.trial + 1), right: true },
      { title: 'val acc', cell: (r) => accText(r.valAcc), right: true },
      { title: 'train acc', cell: (r) => accText(r.trainAcc), right: true },
      { title: 'lr', cell: (r) => r.lr.toExponential(2), right: true },
      { title: 'weight decay', cell: (r) => r.weightDecay.toExponential(2), right: true },
      { title: 'status', cell: (r) => (r.status === 'ok' ? '' : r.status) },
    ],
  );
}
