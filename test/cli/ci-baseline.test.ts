/**
 * bp-train in CI, end to end, as the issue checks it: the metrics file describes its run;
 * --baseline of an identical run shows zero changes and exits 0; a worse run breaches
 * --max-drop (exit 1, one line with the metric, both values and the bar); a baseline with
 * other settings is a usage error naming them (exit 2); a broken baseline is a data error
 * (exit 3, one line) before any training; --junit and $GITHUB_STEP_SUMMARY write their
 * reports without changing stdout. Runs are short: 2,000 mnist-lite images, 200 iterations.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenNamed, parseXml, parseXmlWithPython } from '../helpers/xml.js';
import { markdownTables } from '../helpers/markdown-table.js';
import { jsonLines, outputLines, runCli, withoutTiming, type RunResult } from '../helpers/run-cli.js';
import { configOf } from '../train/ci-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-ci-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = Record<string, unknown>;

const RUN = ['--data', 'mnist-lite', '--train-limit', '2000', '--iters', '200'];
const main = join(root, 'main.json');

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
}

const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

beforeAll(async () => {
  expectExit(await runCli([...RUN, '--metrics', main, '--quiet']), 0);
});

describe('the metrics file', () => {
  it('records the version, the full configuration, the epochs and the environment beside the summary', () => {
    const m = readJson(main);
    expect(m).toMatchObject({ format: 'bp-train-metrics', formatVersion: 1, event: 'summary', status: 'ok', iterations: 200, epochs: 10 });
    expect(m.version).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as Json).version);
    // The defaults of the fixtures are this very run: the book's net on 2,000 mnist-lite images, 200 iterations.
    expect(m.config).toEqual(configOf());
    const history = m.history as Json[];
    expect(history).toHaveLength(10);
    expect(history.at(-1)).toEqual({ epoch: 10, iteration: 200, loss: m.loss, trainAcc: m.trainAcc, testAcc: m.testAcc });
    expect(m.environment).toMatchObject({ node: process.version, platform: process.platform, arch: process.arch });
    expect(typeof (m.environment as Json).cpu).toBe('string');
  });
});

describe('--baseline', () => {
  it('of an identical run: every change is zero, exit 0, and the summary event lists the comparison', async () => {
    const text = await runCli([...RUN, '--baseline', main, '--max-drop', '0.001', '--max-train-drop', '0', '--max-loss-rise', '0']);
    expectExit(text, 0);
    const lines = outputLines(text.stdout);
    const at = lines.indexOf(`against the baseline ${main} (bp-train ${readJson(main).version}):`);
    expect(at).toBeGreaterThan(0);
    const table = lines.slice(at + 2, at + 9);
    expect(table.map((l) => l.trim().split(/\s+/)[0])).toEqual(['testAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs']);
    for (const line of table) expect(line).toMatch(/ 0$/);
    expect(lines).toContain(`gate --max-drop 0.001: passed (test accuracy ${(readJson(main).testAcc as number).toFixed(4)}, baseline ${(readJson(main).testAcc as number).toFixed(4)}, change 0)`);
    expect(text.stderr).toBe('');

    const json = await runCli([...RUN, '--baseline', main, '--max-drop', '0.001', '--json']);
    expectExit(json, 0);
    const summary = jsonLines(json.stdout).at(-1)!;
    const baseline = summary.baseline as { file: string; configChanges: unknown[]; metrics: Json[]; gates: Json[] };
    expect(baseline.file).toBe(main);
    expect(baseline.configChanges).toEqual([]);
    expect(baseline.metrics.map((m) => m.change)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(baseline.gates).toEqual([{ option: '--max-drop', metric: 'testAcc', bar: 0.001, baseline: summary.testAcc, value: summary.testAcc, change: 0, passed: true }]);
    // with --json the table goes to stderr: stdout stays JSON lines
    expect(json.stderr).toContain('against the baseline');
  });

  it('a worse run (fewer iterations, allowed): exit 1 under --max-drop 0.001, one line naming the metric, both values and the bar', async () => {
    const dir = join(root, 'worse');
    mkdirSync(dir);
    const run = await runCli(['--data', 'mnist-lite', '--train-limit', '2000', '--iters', '100', '--baseline', main, '--max-drop', '0.001', '--allow-config-change', '--metrics', join(dir, 'm.json')]);
    expectExit(run, 1);
    const before = (readJson(main).testAcc as number).toFixed(4);
    const worse = readJson(join(dir, 'm.json'));
    const after = (worse.testAcc as number).toFixed(4);
    expect(Number(after)).toBeLessThan(Number(before) - 0.001);
    const errors = outputLines(run.stderr);
    expect(errors).toEqual([
      `bp-train: gate --max-drop 0.001: FAILED: test accuracy ${after} is ${(Number(before) - Number(after)).toFixed(4)} below the baseline's ${before} (${main}), more than the bar 0.001`,
    ]);
    expect(run.stdout).toMatch(/^ {2}config\.iterations +200 +100 +changed$/m);
    expect(run.stdout).toContain('configuration changes allowed by --allow-config-change');
    expect(worse.status).toBe('gate-failed');
    expect((worse.baseline as Json).configChanges).toEqual([{ key: 'iterations', setBy: '--iters/--epochs', baseline: 200, value: 100 }]);
  });

  it('a baseline with another seed: exit 2 before training, naming seed and both values', async () => {
    const run = await runCli([...RUN, '--seed', '2', '--baseline', main, '--max-drop', '0.001']);
    expectExit(run, 2);
    expect(run.stdout).toBe('');
    const [line, hint] = outputLines(run.stderr);
    expect(line).toBe(
      `bp-train: error: --baseline ${main} ran with other settings that change the numbers: seed (--seed) 1 in the baseline, 2 here (give --allow-config-change to compare anyway)`,
    );
    expect(hint).toMatch(/--help/);
  });

  it('names every difference, and ignores what changes no number (--threads, --json, file names)', async () => {
    const run = await runCli(['--data', 'mnist-lite', '--train-limit', '1000', '--iters', '200', '--lr', '0.2', '--baseline', main, '--threads', '1', '--quiet']);
    expectExit(run, 2);
    expect(outputLines(run.stderr)[0]).toMatch(/: lr \(--lr\) 0\.1 in the baseline, 0\.2 here; trainLimit \(--train-limit\) 2000 in the baseline, 1000 here; trainSize \(the training examples used\) 2000 in the baseline, 1000 here \(give/);
    const same = await runCli([...RUN, '--baseline', main, '--threads', '1', '--quiet', '--metrics', join(root, 'threads-1.json')]);
    expectExit(same, 0);
  });

  it('may be the --metrics file itself: read before training, replaced after', async () => {
    const file = join(root, 'rolling.json');
    copyFileSync(main, file);
    expectExit(await runCli([...RUN, '--baseline', file, '--metrics', file, '--quiet']), 0);
    expect((readJson(file).baseline as Json).file).toBe(file);
  });

  const broken: [string, (file: string) => void, RegExp][] = [
    ['missing', () => {}, /: no such file$/],
    ['empty', (f) => writeFileSync(f, ''), /: is empty, not a metrics file/],
    ['truncated', (f) => writeFileSync(f, readFileSync(main, 'utf8').slice(0, 400)), /: is not JSON \(.*\): truncated, or not a metrics file$/],
    ['not JSON', (f) => writeFileSync(f, 'epoch 1 loss 2.3\n'), /: is not JSON \(.*\): truncated, or not a metrics file$/],
    ['not a bp-train metrics file', (f) => writeFileSync(f, '{"name": "x", "version": "1.0.0"}\n'), /: is not a bp-train metrics file \(no "format": "bp-train-metrics"\)$/],
    [
      'a summary of an older bp-train',
      (f) => {
        const { format, formatVersion, version, config, history, environment, ...summary } = readJson(main);
        void [format, formatVersion, version, config, history, environment];
        writeFileSync(f, JSON.stringify(summary));
      },
      /: is not a bp-train metrics file: it records no configuration/,
    ],
    ['a folder', (f) => mkdirSync(f), /: is a directory, not a metrics file$/],
  ];
  it.each(broken)('a baseline that is %s: exit 3, one line naming it, nothing trained', async (name, make, problem) => {
    const file = join(root, `broken-${name.replace(/\W+/g, '-')}.json`);
    make(file);
    const run = await runCli([...RUN, '--baseline', file, '--max-drop', '0.01', '--metrics', join(root, `never-${name.length}.json`)]);
    expectExit(run, 3);
    expect(run.stdout).toBe('');
    const lines = outputLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`bp-train: data error: --baseline ${file}: `)).toBe(true);
    expect(lines[0]).toMatch(problem);
    expect(existsSync(join(root, `never-${name.length}.json`))).toBe(false);
  });

  it.each(['--max-drop', '--max-train-drop', '--max-loss-rise'])('%s without --baseline is a usage error', async (flag) => {
    const run = await runCli([...RUN, flag, '0.01']);
    expectExit(run, 2);
    expect(outputLines(run.stderr)[0]).toBe(`bp-train: error: ${flag} needs --baseline FILE (the metrics file of the run to compare with)`);
  });
});

describe('reports for CI systems', () => {
  it('--junit: JUnit XML with one test case per gate, the failures marked, the figures as properties', async () => {
    const dir = join(root, 'junit');
    mkdirSync(dir);
    const file = join(dir, 'junit.xml');
    const gates = ['--min-test-acc', '0.5', '--min-train-acc', '0.99', '--baseline', main, '--max-drop', '0.001', '--max-loss-rise', '0'];
    const run = await runCli([...RUN, ...gates, '--junit', file, '--quiet']);
    expectExit(run, 1);
    expect(readdirSync(dir)).toEqual(['junit.xml']); // written atomically: no temporary file left
    const text = readFileSync(file, 'utf8');
    const tree = parseXml(text);
    const python = parseXmlWithPython(file);
    if (python !== null) expect(python.children.length).toBe(tree.children.length);
    const suite = childrenNamed(tree, 'testsuite')[0];
    expect(suite.attributes).toMatchObject({ tests: '4', failures: '1', errors: '0' });
    const cases = childrenNamed(suite, 'testcase');
    expect(cases.map((c) => [c.attributes.name, childrenNamed(c, 'failure').length])).toEqual([
      ['--min-test-acc 0.5', 0],
      ['--min-train-acc 0.99', 1],
      ['--max-drop 0.001', 0],
      ['--max-loss-rise 0', 0],
    ]);
    expect(childrenNamed(cases[1], 'failure')[0].attributes.message).toMatch(/^gate --min-train-acc 0\.99: FAILED: final train accuracy 0\.\d{4} is below the bar 0\.99$/);
    const props = Object.fromEntries(childrenNamed(childrenNamed(suite, 'properties')[0], 'property').map((p) => [p.attributes.name, p.attributes.value]));
    expect(Number(props.testAcc)).toBe(readJson(main).testAcc);
    expect(props['config.seed']).toBe('1');
    expect(props['baseline.file']).toBe(main);
  });

  it('GITHUB_STEP_SUMMARY: a Markdown block appended after the earlier steps, stdout unchanged', async () => {
    const file = join(root, 'step-summary.md');
    writeFileSync(file, '## from an earlier step\n\n');
    const args = [...RUN, '--baseline', main, '--max-drop', '0.001', '--json'];
    const [plain, reported] = await Promise.all([runCli(args), runCli([...args, '--junit', join(root, 'j2.xml')], { env: { GITHUB_STEP_SUMMARY: file } })]);
    expectExit(plain, 0);
    expectExit(reported, 0);
    expect(withoutTiming(jsonLines(reported.stdout))).toEqual(withoutTiming(jsonLines(plain.stdout)));
    const md = readFileSync(file, 'utf8');
    expect(md.startsWith('## from an earlier step\n\n### bp-train: ok, test accuracy ')).toBe(true);
    const tables = markdownTables(md);
    expect(tables.map((t) => t.header[0])).toEqual(['figure', 'gate', 'metric']);
    expect(tables[1].rows).toEqual([['--max-drop 0.001', 'passed', expect.stringMatching(/^gate --max-drop 0\.001: passed/)]]);
    expect(tables[2].rows.map((r) => r[3])).toEqual(['0', '0', '0', '0', '0', '0', '0']);
  });

  it('GITHUB_STEP_SUMMARY that cannot be written: exit 5 naming it, after the run and its other files', async () => {
    const file = join(root, 'no-such-folder', 'summary.md');
    const metrics = join(root, 'kept.json');
    const run = await runCli([...RUN, '--metrics', metrics, '--quiet'], { env: { GITHUB_STEP_SUMMARY: file } });
    expectExit(run, 5);
    expect(existsSync(metrics)).toBe(true);
    expect(outputLines(run.stderr)).toEqual([`bp-train: write error: $GITHUB_STEP_SUMMARY ${file}: could not append: its folder does not exist (no file was written)`]);
  });
});
