/**
 * `bp-train compare` end to end: the book's five chapter-6 presets on their protocols (each
 * run once, checked for the book's ordering and drawn), a comparison built from an option
 * list (the same JSON with 1 and 2 workers), usage errors, Ctrl-C (exit 130, the finished runs
 * reported), the bars on a terminal, and every chart rendered by headless Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { expectChartDrawn } from '../helpers/chart-check.js';
import { jsonLines, outputLines, runCli, startCli, withoutTiming, type RunResult } from '../helpers/run-cli.js';
import { render, runInTerminal, Screen } from '../helpers/terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout.slice(-3000)}\n--- stderr:\n${run.stderr}`).toBe(code);
}

interface SummaryRun {
  label: string;
  loss: number | null;
  trainAcc: number | null;
  testAcc: number | null;
  valAcc: number | null;
  smoothedLoss: number | null;
  status: string;
  iterations: number;
}
interface RunEvent extends SummaryRun {
  index: number;
  history: { epoch: number; iteration: number; trainAcc: number | null; testAcc: number | null; valAcc?: number | null }[];
}

/** Runs compare with --json; checks the event order (start, run events in order, summary last) and returns them. */
async function compare(args: string[], timeoutMs = 100_000): Promise<{ runs: SummaryRun[]; events: RunEvent[]; run: RunResult }> {
  const run = await runCli(['compare', ...args, '--json'], { timeoutMs });
  expectExit(run, 0);
  const lines = jsonLines(run.stdout);
  expect(lines[0].event).toBe('start');
  const summary = lines.at(-1)!;
  expect(summary.event).toBe('summary');
  const events = lines.slice(1, -1) as unknown as RunEvent[];
  expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i));
  const runs = summary.runs as SummaryRun[];
  expect(runs.map((r) => r.label)).toEqual(events.map((e) => e.label));
  for (const r of runs) for (const key of ['label', 'loss', 'trainAcc', 'testAcc', 'valAcc']) expect(r).toHaveProperty(key);
  return { runs, events, run };
}

const byLabel = (runs: SummaryRun[], label: string): SummaryRun => runs.find((r) => r.label === label)!;
const svg = (name: string): string => join(dir, `${name}.svg`);

describe("the book's presets, on their protocols", () => {
  it('optimizers (figure 6-9): SGD ends with the highest smoothed loss; AdaGrad, Adam and Momentum far below', { timeout: 120_000 }, async () => {
    const { runs } = await compare(['--preset', 'optimizers', '--plot', svg('optimizers')]);
    expect(runs.map((r) => r.label)).toEqual(['SGD', 'Momentum', 'AdaGrad', 'Adam']);
    expect(runs.map((r) => r.iterations)).toEqual([2000, 2000, 2000, 2000]);
    const sgd = byLabel(runs, 'SGD').smoothedLoss!;
    for (const r of runs.slice(1)) {
      expect(r.status).toBe('ok');
      expect(r.smoothedLoss!).toBeLessThan(sgd / 2);
      expect(r.testAcc!).toBeGreaterThan(byLabel(runs, 'SGD').testAcc!);
    }
    expect(sgd).toBeGreaterThan(0.1);
    expect(sgd).toBeLessThan(0.5);
    expect(runs.every((r) => r.valAcc === null)).toBe(true);
  });

  it('init (figure 6-15): std 0.01 stays at 2.30, He falls below Xavier', { timeout: 120_000 }, async () => {
    const { runs, events } = await compare(['--preset', 'init', '--plot', svg('init')]);
    expect(runs.map((r) => r.label)).toEqual(['std=0.01', 'Xavier', 'He']);
    expect(Math.abs(byLabel(runs, 'std=0.01').smoothedLoss! - 2.302)).toBeLessThan(0.01);
    expect(byLabel(runs, 'He').smoothedLoss!).toBeLessThan(byLabel(runs, 'Xavier').smoothedLoss!);
    expect(byLabel(runs, 'Xavier').smoothedLoss!).toBeLessThan(1);
    expect(events[0].history.map((e) => e.iteration)).toEqual([2000]); // measured once, at the end
  });

  it('batchnorm (figure 6-19): with batch norm, higher train accuracy early at most of the 16 weight scales', { timeout: 120_000 }, async () => {
    const { runs, events } = await compare(['--preset', 'batchnorm', '--plot', svg('batchnorm')]);
    expect(runs.length).toBe(32);
    expect(runs.every((r) => r.testAcc === null)).toBe(true); // the figure measures the 1,000 training images only
    let faster = 0;
    for (let i = 0; i < 32; i += 2) {
      expect(runs[i].label).toMatch(/^W:[\d.e-]+ batch norm$/);
      expect(runs[i + 1].label).toBe(runs[i].label.replace('batch norm', 'no batch norm'));
      const early = (e: RunEvent): number => e.history[4]?.trainAcc ?? 0; // after 5 epochs (a run that diverged: none)
      if (early(events[i]) > early(events[i + 1])) faster++;
      expect(events[i].history.map((e) => e.iteration)).toEqual([...Array(20).keys()].map((k) => 10 * (k + 1)));
    }
    expect(faster).toBeGreaterThanOrEqual(12);
    // without batch norm, the small scales do not learn (the book: 0.12, stuck)
    expect(byLabel(runs, 'W:0.0074 no batch norm').trainAcc!).toBeLessThan(0.2);
    expect(byLabel(runs, 'W:0.0074 batch norm').trainAcc!).toBeGreaterThan(0.9);
  });

  // The protocol's training, measured every 10 epochs instead of every epoch (the last
  // iteration always is): the same final numbers, in a fifth of the time.
  it('weight-decay (figures 6-20, 6-21): lambda 0.1 narrows the train/test gap, its train accuracy stays under 100%', { timeout: 120_000 }, async () => {
    const { runs, events } = await compare(['--preset', 'weight-decay', '--eval-every', '30', '--plot', svg('weight-decay')]);
    const [none, decay] = [byLabel(runs, 'no weight decay'), byLabel(runs, 'weight decay 0.1')];
    expect(none.iterations).toBe(603);
    expect(none.trainAcc!).toBeGreaterThan(0.99);
    expect(decay.trainAcc!).toBeLessThan(0.99);
    expect(decay.trainAcc! - decay.testAcc!).toBeLessThan(none.trainAcc! - none.testAcc! - 0.03);
    expect(events[0].history.at(-1)!.epoch).toBe(201);
  });

  it('dropout (figure 6-23): dropout 0.2 narrows the train/test gap', { timeout: 120_000 }, async () => {
    const { runs } = await compare(['--preset', 'dropout', '--eval-every', '30', '--plot', svg('dropout')]);
    const [none, dropout] = [byLabel(runs, 'no dropout'), byLabel(runs, 'dropout 0.2')];
    expect(none.iterations).toBe(903);
    expect(none.trainAcc!).toBeGreaterThan(0.99);
    expect(dropout.trainAcc! - dropout.testAcc!).toBeLessThan(none.trainAcc! - none.testAcc! - 0.05);
  });
});

describe('a comparison of one option given as a list', () => {
  const args = ['--dropout', 'off,0.2', '--hidden', '100,100', '--init', 'he', '--train-limit', '2000', '--test-limit', '500', '--validation', '0.2', '--iters', '160', '--eval-every', '40'];

  it('gives the same JSON with 1 and 2 workers, with validation accuracy', { timeout: 120_000 }, async () => {
    const one = await compare([...args, '--workers', '1']);
    const two = await compare([...args, '--workers', '2', '--plot', svg('curves')]);
    const numbers = (r: RunResult) => jsonLines(r.stdout).map((e) => withoutTiming({ ...e, workers: undefined }));
    expect(numbers(two.run)).toEqual(numbers(one.run));
    expect(one.runs.map((r) => r.label)).toEqual(['no dropout', 'dropout 0.2']);
    for (const r of one.runs) {
      expect(Number.isInteger(r.valAcc! * 400)).toBe(true); // 400 of the 2,000 held out
      expect(r.valAcc!).toBeGreaterThan(0.5);
    }
    expect(jsonLines(one.run.stdout)[0]).toMatchObject({ trainSize: 1600, testSize: 500, validationSize: 400 });
    expect(one.events[1].history.map((e) => e.iteration)).toEqual([40, 80, 120, 160]);
  });

  it('prints a line per run in order and a table', { timeout: 60_000 }, async () => {
    const run = await runCli(['compare', '--optimizer', 'sgd,adam', '--train-limit', '1000', '--test-limit', '200', '--iters', '50']);
    expectExit(run, 0);
    const lines = outputLines(run.stdout);
    expect(lines[0]).toBe('bp-train compare --optimizer: 784-50-10, relu, std 0.01, batch 100');
    expect(lines[2]).toMatch(/^\[1\/2\] sgd lr 0\.1: ok, 50 iterations, loss \d\.\d{4}, train 0\.\d{4}, test 0\.\d{4} \(\d+\.\ds\)$/);
    expect(lines[3]).toMatch(/^\[2\/2\] adam lr 0\.001: ok/);
    expect(lines[4]).toMatch(/^run\s+status\s+iterations\s+loss\s+smoothed\s+train\s+test\s+time$/);
    expect(lines[5]).toMatch(/^sgd lr 0\.1\s+ok\s+50\s/);
    expect(lines.length).toBe(7);
  });

  it('notes limits above what the data holds, as training does, and uses all of it', { timeout: 60_000 }, async () => {
    const run = await runCli(['compare', '--data', 'mnist-lite', '--optimizer', 'sgd,adam', '--train-limit', '100000', '--test-limit', '2001', '--iters', '5', '--workers', '1']);
    expectExit(run, 0);
    expect(outputLines(run.stderr)).toEqual([
      'bp-train: note: --train-limit 100000 is more than the 8,000 examples there are: using all of them',
      'bp-train: note: --test-limit 2001 is more than the 2,000 examples there are: using all of them',
    ]);
    expect(outputLines(run.stdout)[1]).toBe('2 runs on mnist-lite (8,000 train / 2,000 test), 5 iterations each, seed 1, backend wasm');
  });

  it('a network too big for wasm memory is a usage error with what to make smaller (2), not an internal error', async () => {
    const hidden = Array(8).fill('4096').join(','); // 8 x 16.8M weights, with Adam's two slots and the gradients: over 2 GiB
    const run = await runCli(['compare', '--data', 'mnist-lite', '--hidden', hidden, '--optimizer', 'adam', '--lr', '0.001,0.002', '--iters', '1', '--workers', '1']);
    expectExit(run, 2);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('bp-train: '));
    expect(errors).toHaveLength(2);
    for (const line of errors) expect(line).toMatch(/^bp-train: error: run 'lr 0\.00[12]': wasm program: \d+ bytes of memory needed, more than 2147418112 .*: use fewer or narrower hidden layers \(--hidden\), or a smaller --batch-size$/);
  });

  it.each([
    [['--optimizer', 'sgd,adam', '--lr', '0.1,0.01'], /compare varies one option at a time: --optimizer and --lr both list several values/],
    [[], /compare needs one option with several values/],
    [['--preset', 'init', '--optimizer', 'adam,sgd'], /--preset init runs the book's protocol: leave out --optimizer/],
    [['--batch-norm', 'on,on'], /--batch-norm lists on twice/],
    [['--optimizer', 'sgd,adam', '--train-limit', '1'], /--batch-size 100 is larger than the 1 training examples left by --train-limit 1/],
    [['--init', 'xavier,he', '--weight-init-std', '0.1'], /--weight-init-std 0.1 goes with --init std only/],
    [['--weight-init-std', '0.1,0.01', '--init', 'he'], /--weight-init-std 0.1,0.01 goes with --init std only: --init he sets each layer's scale itself/],
    [['--dropout', 'off,1.5'], /option '--dropout <ratios>' argument 'off,1.5' is invalid/],
    [['--preset', 'nope'], /Allowed choices|Expected one of/],
  ])('usage error: %j', async (extra, message) => {
    const run = await runCli(['compare', ...extra]);
    expectExit(run, 2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n').filter((l) => l !== '').length).toBeLessThanOrEqual(2);
  });
});

describe('Ctrl-C', () => {
  it('stops every run, exits 130 and still reports the runs that finished', { timeout: 60_000 }, async () => {
    const child = startCli(['compare', '--preset', 'batchnorm', '--json', '--workers', '2']);
    await child.waitForStdout(/"event":"run"/);
    child.child.kill('SIGINT');
    const run = await child.done;
    expectExit(run, 130);
    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', interrupted: true });
    const runs = summary.runs as SummaryRun[];
    expect(runs.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(1);
    expect(runs[0]).toMatchObject({ label: 'W:1 batch norm', status: 'ok', iterations: 200 });
    expect(summary.notStarted as number).toBeGreaterThan(0);
    expect(runs.length + (summary.notStarted as number)).toBe(32);
    expect(lines.filter((e) => e.event === 'run').length).toBe(runs.length);
    expect(run.stderr).toContain('interrupt: SIGINT received');
    expect(run.stderr).toMatch(/bp-train: interrupted \(SIGINT\): \d+ of 32 runs finished, \d+ not started/);
  });
});

describe('on a terminal', () => {
  it('shows a bar per running run, then the lines and the table', { timeout: 60_000 }, async () => {
    const run = await runInTerminal(['compare', '--optimizer', 'sgd,adam', '--train-limit', '3000', '--test-limit', '300', '--iters', '2500']);
    expect(run.code).toBe(0);
    const screen = new Screen(run.cols, run.rows);
    let both = false;
    try {
      // Somewhere in the middle of the run, both bars are on the screen at once, each with its iterations and loss.
      let written = 0;
      for (const [length] of run.arrivals) {
        await screen.write(run.text.slice(written, length));
        written = length;
        const lines = screen.lines();
        if (lines.some((l) => /^sgd lr 0\.1\s+.*\s[1-9]\d*\/2500 \| loss \d\.\d{4}/.test(l)) && lines.some((l) => /^adam lr 0\.001\s+.*\s[1-9]\d*\/2500 \| loss \d\.\d{4}/.test(l))) {
          both = true;
          break;
        }
      }
    } finally {
      screen.dispose();
    }
    expect(both).toBe(true);
    const { finalLines } = await render(run);
    expect(finalLines.some((l) => /^\[2\/2\] adam lr 0\.001: ok/.test(l))).toBe(true);
    expect(finalLines.some((l) => /^run\s+status/.test(l))).toBe(true);
    expect(finalLines.some((l) => /\/2500 \| loss/.test(l))).toBe(false); // the bars are gone
  });
});

describe('the charts, rendered by headless Chromium', () => {
  let launched: Promise<Browser> | undefined;
  const browser = (): Promise<Browser> => (launched ??= launchBrowser());
  afterAll(async () => {
    await (await launched?.catch(() => undefined))?.close();
  });

  it.each(['optimizers', 'init', 'batchnorm', 'weight-decay', 'dropout', 'curves'])('%s is drawn', { timeout: 60_000 }, async (name) => {
    await expectChartDrawn(await browser(), svg(name));
  });
});
