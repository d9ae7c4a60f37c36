/**
 * The gate for any change to the training path: the book's default run (full MNIST, hidden 50,
 * lr 0.1, batch 100, seed 1) must keep its numbers. Recorded from commit 5971cbe:
 * - the SHA-256 of the weights (W1, b1, W2, b2 bytes, in that order) after 100 steps;
 * - the 17 epoch events of the whole run, timing fields aside (test/fixtures/default-run-epochs.jsonl).
 * Run on the default backend and with 1 and 2 threads: the numbers may not depend on them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, PROJECT_ROOT, runCli, withoutTiming } from '../helpers/run-cli.js';

const WEIGHTS_AFTER_100 = 'efc41a4612471c10939c10ee9f5716769760114eb9547608f906095c49f3c78f';

/** SHA-256 of a model file's tensors in the order W1, b1, W2, b2 (its header aside). */
function weightDigest(file: string): string {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
  const data = bytes.subarray(8 + n);
  const hash = createHash('sha256');
  for (const name of ['W1', 'b1', 'W2', 'b2']) {
    const [start, end] = header[name].data_offsets!;
    hash.update(data.subarray(start, end));
  }
  return hash.digest('hex');
}

const dir = mkdtempSync(join(tmpdir(), 'bp-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the default run keeps its numbers', () => {
  for (const threads of ['1', '2']) {
    it(`100 steps give the recorded weights (--threads ${threads})`, async () => {
      const file = join(dir, `m${threads}.safetensors`);
      const run = await runCli(['--iters', '100', '--threads', threads, '--save', file, '--quiet']);
      expect(run.code, run.stderr).toBe(0);
      expect(weightDigest(file)).toBe(WEIGHTS_AFTER_100);
    });
  }

  it('the 17 epoch lines of the whole run', async () => {
    const run = await runCli(['--json']);
    expect(run.code, run.stderr).toBe(0);
    const epochs = jsonLines(run.stdout).filter((e) => e.event === 'epoch').map((e) => JSON.stringify(withoutTiming(e)));
    const recorded = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'default-run-epochs.jsonl'), 'utf8').trim().split('\n');
    expect(epochs).toEqual(recorded);
  });
});
