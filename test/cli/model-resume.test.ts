/**
 * Interrupt and resume as real processes: SIGINT at a seeded random moment after an epoch
 * line, exit 130 with the model saved and the command to resume printed; running that
 * very command ends with W1, b1, W2, b2 byte-identical to the same run never interrupted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { runCli, startCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Full training set: 600 iterations per epoch, long enough that a stop can land mid-epoch
// (the trainer hears SIGINT at its next yield, about every 100 ms).
const RUN = ['--test-limit', '1000', '--iters', '4800', '--seed', '5'];

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** The tensors' bytes: everything after the header. */
function weightBytes(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
}

let reference: Buffer;
beforeAll(async () => {
  const run = await runCli([...RUN, '--save', join(dir, 'reference.safetensors'), '--quiet'], { cwd: dir });
  expectExit(run, 0);
  reference = weightBytes(join(dir, 'reference.safetensors'));
});

describe('SIGINT, then --resume', () => {
  const random = new Random(130);
  it.each([0, 1, 2, 3])('round %i: ends byte-identical to the uninterrupted run', async (round) => {
    const file = `run${round}.safetensors`;
    // A random moment: after a random epoch line (1 to 5 of 8), plus 0 to 100 ms.
    const epoch = round === 0 ? 1 : 1 + random.nextInt(5);
    const delayMs = random.nextInt(101);
    const child = startCli([...RUN, '--save', file], { cwd: dir });
    await child.waitForStdout(new RegExp(`^epoch +${epoch}/`, 'm'));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.child.kill('SIGINT');
    const stopped = await child.done;
    expectExit(stopped, 130);
    const where = /stopped at iteration (\d+) of 4800; model saved to (\S+)/.exec(stopped.stderr);
    expect(where, stopped.stderr).not.toBeNull();
    expect(where![2]).toBe(file);
    expect(weightBytes(join(dir, file)).equals(reference)).toBe(false);

    const command = /resume with: (.+)$/m.exec(stopped.stderr)?.[1];
    expect(command).toBe(`bp-train --resume ${file} --save ${file} --iters 4800`);
    const resumed = await runCli(command!.split(' ').slice(1), { cwd: dir });
    expectExit(resumed, 0);
    expect(resumed.stdout).toMatch(new RegExp(`resuming at iteration ${where![1]}`));
    console.log(`round ${round}: SIGINT ${delayMs} ms after epoch ${epoch}, stopped at iteration ${where![1]}, resumed to 4800`);
    expect(weightBytes(join(dir, file)).equals(reference), `stopped at iteration ${where![1]} (${delayMs} ms after epoch ${epoch})`).toBe(true);
  });
});

describe('--resume refuses', () => {
  let saved: string;
  beforeAll(async () => {
    saved = join(dir, 'short.safetensors');
    expectExit(await runCli(['--train-limit', '1000', '--test-limit', '200', '--iters', '20', '--save', saved, '--quiet']), 0);
  });

  it('an option that contradicts the file: exit 2, naming both values', async () => {
    const run = await runCli(['--resume', saved, '--iters', '40', '--hidden', '60']);
    expectExit(run, 2);
    expect(run.stderr).toMatch(/--hidden 60 contradicts the model file .*short.safetensors, which was trained with --hidden 50/);
    expectExit(await runCli(['--resume', saved, '--iters', '40', '--test-limit', '300']), 2);
    expectExit(await runCli(['--resume', saved, '--iters', '40', '--data', 'mnist-lite']), 2);
  });

  it('a target it has already reached: exit 2', async () => {
    const run = await runCli(['--resume', saved, '--iters', '20']);
    expectExit(run, 2);
    expect(run.stderr).toMatch(/already at iteration 20/);
  });

  it('accepts an option that agrees with the file, and keeps the data of the file', async () => {
    const run = await runCli(['--resume', saved, '--iters', '30', '--hidden', '50', '--json']);
    expectExit(run, 0);
    const start = JSON.parse(run.stdout.split('\n')[0]) as Record<string, unknown>;
    expect(start).toMatchObject({ event: 'start', trainSize: 1000, testSize: 200, startIteration: 20, iterations: 30 });
  });

  it('a missing or broken model file: exit 3 with one line', async () => {
    const run = await runCli(['--resume', join(dir, 'missing.safetensors')]);
    expectExit(run, 3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/missing.safetensors: no such model file/);
  });
});

describe('--resume keeps the backend of the run', () => {
  // float32 sums round differently on js and wasm: a run resumed on another backend would
  // not end with the same weights, so the file records its backend and --resume uses it.
  const base = ['--train-limit', '1000', '--test-limit', '200', '--seed', '3', '--quiet'];

  it('a js run stopped at 20 and resumed without --backend ends byte-identical to js run to 40', async () => {
    const whole = join(dir, 'js-whole.safetensors');
    const half = join(dir, 'js-half.safetensors');
    expectExit(await runCli([...base, '--backend', 'js', '--iters', '40', '--save', whole]), 0);
    expectExit(await runCli([...base, '--backend', 'js', '--iters', '20', '--save', half]), 0);
    expectExit(await runCli(['--resume', half, '--save', half, '--iters', '40', '--quiet']), 0);
    expect(weightBytes(half).equals(weightBytes(whole))).toBe(true);
  });

  it('an explicit --backend that contradicts the file: exit 2', async () => {
    const half = join(dir, 'js-only.safetensors');
    expectExit(await runCli([...base, '--backend', 'js', '--iters', '20', '--save', half]), 0);
    const run = await runCli(['--resume', half, '--iters', '40', '--backend', 'wasm']);
    expectExit(run, 2);
    expect(run.stderr).toMatch(/--backend wasm contradicts the model file .*, which was trained with --backend js/);
  });
});
