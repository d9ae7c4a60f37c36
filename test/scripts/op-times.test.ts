/**
 * scripts/bench/op-times.mjs instruments a copy of src/wasm/program.as.ts by replacing lines of
 * it: when the program's source moves on, the script must say which line it no longer finds,
 * not time something else. Here it runs a few compare steps and must list the step program's
 * ops in order, each with a time on both threads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/run-cli.js';

const SCRIPT = join(PROJECT_ROOT, 'scripts', 'bench', 'op-times.mjs');

describe('op-times', () => {
  it("lists compare's step program op by op, a time for each thread", () => {
    const run = spawnSync(process.execPath, [SCRIPT, 'compare', '--steps', '20'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const rows = [...run.stdout.matchAll(/^ {2}( ?\d+) ([A-Z_]+) +([\d.]+) +([\d.]+)$/gm)];
    const ops = rows.map((m) => m[2]).filter((op) => op !== 'BARRIER');
    // 784-100x4-10 with SGD: the pixel lists, the first layer, three 100 x 100 layers, the last
    // layer with the loss, then backward from the last layer down, W1's step from the lists, and
    // the update of the rest.
    expect(ops).toEqual([
      'LIST', 'SPARSE_AFFINE', 'DENSE_AFFINE', 'DENSE_AFFINE', 'DENSE_AFFINE', 'AFFINE_SOFTMAX', 'LOSS',
      'DENSE_BACKWARD', 'DENSE_BACKWARD', 'DENSE_BACKWARD', 'DENSE_BACKWARD', 'SPARSE_SGD', 'UPDATE',
    ]);
    expect(rows.map((m) => Number(m[1]))).toEqual(rows.map((_, k) => k));
    for (const m of rows) {
      expect(Number(m[3])).toBeGreaterThanOrEqual(0);
      expect(Number(m[4])).toBeGreaterThanOrEqual(0);
    }
    // The first layer's forward over 128 images does real work on both threads.
    const sparse = rows.find((m) => m[2] === 'SPARSE_AFFINE');
    expect(Number(sparse?.[3])).toBeGreaterThan(1);
    expect(Number(sparse?.[4])).toBeGreaterThan(1);
    expect(run.stdout).toMatch(/waiting at barriers: thread 0 [\d.]+ us \([\d.]+%\), thread 1 [\d.]+ us/);
  }, 130_000);

  it('refuses a configuration it does not know, exit 2', () => {
    const run = spawnSync(process.execPath, [SCRIPT, 'deep'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('op-times: usage: op-times.mjs [deep-adam|compare|bn] [--steps N]');
  });
});
