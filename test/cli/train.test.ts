/**
 * bp-train (the train command) end to end: determinism, the --json and --metrics contracts,
 * the gates and their exit codes, divergence, plain output in pipes and CI, --quiet,
 * --epochs, SIGINT and --help. Runs are small (2,000 train / 500 test MNIST images, a few
 * hundred iterations) so that each takes well under two seconds.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainOptions } from '../../src/cli/options.js';
import { jsonLines, outputLines, runCli, startCli, withoutTiming, type RunResult } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh empty folder under the test's temp dir. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

type Json = Record<string, unknown>;

const SMALL = ['--train-limit', '2000', '--test-limit', '500'];
const TINY = ['--train-limit', '1000', '--test-limit', '200'];

/** Fails with the run's output when the exit code is not the expected one. */
function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
  expect(run.signal).toBeNull();
}

function summaryOf(events: Json[]): Json {
  const summary = events.at(-1)!;
  expect(summary.event).toBe('summary');
  return summary;
}

/** A metrics file's summary fields: without what describes the run (test/cli/ci-baseline.test.ts checks those). */
function summaryFields(metrics: Json): Json {
  const { format, formatVersion, version, config, history, environment, ...summary } = metrics;
  expect(format).toBe('bp-train-metrics');
  void [formatVersion, version, config, history, environment];
  return summary;
}

// --- one shared run: the reference for determinism, the --json contract and --metrics -------

const DETERMINISM = ['--iters', '130', ...SMALL, '--json']; // 20 iterations per epoch: 6.5 epochs
const metricsDir = folder('metrics-a');
const metricsFile = join(metricsDir, 'metrics.json');
let reference: Promise<RunResult> | undefined;
const referenceRun = (): Promise<RunResult> =>
  (reference ??= runCli([...DETERMINISM, '--seed', '7', '--metrics', metricsFile]));

describe('determinism', () => {
  it('gives identical JSON lines (timing aside) for the same seed, different ones for another seed', async () => {
    const [a, b, c] = await Promise.all([
      referenceRun(),
      runCli([...DETERMINISM, '--seed', '7']),
      runCli([...DETERMINISM, '--seed', '8']),
    ]);
    for (const run of [a, b, c]) expectExit(run, 0);
    const [ea, eb, ec] = [a, b, c].map((run) => jsonLines(run.stdout));
    expect(ea.filter((e) => e.event === 'epoch').length).toBeGreaterThanOrEqual(2);
    expect(withoutTiming(eb)).toEqual(withoutTiming(ea));
    expect(withoutTiming(ec)).not.toEqual(withoutTiming(ea));
    // seeds change the numbers, not the shape of the run
    expect(ec.map((e) => e.event)).toEqual(ea.map((e) => e.event));
    expect(ec.find((e) => e.event === 'start')!.seed).toBe(8);
    expect(summaryOf(ec).testAcc).not.toBe(summaryOf(ea).testAcc);
  });
});

describe('--json', () => {
  it('writes one JSON object per line: start, one epoch per measurement, summary', async () => {
    const run = await referenceRun();
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const events = jsonLines(run.stdout);
    expect(events[0].event).toBe('start');
    expect(events[0]).toMatchObject({
      source: 'mnist',
      trainSize: 2000,
      testSize: 500,
      iterations: 130,
      startIteration: 0,
      itersPerEpoch: 20,
      batchSize: 100,
      hidden: [50],
      network: '784-50-10 relu std 0.01',
      optimizer: 'sgd lr 0.1',
      lr: 0.1,
      seed: 7,
    });
    const epochs = events.slice(1, -1);
    expect(epochs.every((e) => e.event === 'epoch')).toBe(true);
    expect(epochs).toHaveLength(Math.ceil(130 / 20));

    let lastIteration = 0;
    epochs.forEach((e, i) => {
      expect(Object.keys(e).sort()).toEqual(['elapsedMs', 'epoch', 'event', 'iteration', 'loss', 'testAcc', 'trainAcc'].sort());
      expect(e.epoch).toBe(i + 1);
      expect(e.iteration).toBe(Math.min((i + 1) * 20, 130));
      expect(e.iteration as number).toBeGreaterThan(lastIteration);
      lastIteration = e.iteration as number;
      expect(Number.isFinite(e.loss)).toBe(true);
      expect(e.loss as number).toBeGreaterThan(0);
      for (const key of ['trainAcc', 'testAcc'] as const) {
        expect(e[key] as number).toBeGreaterThanOrEqual(0);
        expect(e[key] as number).toBeLessThanOrEqual(1);
      }
      expect(Number.isInteger(e.elapsedMs)).toBe(true);
      expect(e.elapsedMs as number).toBeGreaterThanOrEqual(0);
    });

    const summary = summaryOf(events);
    for (const key of ['iterations', 'trainAcc', 'testAcc', 'bestTestAcc', 'wallMs', 'trainMs', 'evalMs', 'loadMs', 'peakRssMb']) {
      expect(summary, key).toHaveProperty(key);
      expect(typeof summary[key], key).toBe('number');
    }
    const last = epochs.at(-1)!;
    expect(summary).toMatchObject({
      iterations: 130,
      epochs: 7,
      trainAcc: last.trainAcc,
      testAcc: last.testAcc,
      loss: last.loss,
      status: 'ok',
      diverged: false,
      interrupted: false,
      gates: [],
    });
    expect(summary.bestTestAcc).toBe(Math.max(...epochs.map((e) => e.testAcc as number)));
    for (const key of ['trainAcc', 'testAcc', 'bestTestAcc'] as const) {
      expect(summary[key] as number).toBeGreaterThanOrEqual(0);
      expect(summary[key] as number).toBeLessThanOrEqual(1);
    }
    // it learned something in 130 iterations
    expect(summary.testAcc as number).toBeGreaterThan(0.5);
  });
});

describe('--metrics FILE', () => {
  it('writes the --json summary as one JSON object, and leaves no temporary file', async () => {
    const run = await referenceRun();
    expectExit(run, 0);
    const text = readFileSync(metricsFile, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const metrics = JSON.parse(text) as Json;
    expect(typeof metrics).toBe('object');
    expect(withoutTiming(summaryFields(metrics))).toEqual(withoutTiming(summaryOf(jsonLines(run.stdout))));
    for (const key of ['wallMs', 'trainMs', 'evalMs', 'loadMs', 'peakRssMb']) expect(typeof metrics[key]).toBe('number');
    expect(readdirSync(metricsDir)).toEqual(['metrics.json']);
  });

  it('replaces an existing file', async () => {
    const dir = folder('metrics-replace');
    const file = join(dir, 'm.json');
    const first = await runCli(['--iters', '20', ...TINY, '--metrics', file, '--quiet']);
    expectExit(first, 0);
    const second = await runCli(['--iters', '30', ...TINY, '--metrics', file, '--quiet']);
    expectExit(second, 0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as Json).iterations).toBe(30);
    expect(readdirSync(dir)).toEqual(['m.json']);
  });
});

// --- gates ------------------------------------------------------------------------------------

const GATE_RUN = ['--iters', '100', ...SMALL, '--json']; // test acc ~0.6, train acc ~0.7, loss ~1.4

describe('gates', () => {
  it.each([
    { option: '--min-test-acc', bar: '0.99', field: 'testAcc' },
    { option: '--min-train-acc', bar: '0.99', field: 'trainAcc' },
    { option: '--max-loss', bar: '0.01', field: 'loss' },
  ])('$option $bar fails: exit 1, one stderr line, gates[0].passed false', async ({ option, bar, field }) => {
    const run = await runCli([...GATE_RUN, option, bar]);
    expectExit(run, 1);
    const summary = summaryOf(jsonLines(run.stdout));
    expect(summary.status).toBe('gate-failed');
    expect(summary.gates).toEqual([{ option, bar: Number(bar), value: summary[field], passed: false }]);
    const lines = outputLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bp-train: /);
    expect(lines[0]).toContain(option);
    expect(lines[0]).toContain(bar);
    expect(lines[0]).toContain((summary[field] as number).toFixed(4)); // rounded for people; exact in the JSON
  });

  it.each([
    { option: '--min-test-acc', bar: '0.5', field: 'testAcc' },
    { option: '--min-train-acc', bar: '0.5', field: 'trainAcc' },
    { option: '--max-loss', bar: '5', field: 'loss' },
  ])('$option $bar passes: exit 0, gates[0].passed true', async ({ option, bar, field }) => {
    const run = await runCli([...GATE_RUN, option, bar]);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const summary = summaryOf(jsonLines(run.stdout));
    expect(summary.status).toBe('ok');
    expect(summary.gates).toEqual([{ option, bar: Number(bar), value: summary[field], passed: true }]);
  });

  it('in text mode prints the failed gate once, on stderr, and the passed one in the summary', async () => {
    const run = await runCli(['--iters', '100', ...SMALL, '--min-test-acc', '0.99', '--min-train-acc', '0.5']);
    expectExit(run, 1);
    const errLines = outputLines(run.stderr);
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^bp-train: gate --min-test-acc 0\.99: FAILED: final test accuracy \d\.\d{4} is below the bar 0\.99$/);
    const out = outputLines(run.stdout);
    expect(out.some((l) => /FAILED/.test(l))).toBe(false);
    expect(out.some((l) => /^gate --min-train-acc 0\.5: passed/.test(l))).toBe(true);
  });
});

// --- divergence -------------------------------------------------------------------------------

describe('divergence', () => {
  it.each(['1e6', '1e9'])('--lr %s exits 4, names the iteration, suggests a lower --lr, still writes --metrics', async (lr) => {
    const dir = folder(`metrics-diverged-${lr}`);
    const file = join(dir, 'metrics.json');
    const run = await runCli(['--lr', lr, '--iters', '200', ...SMALL, '--metrics', file]);
    expectExit(run, 4);
    const lines = outputLines(run.stderr);
    expect(lines).toHaveLength(1);
    const match = /^bp-train: .*diverged.*iteration (\d+)/.exec(lines[0]);
    expect(match, run.stderr).not.toBeNull();
    expect(lines[0]).toContain('lower --lr');
    const iteration = Number(match![1]);
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as Json;
    expect(metrics).toMatchObject({ diverged: true, interrupted: false, status: 'diverged', iterations: iteration - 1, gates: [] });
    expect(readdirSync(dir)).toEqual(['metrics.json']);
  });

  it('in --json mode stdout stays parseable and holds a diverged event', async () => {
    const run = await runCli(['--lr', '1e6', '--iters', '200', ...SMALL, '--json', '--min-test-acc', '0.5']);
    expectExit(run, 4);
    const events = jsonLines(run.stdout);
    const diverged = events.find((e) => e.event === 'diverged');
    expect(diverged).toBeDefined();
    expect(summaryOf(events)).toMatchObject({ status: 'diverged', diverged: true, iterations: (diverged!.iteration as number) - 1 });
    const lines = outputLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`iteration ${diverged!.iteration as number}`);
    expect(lines[0]).toContain('lower --lr');
  });
});

// --- plain output, colour ---------------------------------------------------------------------

const ANSI = '\x1b';
const COLOR_RUN = ['--iters', '40', ...TINY, '--max-loss', '0.001']; // 4 epochs; the gate fails: a stderr line

describe('output under a pipe', () => {
  it.each([
    { name: 'no colour variables', env: {} },
    { name: 'CI=1', env: { CI: '1' } },
    { name: 'CI=true', env: { CI: 'true' } },
    { name: 'NO_COLOR=1', env: { NO_COLOR: '1' } },
    { name: 'NO_COLOR=1 beats FORCE_COLOR=1', env: { NO_COLOR: '1', FORCE_COLOR: '1' } },
    { name: 'FORCE_COLOR=0', env: { FORCE_COLOR: '0' } },
  ])('is plain with $name: no ANSI escapes, no carriage returns', async ({ env }) => {
    const run = await runCli(COLOR_RUN, { env });
    expectExit(run, 1);
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(ANSI);
      expect(text).not.toContain('\r');
    }
    const lines = outputLines(run.stdout);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(4);
    expect(outputLines(run.stderr)).toHaveLength(1);
  });

  it('is coloured with FORCE_COLOR=1, still without carriage returns', async () => {
    const run = await runCli(COLOR_RUN, { env: { FORCE_COLOR: '1' } });
    expectExit(run, 1);
    const epochLines = outputLines(run.stdout).filter((l) => l.startsWith('epoch '));
    expect(epochLines).toHaveLength(4);
    for (const line of epochLines) expect(line).toContain(`${ANSI}[`);
    expect(run.stdout).not.toContain('\r');
    expect(run.stderr).not.toContain('\r');
  });
});

describe('--quiet and --epochs', () => {
  it('--quiet prints only the summary lines', async () => {
    const run = await runCli(['--iters', '40', ...TINY, '--quiet']);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const lines = outputLines(run.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^done: 40 iterations completed, test accuracy \d\.\d{4}/);
    expect(lines[1]).toMatch(/^wall /);
  });

  it('--quiet still prints the gate lines of the summary', async () => {
    const run = await runCli(['--iters', '40', ...TINY, '--quiet', '--min-test-acc', '0.01']);
    expectExit(run, 0);
    const lines = outputLines(run.stdout);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^done: /);
    expect(lines[2]).toMatch(/^gate --min-test-acc 0\.01: passed/);
  });

  it('--epochs 2 in text mode prints one line per epoch, starting with "epoch"', async () => {
    const run = await runCli(['--epochs', '2', ...TINY]);
    expectExit(run, 0);
    const lines = outputLines(run.stdout);
    const epochLines = lines.filter((l) => l.startsWith('epoch'));
    expect(epochLines).toHaveLength(2);
    expect(epochLines[0]).toMatch(/^epoch 1\/2 /);
    expect(epochLines[1]).toMatch(/^epoch 2\/2 /);
    expect(lines[0]).toMatch(/^training on mnist: 1,000 train \/ 200 test/);
    expect(lines.some((l) => l.startsWith('done: 20 iterations'))).toBe(true);
  });

  it('--epochs 2 in --json mode: two epoch events of floor(train size / batch size) iterations', async () => {
    const run = await runCli(['--epochs', '2', '--batch-size', '300', ...TINY, '--json']);
    expectExit(run, 0);
    const events = jsonLines(run.stdout);
    expect(events[0]).toMatchObject({ event: 'start', itersPerEpoch: 3, iterations: 6 });
    expect(events.filter((e) => e.event === 'epoch').map((e) => [e.epoch, e.iteration])).toEqual([
      [1, 3],
      [2, 6],
    ]);
    expect(summaryOf(events)).toMatchObject({ iterations: 6, epochs: 2 });
  });
});

// --- SIGINT -----------------------------------------------------------------------------------

describe('SIGINT', () => {
  it.each([
    { mode: 'text', extra: [] as string[], firstEpoch: /^epoch /m },
    { mode: 'json', extra: ['--json'], firstEpoch: /"event":"epoch"/ },
  ])('stops a long run ($mode): exit 130, "interrupted at iteration N", --metrics written', async ({ mode, extra, firstEpoch }) => {
    const dir = folder(`metrics-sigint-${mode}`);
    const file = join(dir, 'metrics.json');
    const cli = startCli(['--iters', '100000', '--train-limit', '2000', '--test-limit', '200', '--metrics', file, ...extra]);
    await cli.waitForStdout(firstEpoch, 30_000);
    expect(existsSync(file)).toBe(false);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expectExit(run, 130);
    const match = /interrupted at iteration (\d+)/.exec(run.stderr);
    expect(match, run.stderr).not.toBeNull();
    const iteration = Number(match![1]);
    expect(iteration).toBeGreaterThanOrEqual(20);
    expect(iteration).toBeLessThan(100000);
    expect(run.stderr).not.toMatch(/^\s+at\s/m);
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as Json;
    expect(metrics).toMatchObject({ interrupted: true, diverged: false, status: 'interrupted', iterations: iteration });
    expect(readdirSync(dir)).toEqual(['metrics.json']);
    if (mode === 'json') {
      const events = jsonLines(run.stdout);
      expect(events.find((e) => e.event === 'interrupted')).toEqual({ event: 'interrupted', iteration });
      expect(withoutTiming(summaryOf(events))).toEqual(withoutTiming(summaryFields(metrics)));
    }
  });
});

// --- help -------------------------------------------------------------------------------------

/** The help text's option entries, each folded into one line: '--hidden <sizes> widths of ... (default: 50)'. */
function helpOptions(help: string): Map<string, string> {
  const entries = new Map<string, string>();
  let current: string | null = null;
  for (const line of help.split('\n')) {
    const start = /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line);
    if (start) {
      current = start[1];
      entries.set(current, line.trim());
    } else if (current !== null && /^ {4,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)!} ${line.trim()}`);
    } else {
      current = null;
    }
  }
  return entries;
}

const TRAIN_DEFAULTS: Record<string, RegExp> = {
  '--hidden': /\(default: 50\)/,
  '--activation': /\(default: "?relu"?\)/,
  '--init': /\(default: "?std"?\)/,
  '--optimizer': /\(default: "?sgd"?\)/,
  '--lr': /\(default 0\.1 with sgd, the book's chapter-5 run; else the book's default of the optimizer: 0\.01, with adam 0\.001\)/,
  '--momentum': /default 0\.9\)/,
  '--decay-rate': /default 0\.99\)/,
  '--beta1': /default 0\.9\)/,
  '--beta2': /default 0\.999\)/,
  '--batch-size': /\(default: 100\)/,
  '--iters': /\(default: 10000\)/,
  '--weight-init-std': /with --init std \(default 0\.01\)/,
  '--seed': /\(default: 1\)/,
  '--data': /\(default: "?mnist"?\)/,
};
const TRAIN_FLAGS = [
  ...Object.keys(TRAIN_DEFAULTS),
  '--epochs',
  '--train-limit',
  '--test-limit',
  '--min-test-acc',
  '--min-train-acc',
  '--max-loss',
  '--metrics',
  '--json',
  '--quiet',
  '--debug',
  '--help',
];

function expectExitCodes(help: string, codes = [0, 1, 2, 3, 4, 70, 130]): void {
  expect(help).toMatch(/Exit codes:/);
  for (const code of [0, 1, 2, 3, 4, 70, 130]) {
    const listed = new RegExp(`^ +${code} +\\S`, 'm');
    if (codes.includes(code)) expect(help).toMatch(listed);
    else expect(help).not.toMatch(listed);
  }
}

describe('--help', () => {
  it.each([{ args: ['--help'] }, { args: ['train', '--help'] }])(
    'bp-train $args lists every train option with its default, and the exit codes',
    async ({ args }) => {
      const run = await runCli(args);
      expectExit(run, 0);
      expect(run.stderr).toBe('');
      const options = helpOptions(run.stdout);
      const documented = trainOptions.map((o) => /--[\w-]+/.exec(o.flags)![0]);
      for (const flag of new Set([...TRAIN_FLAGS, ...documented])) {
        expect(options.has(flag), `${flag} in\n${run.stdout}`).toBe(true);
      }
      for (const [flag, pattern] of Object.entries(TRAIN_DEFAULTS)) {
        expect(options.get(flag), flag).toMatch(pattern);
      }
      expectExitCodes(run.stdout);
    },
  );

  it('gradcheck --help lists --samples 3, --dtype, --tolerance and the exit codes', async () => {
    const run = await runCli(['gradcheck', '--help']);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const options = helpOptions(run.stdout);
    expect(options.get('--samples')).toMatch(/\(default: 3\)/);
    expect(options.get('--dtype')).toMatch(/float64/);
    expect(options.get('--dtype')).toMatch(/float32/);
    expect(options.get('--tolerance')).toBeDefined();
    expect(options.get('--hidden')).toMatch(/\(default: 50\)/);
    expect(options.get('--seed')).toMatch(/\(default: 1\)/);
    expect(options.get('--data')).toMatch(/\(default: "?mnist"?\)/);
    expectExitCodes(run.stdout, [0, 1, 2, 3, 70, 130]); // no divergence in a gradient check
    expect(run.stdout).toMatch(/^ +1 +a mean difference is above --tolerance/m);
  });
});

describe('help command', () => {
  it('`bp-train help gradcheck` shows the gradcheck help and exits 0', async () => {
    const run = await runCli(['help', 'gradcheck']);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^Usage: bp-train gradcheck \[options\]/);
  });

  it('`bp-train help` shows the program help with the training options and the commands', async () => {
    const run = await runCli(['help']);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/--hidden <sizes>/);
    expect(run.stdout).toMatch(/^Commands:/m);
  });
});
