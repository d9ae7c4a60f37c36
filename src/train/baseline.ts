/**
 * A run against a baseline (--baseline FILE, a metrics file of an earlier run): each result
 * figure beside the baseline's with its change, and the relative gates:
 *   --max-drop X        the test accuracy may fall by at most X (absolute, e.g. 0.002)
 *   --max-train-drop X  the same for the train accuracy
 *   --max-loss-rise X   the final mean training loss may rise by at most X
 * Timing figures are never compared. The configurations are compared by configChanges
 * (run-config.ts); refusing or allowing a change is the command's business.
 */
import { DataError } from '../data/data-error.js';
import { METRIC_KEYS, type MetricKey, type MetricsRecord } from './metrics-file.js';
import type { ConfigChange } from './run-config.js';
import type { Summary } from './summary.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

export interface RelativeBars {
  maxDrop?: number;
  maxTrainDrop?: number;
  maxLossRise?: number;
}

/** Every key of RelativeBars, for checkOptionKeys. */
const BAR_KEYS = keysOf<RelativeBars>()(['maxDrop', 'maxTrainDrop', 'maxLossRise']);

export type RelativeGateOption = '--max-drop' | '--max-train-drop' | '--max-loss-rise';

export const RELATIVE_GATES: readonly { option: RelativeGateOption; bar: keyof RelativeBars; metric: 'testAcc' | 'trainAcc' | 'loss'; way: 'drop' | 'rise' }[] = [
  { option: '--max-drop', bar: 'maxDrop', metric: 'testAcc', way: 'drop' },
  { option: '--max-train-drop', bar: 'maxTrainDrop', metric: 'trainAcc', way: 'drop' },
  { option: '--max-loss-rise', bar: 'maxLossRise', metric: 'loss', way: 'rise' },
];

export interface RelativeGate {
  option: RelativeGateOption;
  metric: 'testAcc' | 'trainAcc' | 'loss';
  bar: number;
  baseline: number;
  /** This run's value (null: not measured, which fails). */
  value: number | null;
  /** value - baseline. */
  change: number | null;
  passed: boolean;
}

export interface MetricChange {
  metric: MetricKey;
  baseline: number | null;
  value: number | null;
  /** value - baseline; null when either is missing. */
  change: number | null;
}

/** The `baseline` field of the summary (and of the metrics file). */
export interface BaselineComparison {
  file: string;
  /** The bp-train version that wrote the baseline. */
  version: string;
  /** Configuration differences, allowed by --allow-config-change (empty otherwise). */
  configChanges: ConfigChange[];
  metrics: MetricChange[];
  /** Empty when the run did not finish (diverged, interrupted): nothing is checked then. */
  gates: RelativeGate[];
}

/**
 * Float rounding allowance of the gates: accuracies are counts over set sizes, so a drop of
 * exactly X can compute as X + 1e-18; a real drop is at least 1 / 70,000.
 */
const ROUNDING = 1e-12;

const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Refuses a baseline with nothing to compare: an unfinished run, or the gated figures missing. */
export function checkUsableBaseline(baseline: MetricsRecord, label: string, bars: RelativeBars): void {
  if (baseline.status === 'diverged' || baseline.status === 'interrupted') {
    throw new DataError(label, `its run ${baseline.status === 'diverged' ? 'diverged' : 'was interrupted'} at iteration ${baseline.metrics.iterations}: not a finished run to compare with`);
  }
  for (const gate of RELATIVE_GATES) {
    if (bars[gate.bar] !== undefined && baseline.metrics[gate.metric] === null) {
      throw new DataError(label, `records no ${gate.metric} to check ${gate.option} against`);
    }
  }
}

/** @throws TypeError for a bar it does not know (a misspelt one would switch its gate off). */
export function compareWithBaseline(
  baseline: MetricsRecord,
  summary: Summary,
  configChanges: ConfigChange[],
  bars: RelativeBars,
  /** false for a run that did not finish: the figures are listed, the gates not checked. */
  checkGates: boolean,
): BaselineComparison {
  checkOptionKeys('compareWithBaseline: bars', bars, BAR_KEYS);
  // valAcc only where a side has one (runs with --validation).
  const shown = METRIC_KEYS.filter((m) => m !== 'valAcc' || finite(baseline.metrics.valAcc) !== null || finite(summary.valAcc) !== null);
  const metrics = shown.map((metric): MetricChange => {
    const before = finite(baseline.metrics[metric]);
    const value = finite(summary[metric]);
    return { metric, baseline: before, value, change: before !== null && value !== null ? value - before : null };
  });
  const gates: RelativeGate[] = [];
  for (const gate of checkGates ? RELATIVE_GATES : []) {
    const bar = bars[gate.bar];
    const before = finite(baseline.metrics[gate.metric]);
    if (bar === undefined || before === null) continue;
    const value = finite(summary[gate.metric]);
    const change = value === null ? null : value - before;
    const worsening = change === null ? Infinity : gate.way === 'drop' ? -change : change;
    gates.push({ option: gate.option, metric: gate.metric, bar, baseline: before, value, change, passed: worsening <= bar + ROUNDING });
  }
  return { file: baseline.file, version: baseline.version, configChanges, metrics, gates };
}

/** Records the comparison in the summary; a failed relative gate makes an 'ok' run 'gate-failed'. */
export function applyComparison(summary: Summary, comparison: BaselineComparison): void {
  summary.baseline = comparison;
  if (summary.status === 'ok' && comparison.gates.some((g) => !g.passed)) summary.status = 'gate-failed';
}
