/**
 * train --save, then eval: the saved model reproduces the test accuracy its training run
 * printed, in text and --json; the confusion matrix adds up; colour only when asked for.
 * Broken model files (truncated, bit-flipped, random, not a model) exit 3 with one line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { writeIdxDir } from '../helpers/idx-fixtures.js';
import { runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'model.safetensors');
const ANSI = /\x1b\[/;

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

let trained: RunResult;
beforeAll(async () => {
  trained = await runCli(['--train-limit', '2000', '--test-limit', '500', '--iters', '300', '--save', model]);
  expectExit(trained, 0);
});

describe('bp-train eval', () => {
  it('reproduces the test accuracy the training run printed', async () => {
    const printed = /test accuracy (\d\.\d{4})/.exec(trained.stdout)?.[1];
    expect(printed).toBeDefined();
    const run = await runCli(['eval', '--model', model]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(new RegExp(`^test accuracy ${printed!.replace('.', '\\.')} \\(\\d+ of 500 mnist test images, the first 500\\)$`, 'm'));
    expect(run.stdout).toMatch(/confusion matrix \(rows: true class, columns: predicted\)/);
    expect(run.stdout).not.toMatch(ANSI);
  });

  it('a --test-limit above the test split uses all of it, and does not claim a limit', async () => {
    const run = await runCli(['eval', '--model', model, '--test-limit', '100000']);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^test accuracy \d\.\d{4} \([\d,]+ of 10,000 mnist test images\)$/m);
    expect(run.stderr.trim()).toBe('bp-train: note: --test-limit 100000 is more than the 10,000 examples there are: using all of them');
  });

  it('--json: the exact accuracy of the file, per-class counts and a matrix that add up', async () => {
    const run = await runCli(['eval', '--model', model, '--json']);
    expectExit(run, 0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]) as {
      accuracy: number;
      count: number;
      correct: number;
      confusion: number[][];
      perClass: { label: number; count: number; correct: number }[];
      misclassified: { index: number; label: number; predicted: number }[];
    };
    const bytes = readFileSync(model);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as { __metadata__: Record<string, string> };
    const saved = JSON.parse(header.__metadata__.accuracy) as { iteration: number; test: number };
    expect(saved.iteration).toBe(300);
    expect(r.accuracy).toBe(saved.test);
    expect(r.count).toBe(500);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
    expect(r.confusion.reduce((a, row, i) => a + row[i], 0)).toBe(r.correct);
    expect(r.perClass.map((c) => c.count)).toEqual(r.confusion.map((row) => row.reduce((a, b) => a + b, 0)));
    expect(r.misclassified.length).toBe(Math.min(40, 500 - r.correct));
    for (const m of r.misclassified) expect(m.label).not.toBe(m.predicted);
  });

  it('colours the matrix with FORCE_COLOR, and other data with --data/--test-limit', async () => {
    const run = await runCli(['eval', '--model', model, '--test-limit', '100'], { env: { FORCE_COLOR: '1' } });
    expectExit(run, 0);
    expect(run.stdout).toMatch(ANSI);
    expect(run.stdout).toMatch(/of 100 mnist test images/);
  });

  it('needs --model: exit 2', async () => {
    const run = await runCli(['eval']);
    expectExit(run, 2);
    expect(run.stderr).toMatch(/--model <file>' not specified/);
  });
});

describe('a model trained on a data folder given by a relative path', () => {
  it('names the model and asks for --data when the folder is not found from elsewhere; --data and --resume --data then work', async () => {
    const project = join(dir, 'project');
    writeIdxDir(join(project, 'digits'), { trainCount: 200, testCount: 50 });
    const trained = await runCli(['--data', 'digits', '--iters', '20', '--save', 'rel.safetensors', '--quiet'], { cwd: project });
    expect(trained.code, trained.stderr).toBe(0);
    const file = join(project, 'rel.safetensors');
    const elsewhere = await runCli(['eval', '--model', file], { cwd: dir });
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr.trim()).toBe(
      `bp-train: data error: ${file}: was trained on the data folder 'digits', which is not found from ${dir} (a relative path is relative to where training ran): give its path with --data`,
    );
    const pointed = await runCli(['eval', '--model', file, '--data', join(project, 'digits')], { cwd: dir });
    expect(pointed.code, pointed.stderr).toBe(0);
    expect(pointed.stdout).toMatch(/of 50 /);
    const resumed = await runCli(['--resume', file, '--data', join(project, 'digits'), '--iters', '30', '--quiet'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^done: 30 iterations completed/m);
    const here = await runCli(['eval', '--model', 'rel.safetensors'], { cwd: project });
    expect(here.code, here.stderr).toBe(0);
  }, 60_000);
});

describe('a broken model file exits 3 with one line, never a crash', () => {
  const good = (): Uint8Array => readFileSync(model);
  const random = new Random(33);
  const cases: [string, () => Uint8Array][] = [
    ['empty', () => new Uint8Array(0)],
    ['truncated in the header', () => good().subarray(0, 100)],
    ['truncated in the data', () => good().subarray(0, good().length - 3)],
    ['a huge header length', () => Object.assign(good(), { 0: 0xff, 7: 0x7f })],
    ['a flipped bit in the JSON', () => Object.assign(good(), { 9: good()[9] ^ 0x04 })],
    ['random bytes', () => Uint8Array.from({ length: 5000 }, () => random.nextInt(256))],
    ['a PNG', () => Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)],
  ];
  it.each(cases)('%s', async (name, make) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.safetensors`);
    writeFileSync(file, make());
    for (const args of [['eval', '--model', file], ['predict', '--model', file, file], ['--resume', file]]) {
      const run = await runCli(args);
      expectExit(run, 3);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^bp-train: data error: ${file.replace(/[.]/g, '\\.')}: not a (valid safetensors file|bp-train model): `));
    }
  });
});
