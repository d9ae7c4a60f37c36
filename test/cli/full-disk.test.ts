/**
 * A real full disk, as real processes: a small tmpfs is mounted (the tests run as root, here
 * and in CI) and bp-train writes its model, metrics and chart there. A write that does not fit
 * exits 5 with one line naming the file and the cause, the file that was there stays
 * byte-identical, no temporary file is left, and the summary is still printed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, reportError } from '../../src/cli/errors.js';
import { WriteError } from '../../src/io/write-file.js';
import { jsonLines, outputLines, runCli, type RunResult } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-full-disk-'));
/** The tmpfs: 64 KiB, room for the small model (16,884 bytes) but not the big one (~640 KB). */
const disk = join(root, 'disk');
/** An ordinary folder, for the files that do fit. */
const elsewhere = join(root, 'elsewhere');
mkdirSync(disk);
mkdirSync(elsewhere);

/** Why the tmpfs could not be mounted, or null when it is. */
function mountDisk(): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root (CI runs as root)';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs not permitted here: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`;
  }
}
const skipReason = mountDisk();
if (skipReason !== null) console.warn(`full-disk tests skipped: ${skipReason}`);
afterAll(() => {
  if (skipReason === null) execFileSync('umount', [disk]);
  rmSync(root, { recursive: true, force: true });
});

const SMALL = ['--data', 'mnist-lite', '--train-limit', '500', '--iters', '10', '--hidden', '5'];
const BIG = ['--data', 'mnist-lite', '--train-limit', '500', '--iters', '10', '--hidden', '200'];

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}--- stderr:\n${run.stderr}`).toBe(code);
  expect(run.signal).toBeNull();
}

/** The stderr lines that report a write error. */
function writeErrorLines(run: RunResult): string[] {
  expect(run.stderr).not.toMatch(/^\s+at\s/m); // no stack
  expect(run.stderr).not.toMatch(/internal error/);
  return outputLines(run.stderr).filter((line) => line.includes('write error'));
}

/** Fills the tmpfs to the last byte with a file named .filler. */
function fillDisk(): void {
  const fd = openSync(join(disk, '.filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk, 0, chunk.length);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  // and the last partial page, one byte at a time
  const small = openSync(join(disk, '.filler2'), 'w');
  try {
    for (;;) writeSync(small, chunk, 0, 1);
  } catch {
    // full
  } finally {
    closeSync(small);
  }
}

describe.skipIf(skipReason !== null)(`on a full disk (tmpfs of 64 KiB)${skipReason ? ` - skipped: ${skipReason}` : ''}`, () => {
  beforeEach(() => {
    for (const name of readdirSync(disk)) rmSync(join(disk, name), { force: true });
  });

  it('a bigger model saved over a small one: exit 5, one line, the old file byte-identical and still loading', async () => {
    const small = await runCli([...SMALL, '--save', 'm.safetensors'], { cwd: disk });
    expectExit(small, 0);
    const before = readFileSync(join(disk, 'm.safetensors'));
    expect(before.length).toBe(17_140);

    const big = await runCli([...BIG, '--save', 'm.safetensors'], { cwd: disk });
    expectExit(big, EXIT.write);
    expect(writeErrorLines(big)).toEqual(['bp-train: write error: m.safetensors: no space left on device (the previous file is unchanged)']);
    // the only other line it may print: where a failed checkpoint stopped training
    for (const line of outputLines(big.stderr)) expect(line).toMatch(/^bp-train: (write error|stopped at iteration \d+ of 10: a checkpoint could not be written)/);
    expect(big.stdout).toMatch(/^write-failed: \d+ iterations? completed/m);
    expect(big.stdout).not.toMatch(/^done/m);
    expect(readFileSync(join(disk, 'm.safetensors')).equals(before)).toBe(true);
    expect(readdirSync(disk)).toEqual(['m.safetensors']);

    const evaluated = await runCli(['eval', '--model', 'm.safetensors'], { cwd: disk });
    expectExit(evaluated, 0);
    expect(evaluated.stdout).toMatch(/TwoLayerNet 784-5-10, 10 iterations on mnist-lite/);
  });

  it('the first write failing is exit 5 too, not 70, and leaves nothing behind', async () => {
    const run = await runCli([...BIG, '--save', 'm.safetensors', '--json', '--metrics', join(elsewhere, 'first.json')], { cwd: disk });
    expectExit(run, EXIT.write);
    expect(writeErrorLines(run)).toEqual(['bp-train: write error: m.safetensors: no space left on device (no file was written)']);
    expect(readdirSync(disk)).toEqual([]);
    const summary = jsonLines(run.stdout).at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', status: 'write-failed' });
    // --metrics, on a disk with room, is still written, and says the same
    expect(JSON.parse(readFileSync(join(elsewhere, 'first.json'), 'utf8'))).toMatchObject({ status: 'write-failed', iterations: summary.iterations });
  });

  it('a checkpoint failing mid-run stops training after that iteration: interrupted event, summary, metrics, exit 5', async () => {
    const metrics = join(elsewhere, 'mid-run.json');
    const run = await runCli([...BIG, '--iters', '200', '--save', 'm.safetensors', '--json', '--metrics', metrics], { cwd: disk });
    expectExit(run, EXIT.write);
    const events = jsonLines(run.stdout);
    const stopped = events.find((e) => e.event === 'interrupted');
    expect(stopped, run.stdout).toBeDefined();
    const iteration = stopped!.iteration as number;
    expect(iteration).toBeGreaterThanOrEqual(5); // the first checkpoint is at the end of epoch 1
    expect(iteration).toBeLessThan(200);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', status: 'write-failed', interrupted: true, iterations: iteration });
    expect(JSON.parse(readFileSync(metrics, 'utf8'))).toMatchObject({ status: 'write-failed', interrupted: true, iterations: iteration });
    expect(run.stderr).toMatch(new RegExp(`^bp-train: stopped at iteration ${iteration} of 200: a checkpoint could not be written$`, 'm'));
    expect(run.stderr).not.toMatch(/resume with/);
    expect(writeErrorLines(run)).toEqual(['bp-train: write error: m.safetensors: no space left on device (no file was written)']);
    expect(readdirSync(disk)).toEqual([]);
  });

  it('--metrics on a full disk: exit 5, one line, the old metrics byte-identical, the summary printed', async () => {
    writeFileSync(join(disk, 'metrics.json'), '{"old": true}\n');
    fillDisk();
    const run = await runCli([...SMALL, '--metrics', 'metrics.json', '--json'], { cwd: disk });
    expectExit(run, EXIT.write);
    expect(writeErrorLines(run)).toEqual(['bp-train: write error: metrics.json: no space left on device (the previous file is unchanged)']);
    expect(outputLines(run.stderr)).toHaveLength(1);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ event: 'summary', status: 'write-failed', interrupted: false, iterations: 10 });
    expect(readFileSync(join(disk, 'metrics.json'), 'utf8')).toBe('{"old": true}\n');
    expect(readdirSync(disk).sort()).toEqual(['.filler', '.filler2', 'metrics.json']);
  });

  it('--plot on a full disk: exit 5 with one line', async () => {
    fillDisk();
    const run = await runCli([...SMALL, '--plot', 'chart.svg'], { cwd: disk });
    expectExit(run, EXIT.write);
    expect(outputLines(run.stderr)).toEqual(['bp-train: write error: chart.svg: no space left on device (no file was written)']);
    expect(run.stdout).toMatch(/^write-failed: 10 iterations completed/m);
    expect(readdirSync(disk).sort()).toEqual(['.filler', '.filler2']);
  });
});

describe('reportError', () => {
  it('a WriteError: exit 5 and one line naming the file and the cause', () => {
    const lines: string[] = [];
    const code = reportError(new WriteError('m.safetensors', 'no space left on device', 'ENOSPC', true), false, (line) => lines.push(line));
    expect(code).toBe(5);
    expect(lines).toEqual(['bp-train: write error: m.safetensors: no space left on device (the previous file is unchanged)']);
  });
});
