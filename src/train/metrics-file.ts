/**
 * The metrics file (--metrics FILE): one JSON object that describes its run, so that two of
 * them can be compared safely (--baseline, `bp-train diff`):
 *   format "bp-train-metrics", formatVersion 1, version (of bp-train),
 *   the summary's fields (the --json `summary` event, unchanged),
 *   config (run-config.ts: everything that changes a number), history (the epoch lines),
 *   environment (Node, platform, CPU: changes no number on one architecture).
 * Reading one back checks every field it uses; anything else is a DataError (exit 3) naming
 * the file and the problem in one line.
 */
import fs from 'node:fs';
import { DataError } from '../data/data-error.js';
import type { EpochRecord } from '../model/model-meta.js';
import { CONFIG_KEYS, ENVIRONMENT_KEYS, configValue, isConfigValue, type ConfigKey, type RunConfig, type RunEnvironment } from './run-config.js';
import type { Summary } from './summary.js';

export const METRICS_FORMAT = 'bp-train-metrics';
export const METRICS_FORMAT_VERSION = 1;

export interface MetricsFile extends Summary {
  format: typeof METRICS_FORMAT;
  formatVersion: typeof METRICS_FORMAT_VERSION;
  version: string;
  config: RunConfig;
  history: EpochRecord[];
  environment: RunEnvironment;
}

/** The result figures that are compared (and may be gated): never the timing ones. */
/** valAcc: only a run with --validation has one (null in the others' files, absent from older files). */
export const METRIC_KEYS = ['testAcc', 'valAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** Timing and memory: shown by `bp-train diff`, never compared by --baseline nor gated. */
export const TIMING_KEYS = ['wallMs', 'trainMs', 'evalMs', 'loadMs', 'examplesPerSec', 'peakRssMb'] as const;
export type TimingKey = (typeof TIMING_KEYS)[number];

const KIND_TEXT = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
  'integer-or-null': 'an integer or null',
  'number-or-null': 'a number or null',
  'integer-list': 'a list of integers',
} as const;

/** A metrics file as read back: what comparisons use. NaN was written as null (JSON has no NaN). */
export interface MetricsRecord {
  file: string;
  version: string;
  status: string;
  metrics: Record<MetricKey, number | null>;
  timing: Record<TimingKey, number | null>;
  threads: number | null;
  config: RunConfig;
  environment: RunEnvironment;
  history: EpochRecord[];
}

export function buildMetricsFile(summary: Summary, config: RunConfig, history: EpochRecord[], environment: RunEnvironment, version: string): MetricsFile {
  return { format: METRICS_FORMAT, formatVersion: METRICS_FORMAT_VERSION, version, ...summary, config, history, environment };
}

/** The file's text: indented JSON and a final newline (to be written with writeFileAtomic). */
export function metricsText(file: MetricsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads and checks a metrics file. `label` names it in messages (e.g. "--baseline main.json"). */
export function readMetricsFile(file: string, label = file): MetricsRecord {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a metrics file' : `cannot be read (${code ?? String(err)})`;
    throw new DataError(label, problem);
  }
  return parseMetricsFile(text, file, label);
}

export function parseMetricsFile(text: string, file: string, label = file): MetricsRecord {
  const fail = (problem: string): never => {
    throw new DataError(label, problem);
  };
  if (text.trim() === '') fail('is empty, not a metrics file (written by bp-train --metrics)');
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, '')); // an editor's byte-order mark is not part of the JSON
  } catch (err) {
    // V8 quotes the text around the error ("hello\n" is not valid JSON): keep only its own words, on one line
    // and no bytes that are not text (a model file given as metrics): only printable ASCII
    const reason = (err as Error).message.replace(/, ".*" is not valid JSON$/s, '').replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
    fail(`is not JSON (${reason}): truncated, or not a metrics file`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('is JSON but not a bp-train metrics file (not an object)');
  const obj = value as Record<string, unknown>;
  if (obj.format !== METRICS_FORMAT) {
    if (obj.event === 'summary' && obj.format === undefined) {
      fail('is not a bp-train metrics file: it records no configuration (a summary written by an older bp-train, before metrics files described their run); write a new one with --metrics');
    }
    fail(`is not a bp-train metrics file (no "format": "${METRICS_FORMAT}")`);
  }
  if (obj.formatVersion !== METRICS_FORMAT_VERSION) {
    fail(
      typeof obj.formatVersion === 'number' && obj.formatVersion > METRICS_FORMAT_VERSION
        ? `was written by a newer bp-train (metrics format version ${obj.formatVersion}; this one reads version ${METRICS_FORMAT_VERSION})`
        : `has an unknown metrics format version ${JSON.stringify(obj.formatVersion)} (expected ${METRICS_FORMAT_VERSION})`,
    );
  }
  const malformed = (field: string, expected: string, got: unknown): never =>
    fail(`is a malformed bp-train metrics file: "${field}" is ${got === undefined ? 'missing' : JSON.stringify(got)}, expected ${expected}`);
  const numberOrNull = (field: string, v: unknown): number | null =>
    v === null || (typeof v === 'number' && Number.isFinite(v)) ? (v as number | null) : malformed(field, 'a number or null', v);
  const string = (field: string, v: unknown): string => (typeof v === 'string' ? v : malformed(field, 'a string', v));
  const record = (field: string, v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : malformed(field, 'an object', v);

  const version = string('version', obj.version);
  const status = string('status', obj.status);
  const metrics = Object.fromEntries(METRIC_KEYS.map((k) => [k, k === 'valAcc' && obj[k] === undefined ? null : numberOrNull(k, obj[k])])) as Record<MetricKey, number | null>;
  // Figures no run can have (an accuracy of 2, a negative loss) would make every comparison with them wrong.
  for (const k of ['testAcc', 'valAcc', 'trainAcc', 'bestTestAcc'] as const) {
    const v = metrics[k];
    if (v !== null && !(v >= 0 && v <= 1)) malformed(k, 'an accuracy from 0 to 1 or null', v);
  }
  for (const k of ['loss', 'bestEpoch', 'iterations', 'epochs'] as const) {
    const v = metrics[k];
    if (v !== null && !(v >= 0)) malformed(k, 'a number >= 0 or null', v);
  }
  const timing = Object.fromEntries(TIMING_KEYS.map((k) => [k, numberOrNull(k, obj[k])])) as Record<TimingKey, number | null>;
  const threads = numberOrNull('threads', obj.threads);
  const configIn = record('config', obj.config);
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const { before, kind } = CONFIG_KEYS[key];
    // A key added since (activation, init, momentum...) is missing from older files: they ran without it.
    const value = configIn[key] === undefined && 'before' in CONFIG_KEYS[key] ? before : configIn[key];
    if (!isConfigValue(key, value)) malformed(`config.${key}`, KIND_TEXT[kind], value);
    config[key] = configValue(key, value);
  }
  const envIn = record('environment', obj.environment);
  const environment = Object.fromEntries(
    ENVIRONMENT_KEYS.map((k) => [k, k === 'cores' ? numberOrNull('environment.cores', envIn[k]) : string(`environment.${k}`, envIn[k])]),
  ) as unknown as RunEnvironment;
  if (!Array.isArray(obj.history)) malformed('history', 'an array of epoch records', obj.history);
  const history = (obj.history as unknown[]).map((e, i): EpochRecord => {
    const r = record(`history[${i}]`, e);
    const int = (k: string): number => (Number.isSafeInteger(r[k]) ? (r[k] as number) : malformed(`history[${i}].${k}`, 'an integer', r[k]));
    return {
      epoch: int('epoch'),
      iteration: int('iteration'),
      loss: numberOrNull(`history[${i}].loss`, r.loss),
      trainAcc: numberOrNull(`history[${i}].trainAcc`, r.trainAcc),
      testAcc: numberOrNull(`history[${i}].testAcc`, r.testAcc),
      ...(r.valAcc === undefined ? {} : { valAcc: numberOrNull(`history[${i}].valAcc`, r.valAcc) }),
    };
  });
  return { file, version, status, metrics, timing, threads, config: config as unknown as RunConfig, environment, history };
}
