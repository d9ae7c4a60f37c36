/**
 * A run against its baseline (--baseline), for people: the table printed after the summary,
 * and the one line of each relative gate (a failed one names the metric, both values and the bar).
 */
import type { BaselineComparison, RelativeGate } from '../train/baseline.js';
import { comparisonDiff } from '../train/metrics-diff.js';
import type { ConfigChange } from '../train/run-config.js';
import { changeText, diffText } from './diff-table.js';
import { acc, lossText } from './format.js';

const SUBJECT = { testAcc: 'test accuracy', trainAcc: 'train accuracy', loss: 'loss' } as const;

function figure(g: RelativeGate, x: number): string {
  return g.metric === 'loss' ? lossText(x) : acc(x);
}

/**
 * "gate --max-drop 0.001: FAILED: test accuracy 0.8315 is 0.0145 below the baseline's 0.8460 (main.json), more than the bar 0.001"
 * "gate --max-drop 0.001: passed (test accuracy 0.8460, baseline 0.8460, change 0)"
 */
export function relativeGateLine(g: RelativeGate, file: string): string {
  const subject = SUBJECT[g.metric];
  const before = figure(g, g.baseline);
  if (g.value === null || g.change === null) {
    return `gate ${g.option} ${g.bar}: FAILED: ${subject} was not measured (the baseline's is ${before}, ${file})`;
  }
  if (g.passed) return `gate ${g.option} ${g.bar}: passed (${subject} ${figure(g, g.value)}, baseline ${before}, change ${changeText(g.change)})`;
  const way = g.metric === 'loss' ? 'above' : 'below';
  const by = g.metric === 'loss' ? lossText(Math.abs(g.change)) : Math.abs(g.change).toFixed(4);
  return `gate ${g.option} ${g.bar}: FAILED: ${subject} ${figure(g, g.value)} is ${by} ${way} the baseline's ${before} (${file}), more than the bar ${g.bar}`;
}

/** The lines printed after the summary: a heading, the table, the passed gates (failed ones go to stderr as errors). */
export function comparisonLines(c: BaselineComparison): string[] {
  const allowed = c.configChanges.length > 0 ? `; configuration changes allowed by --allow-config-change` : '';
  return [
    `against the baseline ${c.file} (bp-train ${c.version}${allowed}):`,
    ...diffText(comparisonDiff(c, ['baseline', 'this run'])).map((line) => `  ${line}`),
    ...c.gates.filter((g) => g.passed).map((g) => relativeGateLine(g, c.file)),
  ];
}

/** "seed (--seed) 1 in the baseline, 2 here; ..." */
export function configChangesText(changes: readonly ConfigChange[]): string {
  const shown = (v: string | number | null): string => (v === null ? 'none' : String(v));
  return changes.map((c) => `${c.key} (${c.setBy}) ${shown(c.baseline)} in the baseline, ${shown(c.value)} here`).join('; ');
}
