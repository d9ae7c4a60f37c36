/**
 * --junit FILE: the run as JUnit XML, the report format Jenkins, GitLab and most CI systems
 * read. One test suite "bp-train"; one test case per gate (--min-test-acc, --max-drop...),
 * with a <failure> carrying the gate's line when it failed, or an <error> when the run did
 * not get to check it (diverged, interrupted); the run's figures, configuration and
 * environment as <properties>.
 */
import { METRIC_KEYS, type MetricsFile } from '../train/metrics-file.js';
import { gateLine } from './format.js';
import { relativeGateLine } from './baseline-text.js';

/** A gate that was asked for but not checked, and why. */
export interface UncheckedGate {
  name: string;
  reason: string;
}

interface Case {
  name: string;
  failure?: string;
  error?: string;
}

/** Text for an attribute or element: the five XML escapes, and no character XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function properties(run: MetricsFile): [string, string | number | null][] {
  const props: [string, string | number | null][] = [
    ['version', run.version],
    ['status', run.status],
    ...METRIC_KEYS.filter((k) => k !== 'valAcc' || run.valAcc !== undefined).map((k): [string, number | null] => [k, run[k] ?? null]),
    ...(['wallMs', 'trainMs', 'evalMs', 'loadMs', 'examplesPerSec', 'peakRssMb', 'threads'] as const).map((k): [string, number] => [k, run[k]]),
    ...Object.entries(run.config).map(([k, v]): [string, string | number | null] => [`config.${k}`, v]),
    ...Object.entries(run.environment).map(([k, v]): [string, string | number] => [`environment.${k}`, v]),
  ];
  if (run.baseline) {
    props.push(['baseline.file', run.baseline.file], ['baseline.version', run.baseline.version]);
    for (const m of run.baseline.metrics) props.push([`baseline.${m.metric}`, m.baseline], [`change.${m.metric}`, m.change]);
  }
  return props;
}

export function junitXml(run: MetricsFile, unchecked: readonly UncheckedGate[], timestamp: Date): string {
  const cases: Case[] = [
    ...run.gates.map((g): Case => ({ name: `${g.option} ${g.bar}`, failure: g.passed ? undefined : gateLine(g) })),
    ...(run.baseline?.gates ?? []).map((g): Case => ({ name: `${g.option} ${g.bar}`, failure: g.passed ? undefined : relativeGateLine(g, run.baseline!.file) })),
    ...unchecked.map((u): Case => ({ name: u.name, error: `not checked: ${u.reason}` })),
  ];
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const errors = cases.filter((c) => c.error !== undefined).length;
  const time = (run.wallMs / 1000).toFixed(3);
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}"`;
  const value = (v: string | number | null): string => xmlEscape(v === null ? '' : String(v));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bp-train" ${counts} time="${time}">`,
    // JUnit's timestamp is an ISO 8601 date and time without a zone (UTC here)
    `  <testsuite name="bp-train" ${counts} skipped="0" time="${time}" timestamp="${timestamp.toISOString().slice(0, 19)}">`,
    '    <properties>',
    ...properties(run).map(([name, v]) => `      <property name="${xmlEscape(name)}" value="${value(v)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase classname="bp-train.gates" name="${xmlEscape(c.name)}" time="0"`;
    if (c.failure !== undefined) {
      lines.push(`${open}>`, `      <failure type="gate" message="${xmlEscape(c.failure)}">${xmlEscape(c.failure)}</failure>`, '    </testcase>');
    } else if (c.error !== undefined) {
      lines.push(`${open}>`, `      <error type="not-checked" message="${xmlEscape(c.error)}">${xmlEscape(c.error)}</error>`, '    </testcase>');
    } else {
      lines.push(`${open}/>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
