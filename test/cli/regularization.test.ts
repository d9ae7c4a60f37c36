/**
 * --batch-norm, --dropout RATIO and --weight-decay LAMBDA end to end: the gradient check passes
 * with each, bad values are one-line usage errors, a run names them, writes them into its
 * model and metrics files, and resumes byte-identical (running statistics, dropout masks and
 * all).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-regularization-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
}

/** A model file's tensors (names in order, bytes) and metadata. */
function readModel(file: string): { names: string[]; data: Buffer; meta: Record<string, string> } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  return { names: Object.keys(header).filter((k) => k !== '__metadata__'), data: bytes.subarray(8 + length), meta: header.__metadata__ as Record<string, string> };
}

describe('gradcheck with the regularizers', () => {
  // He's scale: with the chapter-5 0.01, a 784-30-20-10 ReLU net's second-layer inputs are ~1e-3,
  // so the 1e-4 step of the central differences crosses ReLU kinks (and batch norm magnifies
  // it): the numerical gradient, not backprop, is off there.
  it.each([
    ['--batch-norm', ['--batch-norm'], ['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3']],
    ['--weight-decay 0.1', ['--weight-decay', '0.1'], ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']],
    ['--dropout 0.3 (one mask for both: the masks hash the iteration)', ['--dropout', '0.3'], ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']],
    ['all three, tanh, xavier', ['--batch-norm', '--dropout', '0.2', '--weight-decay', '0.01', '--activation', 'tanh', '--init', 'xavier'], ['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3']],
  ])('%s: every parameter within 1e-7 (float64), exit 0', async (_, extra, params) => {
    const init = extra.includes('--init') ? [] : ['--init', 'he'];
    const run = await runCli(['gradcheck', '--hidden', '30,20', ...init, ...extra, '--json']);
    expectExit(run, 0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.param)).toEqual(params);
    for (const line of lines) {
      expect(line.passed, String(line.param)).toBe(true);
      expect(line.meanAbsDiff as number, String(line.param)).toBeLessThanOrEqual(1e-7);
    }
  });
});

describe('bad values', () => {
  it.each([
    [['--dropout', '1'], '--dropout'],
    [['--dropout', '-0.1'], '--dropout'],
    [['--weight-decay', '-1'], '--weight-decay'],
    [['--weight-decay', 'lots'], '--weight-decay'],
  ])('%j: one line naming the option, exit 2', async (args, flag) => {
    const run = await runCli([...args, '--iters', '1']);
    expectExit(run, 2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toContain(flag);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('a run with batch norm, dropout and weight decay', () => {
  const NET = ['--data', 'mnist-lite', '--test-limit', '500', '--hidden', '40,30', '--init', 'he', '--batch-norm', '--dropout', '0.2', '--weight-decay', '0.01', '--seed', '3', '--threads', '1'];

  it('names them, saves running statistics and resumes byte-identical; metrics record them; a contradicting --dropout is refused', async () => {
    const whole = await runCli([...NET, '--iters', '240', '--save', 'whole.safetensors', '--metrics', 'whole.json', '--json'], { cwd: dir });
    expectExit(whole, 0);
    const start = jsonLines(whole.stdout).find((e) => e.event === 'start') as { network: string };
    expect(start.network).toContain('784-40-30-10 relu he batchnorm dropout 0.2 weight decay 0.01');
    const metrics = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(metrics.config).toMatchObject({ batchNorm: true, dropout: 0.2, weightDecay: 0.01, network: 'MultiLayerNet' });

    const half = await runCli([...NET, '--iters', '160', '--save', 'half.safetensors', '--quiet'], { cwd: dir });
    expectExit(half, 0);
    const refused = await runCli(['--resume', 'half.safetensors', '--dropout', '0.3', '--iters', '240'], { cwd: dir });
    expectExit(refused, 2);
    expect(refused.stderr).toMatch(/^bp-train: .*--dropout 0.3 contradicts the model file half.safetensors, which was trained with --dropout 0.2/);
    const resumed = await runCli(['--resume', 'half.safetensors', '--save', 'half.safetensors', '--iters', '240', '--quiet'], { cwd: dir });
    expectExit(resumed, 0);

    const a = readModel(join(dir, 'whole.safetensors'));
    const b = readModel(join(dir, 'half.safetensors'));
    expect(a.names).toContain('running_mean1');
    expect(a.names).toContain('running_var2');
    expect(a.names).toContain('gamma2');
    expect(b.names).toEqual(a.names);
    expect(b.data.equals(a.data)).toBe(true);
  });
});
