/**
 * `bp-train diff` end to end on the metrics files of three real runs (a baseline, the same
 * run again, a shorter one with another seed): every metric with its changes, as text, as a
 * valid Markdown table and as JSON; bad inputs exit 2 or 3 with one line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownTables } from '../helpers/markdown-table.js';
import { outputLines, runCli, type RunResult } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-diff-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const [a, b, c] = ['a.json', 'b.json', 'c.json'].map((name) => join(root, name));
const RUN = ['--data', 'mnist-lite', '--train-limit', '2000', '--quiet'];
type Json = Record<string, number | string>;
const metrics = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
}

beforeAll(async () => {
  const runs = await Promise.all([
    runCli([...RUN, '--iters', '200', '--metrics', a]),
    runCli([...RUN, '--iters', '200', '--metrics', b]),
    runCli([...RUN, '--iters', '100', '--seed', '2', '--metrics', c]),
  ]);
  for (const run of runs) expectExit(run, 0);
});

const METRICS = ['testAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs'];

describe('bp-train diff', () => {
  it('prints every metric of three files with the changes of the second and third against the first', async () => {
    const run = await runCli(['diff', a, b, c]);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const lines = outputLines(run.stdout);
    expect(lines[0].split(/\s+/)).toEqual(['metric', a, b, 'change', c, 'change']);
    const [ma, mc] = [metrics(a), metrics(c)];
    for (const name of METRICS) {
      const cells = lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/);
      expect(cells, name).toHaveLength(6);
      expect(cells[3], `${name}: b is the same run as a`).toBe('0');
      const change = (mc[name] as number) - (ma[name] as number);
      expect(Number(cells[5]), name).toBeCloseTo(change, Number.isInteger(change) ? 10 : 4);
    }
    expect(lines.find((l) => l.startsWith('config.seed '))!.split(/\s+/)).toEqual(['config.seed', '1', '1', '', '2', 'changed'].filter((x) => x !== ''));
    expect(lines.find((l) => l.startsWith('config.iterations '))).toMatch(/^config\.iterations +200 +200 +100 +changed$/);
    expect(lines.some((l) => l.startsWith('wallMs '))).toBe(true);
  });

  it('shows valAcc where a run has one (--validation), with its change, and leaves it out where none has', async () => {
    const [v1, v2] = [join(root, 'v1.json'), join(root, 'v2.json')];
    const runs = await Promise.all([
      runCli([...RUN, '--iters', '160', '--validation', '0.1', '--metrics', v1]),
      runCli([...RUN, '--iters', '80', '--validation', '0.1', '--metrics', v2]),
    ]);
    for (const r of runs) expectExit(r, 0);
    const run = await runCli(['diff', v1, v2]);
    expectExit(run, 0);
    const row = outputLines(run.stdout).find((l) => l.startsWith('valAcc '))!.split(/\s+/);
    const [m1, m2] = [metrics(v1), metrics(v2)];
    expect(Number(row[1])).toBeCloseTo(m1.valAcc as number, 4);
    expect(Number(row[3])).toBeCloseTo((m2.valAcc as number) - (m1.valAcc as number), 4);
    const plain = await runCli(['diff', a, b]);
    expect(outputLines(plain.stdout).some((l) => l.startsWith('valAcc '))).toBe(false);
  });

  it('--md prints one valid Markdown table with every metric', async () => {
    const run = await runCli(['diff', a, b, c, '--md']);
    expectExit(run, 0);
    const tables = markdownTables(run.stdout);
    expect(tables).toHaveLength(1);
    const [table] = tables;
    expect(table.header).toEqual(['metric', a, b, 'change', c, 'change']);
    expect(outputLines(run.stdout)[1]).toBe('| --- | --- | --- | --- | --- | --- |');
    expect(outputLines(run.stdout)).toHaveLength(2 + table.rows.length);
    expect(table.rows.slice(0, 7).map((r) => r[0])).toEqual(METRICS);
    for (const row of table.rows.slice(0, 7)) expect(row[3]).toBe('0');
  });

  it('--json prints one object with the files and every row', async () => {
    const run = await runCli(['diff', a, c, '--json']);
    expectExit(run, 0);
    const lines = outputLines(run.stdout);
    expect(lines).toHaveLength(1);
    const diff = JSON.parse(lines[0]) as { files: string[]; against: string; rows: { name: string; values: unknown[]; changes: (number | null)[] }[] };
    expect(diff.files).toEqual([a, c]);
    expect(diff.against).toBe(a);
    const testAcc = diff.rows.find((r) => r.name === 'testAcc')!;
    expect(testAcc.values).toEqual([metrics(a).testAcc, metrics(c).testAcc]);
    expect(testAcc.changes[1]).toBe((metrics(c).testAcc as number) - (metrics(a).testAcc as number));
  });

  it('with one file is a usage error; a missing or foreign file is a data error naming it', async () => {
    const one = await runCli(['diff', a]);
    expectExit(one, 2);
    expect(outputLines(one.stderr)[0]).toBe('bp-train: error: diff needs two or more metrics files (got 1): bp-train diff BASELINE.json RUN.json [more...]');
    const none = await runCli(['diff']);
    expectExit(none, 2);
    const missing = await runCli(['diff', a, join(root, 'nope.json')]);
    expectExit(missing, 3);
    expect(missing.stdout).toBe('');
    expect(outputLines(missing.stderr)).toEqual([`bp-train: data error: ${join(root, 'nope.json')}: no such file`]);
    const foreign = join(root, 'package.json');
    writeFileSync(foreign, '{"name": "x"}');
    const bad = await runCli(['diff', foreign, a]);
    expectExit(bad, 3);
    expect(outputLines(bad.stderr)).toEqual([`bp-train: data error: ${foreign}: is not a bp-train metrics file (no "format": "bp-train-metrics")`]);
  });

  it('refuses --json with --md, and its help lists only the exit codes it uses', async () => {
    const both = await runCli(['diff', a, b, '--json', '--md']);
    expectExit(both, 2);
    const help = await runCli(['diff', '--help']);
    expectExit(help, 0);
    expect(help.stdout).toMatch(/^ +3 +a metrics file is missing, unreadable or not a bp-train metrics file$/m);
    expect(help.stdout).not.toMatch(/^ +1 /m);
    expect(help.stdout).not.toMatch(/^ +4 /m);
  });
});
