/**
 * Metrics files side by side (`bp-train diff A B [more]`, in the manner of `dvc metrics diff`):
 * one row per figure, setting or fact, each file's value, and each file's change against the
 * first one. A row is named by its path in the metrics file (testAcc, config.seed,
 * environment.node), so that it can be looked up there.
 */
import type { BaselineComparison } from './baseline.js';
import { METRIC_KEYS, TIMING_KEYS, type MetricsRecord } from './metrics-file.js';
import { CONFIG_KEYS, ENVIRONMENT_KEYS, configText, type ConfigKey } from './run-config.js';

/** metric: the result (what --baseline compares); timing: never compared; config: changes numbers; environment: does not. */
export type DiffSection = 'metric' | 'timing' | 'config' | 'environment';
export type DiffValue = number | string | null;

export interface DiffRow {
  section: DiffSection;
  name: string;
  values: DiffValue[];
  /** values[i] - values[0] for numbers (null for the first file, strings and missing values). */
  changes: (number | null)[];
  /** Whether values[i] differs from values[0] (false for the first file). */
  changed: boolean[];
}

export interface MetricsDiff {
  files: string[];
  rows: DiffRow[];
}

export function diffMetrics(records: readonly MetricsRecord[]): MetricsDiff {
  const rows: DiffRow[] = [];
  const add = (section: DiffSection, name: string, value: (r: MetricsRecord) => DiffValue): void => {
    const values = records.map(value);
    const first = values[0];
    rows.push({
      section,
      name,
      values,
      changes: values.map((v, i) => (i > 0 && typeof v === 'number' && typeof first === 'number' ? v - first : null)),
      changed: values.map((v, i) => i > 0 && v !== first),
    });
  };
  // valAcc only where a file has one (runs with --validation).
  for (const key of METRIC_KEYS) if (key !== 'valAcc' || records.some((r) => r.metrics.valAcc !== null)) add('metric', key, (r) => r.metrics[key]);
  add('metric', 'status', (r) => r.status);
  for (const key of TIMING_KEYS) add('timing', key, (r) => r.timing[key]);
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) add('config', `config.${key}`, (r) => configText(r.config[key]));
  add('environment', 'version', (r) => r.version);
  for (const key of ENVIRONMENT_KEYS) add('environment', `environment.${key}`, (r) => r.environment[key]);
  add('environment', 'threads', (r) => r.threads);
  return { files: records.map((r) => r.file), rows };
}

/** A run against its baseline (--baseline) as a two-column diff: the figures, then any allowed configuration change. */
export function comparisonDiff(comparison: BaselineComparison, columns: [baseline: string, current: string]): MetricsDiff {
  const rows: DiffRow[] = comparison.metrics.map((m) => ({
    section: 'metric',
    name: m.metric,
    values: [m.baseline, m.value],
    changes: [null, m.change],
    changed: [false, m.baseline !== m.value],
  }));
  for (const c of comparison.configChanges) {
    rows.push({ section: 'config', name: `config.${c.key}`, values: [c.baseline, c.value], changes: [null, null], changed: [false, true] });
  }
  return { files: columns, rows };
}
