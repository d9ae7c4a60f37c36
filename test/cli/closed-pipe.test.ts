/**
 * `bp-train ... | head -3`: the reader closes the pipe, the next write to standard output fails
 * with EPIPE. A run then stops after the current iteration as for a signal, still writes its
 * files (--save, --metrics, --plot) and exits 141 (128 + SIGPIPE's 13, what a shell shows for
 * a program that a closed pipe ended); with no run going, the program ends with its own code.
 * Here the parent closes its end of the child's stdout, as head does when it has read enough.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputLines, startCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-closed-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLOSED = 'bp-train: standard output was closed (the reader of the pipe ended): a run still training stops after its current iteration; its files (--save, --metrics, --plot) are still written';
// Far more than the run can reach in the time the test gives it: it must stop.
const ITERS = 100_000;

describe('a closed standard output', () => {
  it('stops a training run, which still saves its model, metrics and chart: exit 141', async () => {
    const args = ['--data', 'mnist-lite', '--test-limit', '500', '--iters', String(ITERS), '--save', 'm.safetensors', '--metrics', 'm.json', '--plot', 'p.svg'];
    const run = startCli(args, { cwd: dir });
    await run.waitForStdout(/^training on mnist-lite/m);
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(141);
    const notes = outputLines(result.stderr);
    expect(notes[0]).toBe(CLOSED);
    const stopped = /^bp-train: stopped at iteration (\d+) of 100000; model saved to m\.safetensors$/.exec(notes[1] ?? '');
    expect(stopped, result.stderr).not.toBeNull();
    const iteration = Number(stopped![1]);
    expect(iteration).toBeGreaterThan(0);
    expect(iteration).toBeLessThan(ITERS);
    expect(notes.slice(2)).toEqual([`bp-train: resume with: bp-train --resume m.safetensors --save m.safetensors --iters ${ITERS}`, 'bp-train: chart written to p.svg']);

    // The model file holds the stopping point; the metrics describe the stopped run.
    const bytes = readFileSync(join(dir, 'm.safetensors'));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
    expect(Number(header.__metadata__.iteration)).toBe(iteration);
    const metrics = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as Record<string, unknown>;
    expect(metrics).toMatchObject({ format: 'bp-train-metrics', status: 'interrupted', interrupted: true, iterations: iteration });
    expect(readFileSync(join(dir, 'p.svg'), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  }, 60_000);

  it('stops a compare, which still writes its chart: exit 141', async () => {
    // Off a terminal, its progress line comes every 10 s: the first finds the pipe closed.
    const run = startCli(['compare', '--preset', 'optimizers', '--data', 'mnist-lite', '--iters', '20000', '--plot', 'c.svg'], { cwd: dir });
    await run.waitForStdout(/^optimizers on /m);
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(141);
    const notes = outputLines(result.stderr);
    expect(notes[0]).toBe(CLOSED);
    expect(notes[1]).toBe('bp-train: chart written to c.svg');
    // 4 runs on 2 workers, stopped at their first progress line: 2 cut short, 2 not started.
    expect(notes.slice(2)).toEqual(['bp-train: stopped (standard output closed): 0 of 4 runs finished, 2 not started']);
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toMatch(/^<svg /);
  }, 60_000);

  it('stops a run whose standard error is closed too (`2>&1 | head`), which still writes its files: exit 141', async () => {
    const args = ['--data', 'mnist-lite', '--test-limit', '500', '--iters', String(ITERS), '--save', 'both.safetensors', '--plot', 'both.svg'];
    const run = startCli(args, { cwd: dir });
    await run.waitForStdout(/^training on mnist-lite/m);
    run.child.stderr!.destroy();
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code).toBe(141);
    const bytes = readFileSync(join(dir, 'both.safetensors'));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
    expect(Number(header.__metadata__.iteration)).toBeGreaterThan(0);
    expect(Number(header.__metadata__.iteration)).toBeLessThan(ITERS);
    expect(readFileSync(join(dir, 'both.svg'), 'utf8')).toMatch(/^<svg /);
  }, 60_000);

  it('leaves a run whose training had ended when the pipe closed its own code, 0', async () => {
    // The reader goes after the last epoch line: the summary's lines may find the pipe closed,
    // but no iteration was left to stop.
    const run = startCli(['--data', 'mnist-lite', '--test-limit', '500', '--iters', '160', '--threads', '1', '--save', 'done.safetensors'], { cwd: dir });
    await run.waitForStdout(/^epoch 2\/2 /m);
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/stopped at iteration/);
    const bytes = readFileSync(join(dir, 'done.safetensors'));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
    expect(Number(header.__metadata__.iteration)).toBe(160);
  }, 60_000);

  it('lets a command with no run to stop go on to its end unheard, with its own code', async () => {
    // eval, of the model the first test saved.
    const run = startCli(['eval', '--model', 'm.safetensors', '--data', 'mnist-lite', '--json'], { cwd: dir });
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  }, 60_000);

  it('ends a command with nothing running quietly, with its own code', async () => {
    const run = startCli(['--help'], { cwd: dir });
    await run.waitForStdout(/^Usage: bp-train/m);
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
