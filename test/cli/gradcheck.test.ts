/**
 * `bp-train gradcheck` end to end: backprop against numerical gradients on MNIST images.
 * The default check (hidden 50, 3 images) takes about 3 s; the others use --hidden 5 or 30,20.
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, outputLines, runCli, type RunResult } from '../helpers/run-cli.js';

const PARAMS = ['W1', 'b1', 'W2', 'b2'];

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
  expect(run.signal).toBeNull();
}

describe('bp-train gradcheck', () => {
  it('--json on the default data: W1, b1, W2, b2 with mean |diff| <= 1e-8, exit 0', async () => {
    const run = await runCli(['gradcheck', '--json']);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.param)).toEqual(PARAMS);
    for (const line of lines) {
      expect(line).toMatchObject({ event: 'gradcheck', tolerance: 1e-7, passed: true });
      for (const key of ['meanAbsDiff', 'maxAbsDiff', 'maxRelError']) {
        expect(typeof line[key], key).toBe('number');
        expect(line[key] as number, key).toBeGreaterThanOrEqual(0);
      }
      expect(line.meanAbsDiff as number, String(line.param)).toBeLessThanOrEqual(1e-8);
      expect(line.maxAbsDiff as number).toBeGreaterThanOrEqual(line.meanAbsDiff as number);
    }
  });

  it.each(['js', 'wasm'])('--dtype float32 passes with its default tolerance (1e-5) on the %s backend', async (backend) => {
    const run = await runCli(['gradcheck', '--dtype', 'float32', '--backend', backend, '--json']);
    expectExit(run, 0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.param)).toEqual(PARAMS);
    for (const line of lines) {
      expect(line).toMatchObject({ tolerance: 1e-5, passed: true, backend, dtype: 'float32' });
      expect(line.meanAbsDiff as number).toBeLessThanOrEqual(1e-5);
    }
  });

  describe.each(['sigmoid', 'tanh'])('--hidden 30,20 --activation %s', (activation) => {
    it.each(['js', 'wasm'])('passes on the %s backend for W1 .. b3, in float64 and in float32', async (backend) => {
      for (const dtype of ['float64', 'float32']) {
        const run = await runCli(['gradcheck', '--hidden', '30,20', '--activation', activation, '--backend', backend, '--dtype', dtype, '--json']);
        expectExit(run, 0);
        const lines = jsonLines(run.stdout);
        expect(lines.map((l) => l.param)).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
        for (const line of lines) expect(line, `${dtype} ${String(line.param)}`).toMatchObject({ passed: true, backend, dtype, tolerance: dtype === 'float64' ? 1e-7 : 1e-5 });
        if (dtype === 'float64') for (const line of lines) expect(line.meanAbsDiff as number).toBeLessThanOrEqual(1e-9);
      }
    });
  });

  it('names the network in text mode: --hidden 30,20 --activation tanh --init xavier', async () => {
    const run = await runCli(['gradcheck', '--hidden', '30,20', '--activation', 'tanh', '--init', 'xavier', '--samples', '2']);
    expectExit(run, 0);
    expect(outputLines(run.stdout)[0]).toMatch(/^gradient check: 2 mnist images, 784-30-20-10 tanh xavier, float64, /);
  });

  it('--backend js in float64 gives the book-sized differences (all <= 1e-8)', async () => {
    const run = await runCli(['gradcheck', '--backend', 'js', '--json']);
    expectExit(run, 0);
    for (const line of jsonLines(run.stdout)) expect(line.meanAbsDiff as number).toBeLessThanOrEqual(1e-8);
  });

  it('--tolerance 1e-20 exits 1 and marks the params that fail it', async () => {
    const run = await runCli(['gradcheck', '--tolerance', '1e-20', '--hidden', '5', '--samples', '2', '--json']);
    expectExit(run, 1);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.param)).toEqual(PARAMS);
    expect(lines.some((l) => l.passed === false)).toBe(true);
    for (const line of lines) {
      expect(line.tolerance).toBe(1e-20);
      expect(line.passed).toBe((line.meanAbsDiff as number) <= 1e-20);
    }
  });

  it('--hidden 5 --samples 2 in text mode shows a table of the four params', async () => {
    const run = await runCli(['gradcheck', '--hidden', '5', '--samples', '2']);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).not.toContain('\r');
    const lines = outputLines(run.stdout);
    expect(lines[0]).toMatch(/^gradient check: 2 mnist images, 784-5-10 relu std 0\.01, float64, backend .*, tolerance 1e-7$/);
    expect(lines[1]).toMatch(/^param\s+mean \|diff\|\s+max \|diff\|\s+max rel err$/);
    const number = String.raw`\d\.\d{2}e[-+]\d+`;
    PARAMS.forEach((param, i) => {
      expect(lines[2 + i]).toMatch(new RegExp(`^${param}\\s+${number}\\s+${number}\\s+${number}$`));
    });
    expect(lines[6]).toMatch(/^ok: /);
    expect(lines).toHaveLength(7);
  });

  it('--tolerance 1e-20 in text mode prints FAILED and exits 1', async () => {
    const run = await runCli(['gradcheck', '--tolerance', '1e-20', '--hidden', '5', '--samples', '2']);
    expectExit(run, 1);
    expect(outputLines(run.stdout)[0]).toMatch(/^gradient check: 2 mnist images, /);
    // Every parameter's mean difference is above 1e-20: the line names them.
    expect(outputLines(run.stdout).at(-1)).toBe('FAILED: the mean difference of W1, b1, W2, b2 is above the tolerance 1e-20');
  });
});
