/**
 * `bp-train --validation FRACTION` end to end: the share held out after a shuffle seeded by
 * --seed, its accuracy beside train and test in the epoch lines, the summary and --json (the
 * same at 1 and 2 threads), the --min-val-acc gate, the metrics file's configuration and
 * history, --baseline seeing a changed fraction, and --resume keeping the split.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, outputLines, runCli, withoutTiming, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUN = ['--train-limit', '2500', '--test-limit', '500', '--validation', '0.2', '--iters', '100'];

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

describe('--validation', () => {
  it('measures the held-out share beside train and test, the same at any thread count', { timeout: 60_000 }, async () => {
    const one = await runCli([...RUN, '--json', '--threads', '1']);
    const two = await runCli([...RUN, '--json', '--threads', '2']);
    expectExit(one, 0);
    expectExit(two, 0);
    const events = jsonLines(one.stdout);
    expect(events[0]).toMatchObject({ event: 'start', trainSize: 2000, testSize: 500, validationSize: 500, itersPerEpoch: 20 });
    const epochs = events.filter((e) => e.event === 'epoch');
    expect(epochs.length).toBe(5);
    for (const e of epochs) expect(Number.isInteger((e.valAcc as number) * 500)).toBe(true);
    const summary = events.at(-1)!;
    expect(summary.valAcc).toBe(epochs.at(-1)!.valAcc);
    expect(summary.valAcc as number).toBeGreaterThan(0.5);
    const numbers = (r: RunResult) => jsonLines(r.stdout).map((e) => withoutTiming({ ...e, threads: undefined }));
    expect(numbers(two)).toEqual(numbers(one));
    // another seed: another split (and weights), so other numbers
    const other = await runCli([...RUN, '--json', '--seed', '2']);
    expect(jsonLines(other.stdout).at(-1)!.valAcc).not.toBe(summary.valAcc);
  });

  it('shows val in the epoch lines and the summary; --min-val-acc gates', { timeout: 60_000 }, async () => {
    const run = await runCli([...RUN, '--min-val-acc', '0.99']);
    expectExit(run, 1);
    const lines = outputLines(run.stdout);
    expect(lines[0]).toMatch(/^training on mnist: 2,000 train \/ 500 test \/ 500 validation, /);
    expect(lines[1]).toMatch(/^epoch 1\/5  iter +20  loss \d\.\d{4}  train 0\.\d{4}  test 0\.\d{4}  val 0\.\d{4}  /);
    expect(lines.at(-2)).toMatch(/^done: 100 iterations completed, test accuracy .*, train accuracy 0\.\d{4}, validation accuracy 0\.\d{4}, loss /);
    expect(run.stderr).toMatch(/gate --min-val-acc 0\.99: FAILED: final validation accuracy 0\.\d{4} is below the bar 0\.99/);
    expectExit(await runCli([...RUN, '--min-val-acc', '0.3', '--quiet']), 0);
    const without = await runCli(['--min-val-acc', '0.5']);
    expectExit(without, 2);
    expect(without.stderr).toMatch(/--min-val-acc 0\.5 needs --validation FRACTION/);
    const empty = await runCli(['--train-limit', '3', '--validation', '0.2', '--batch-size', '1']);
    expectExit(empty, 2);
    expect(empty.stderr).toMatch(/--validation 0\.2 of the 3 training examples holds out 0/);
  });

  it('is recorded in the metrics file, seen by --baseline, and kept by --resume', { timeout: 60_000 }, async () => {
    const metrics = join(dir, 'val.json');
    const model = join(dir, 'val.safetensors');
    expectExit(await runCli([...RUN, '--metrics', metrics, '--save', model, '--quiet']), 0);
    const file = JSON.parse(readFileSync(metrics, 'utf8')) as { config: Record<string, unknown>; history: Record<string, unknown>[]; valAcc: number };
    expect(file.config).toMatchObject({ validation: 0.2, trainLimit: 2500, trainSize: 2000 });
    expect(file.history.at(-1)!.valAcc).toBe(file.valAcc);
    const changed = await runCli(['--train-limit', '2500', '--test-limit', '500', '--validation', '0.1', '--iters', '100', '--baseline', metrics, '--quiet']);
    expectExit(changed, 2);
    expect(changed.stderr).toMatch(/other settings that change the numbers: validation \(--validation\) 0\.2 in the baseline, 0\.1 here; trainSize \(the training examples used\) 2000 in the baseline, 2250 here/);
    // resume: the same split (from the file's seed and fraction); an explicit other fraction contradicts the file
    const resumed = await runCli(['--resume', model, '--iters', '140', '--json']);
    expectExit(resumed, 0);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({ trainSize: 2000, validationSize: 500, startIteration: 100 });
    const contradiction = await runCli(['--resume', model, '--iters', '140', '--validation', '0.3']);
    expectExit(contradiction, 2);
    expect(contradiction.stderr).toMatch(/--validation 0\.3 contradicts the model file/);
  });
});
