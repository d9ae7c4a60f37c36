/**
 * SIGTERM (CI cancel, docker stop, timeout) and SIGHUP (terminal closed) as real processes:
 * like Ctrl-C they stop the run after the current iteration, save it, print the resume
 * command, emit the `interrupted` and `summary` events and exit 128 + the signal's number;
 * resuming ends with the same model as the run never stopped. A second signal quits at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { BIN, childEnv, jsonLines, outputLines, runCli, startCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// mnist-lite: 8,000 training images, 80 iterations per epoch, 15 epochs, about 1 s of training,
// so a signal after one of the first epochs lands well before the end (the trainer hears it at
// its next yield, about every 100 ms). One thread: every epoch line comes out as soon as its
// epoch ends (with more, a measurement runs alongside the next epoch and its line comes later,
// by how much depends on the machine's load). The resumed runs use the default threads: no
// number depends on it.
const ITERS = 1200;
const PER_EPOCH = 80;
const RUN = ['--data', 'mnist-lite', '--test-limit', '500', '--iters', String(ITERS), '--seed', '5'];
const ONE_THREAD = ['--threads', '1'];

function expectExit(run: RunResult, code: number, context = ''): void {
  expect(run.code, `exit code ${context}\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
  expect(run.signal, context).toBeNull();
}

/** A model file: its header (tensor offsets and __metadata__ parsed) and its tensors' bytes. */
function readModel(file: string): { header: Record<string, unknown>; meta: Record<string, unknown>; weights: Buffer } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  const raw = header.__metadata__ as Record<string, string>;
  const meta = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, key === 'format' || key === 'bp_train_version' ? value : JSON.parse(value)]));
  return { header, meta, weights: bytes.subarray(8 + length) };
}

let reference: ReturnType<typeof readModel>;
beforeAll(async () => {
  const run = await runCli([...RUN, '--save', 'reference.safetensors', '--quiet'], { cwd: dir });
  expectExit(run, 0);
  reference = readModel(join(dir, 'reference.safetensors'));
});

const CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

describe.each([
  { signal: 'SIGTERM' as const, seed: 143 },
  { signal: 'SIGHUP' as const, seed: 129 },
])('$signal, then --resume', ({ signal, seed }) => {
  const random = new Random(seed);
  it.each([0, 1])(`round %i: exit ${CODES[signal]} with the events, then byte-identical to the run never stopped`, async (round) => {
    const file = `${signal}-${round}.safetensors`;
    // A random moment: after a random epoch line (1 to 4 of 15), plus 0 to 100 ms.
    const epoch = 1 + random.nextInt(4);
    const delayMs = random.nextInt(101);
    const context = `(${signal} ${delayMs} ms after epoch ${epoch})`;
    const child = startCli([...RUN, ...ONE_THREAD, '--save', file, '--json'], { cwd: dir });
    await child.waitForStdout(new RegExp(`"event":"epoch","epoch":${epoch},`));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.child.kill(signal);
    const stopped = await child.done;
    expectExit(stopped, CODES[signal], context);

    const events = jsonLines(stopped.stdout);
    const interrupted = events.find((e) => e.event === 'interrupted');
    expect(interrupted, context).toBeDefined();
    const iteration = interrupted!.iteration as number;
    expect(iteration, context).toBeGreaterThanOrEqual(epoch * PER_EPOCH);
    expect(iteration, context).toBeLessThan(ITERS);
    expect(events.at(-1), context).toMatchObject({ event: 'summary', status: 'interrupted', interrupted: true, iterations: iteration });
    const notes = outputLines(stopped.stderr);
    expect(notes, context).toEqual([
      `interrupt: ${signal} received: finishing the current iteration (a second signal quits at once)`,
      `bp-train: stopped at iteration ${iteration} of ${ITERS}; model saved to ${file}`,
      `bp-train: resume with: bp-train --resume ${file} --save ${file} --iters ${ITERS}`,
      `bp-train: interrupted at iteration ${iteration} (${signal})`,
    ]);
    expect(readModel(join(dir, file)).meta.iteration, context).toBe(iteration);

    const command = /resume with: (.+)$/m.exec(stopped.stderr)![1];
    const resumed = await runCli(command.split(' ').slice(1), { cwd: dir });
    expectExit(resumed, 0, context);
    expect(resumed.stdout).toMatch(new RegExp(`resuming at iteration ${iteration}`));
    console.log(`${signal} round ${round}: ${delayMs} ms after epoch ${epoch}, stopped at iteration ${iteration}, resumed to ${ITERS}`);

    const model = readModel(join(dir, file));
    expect(model.weights.equals(reference.weights), `weights ${context}, stopped at iteration ${iteration}`).toBe(true);
    expect(model.header, context).toEqual({ ...reference.header, __metadata__: model.header.__metadata__ });
    // The metadata too, but for the mean loss of the epoch the run was resumed in (it covers
    // only the iterations after the resume, as the README says).
    const resumedEpoch = Math.floor(iteration / PER_EPOCH) + 1;
    const withoutThatLoss = (meta: Record<string, unknown>): unknown => ({
      ...meta,
      history: (meta.history as Record<string, unknown>[]).map((e) => (e.epoch === resumedEpoch ? { ...e, loss: null } : e)),
    });
    expect(withoutThatLoss(model.meta), context).toEqual(withoutThatLoss(reference.meta));
  });
});

describe('a second signal quits at once, with its own code', () => {
  it.each([
    { first: 'SIGTERM' as const, second: 'SIGHUP' as const },
    { first: 'SIGHUP' as const, second: 'SIGINT' as const },
    { first: 'SIGINT' as const, second: 'SIGTERM' as const },
  ])('$first, then $second: exit with $second code, no summary', async ({ first, second }) => {
    // --plot keeps the run busy (rendering the chart) for a while after it stopped training, so
    // the second signal surely comes before the run would end on its own.
    const file = `twice-${first}.safetensors`;
    const child = startCli([...RUN, ...ONE_THREAD, '--save', file, '--plot', `twice-${first}.svg`, '--json'], { cwd: dir });
    await child.waitForStdout(/"event":"epoch","epoch":2,/);
    child.child.kill(first);
    await waitFor(() => /received: finishing the current iteration/.test(child.stderr()), child.done);
    child.child.kill(second);
    const run = await child.done;
    expectExit(run, CODES[second]);
    const again = first === 'SIGINT' ? 'Ctrl-C again to quit at once' : 'a second signal quits at once';
    expect(outputLines(run.stderr)[0]).toBe(`interrupt: ${first} received: finishing the current iteration (${again})`);
    expect(jsonLines(run.stdout).some((e) => e.event === 'summary')).toBe(false);
    expect(run.stderr).not.toMatch(/interrupted at iteration/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the same signal twice at once (as timeout(1) sends it, to the process and its group)', () => {
  it('is one signal: the run stops after the iteration, saves and reports, exit 143', async () => {
    const file = 'twice-at-once.safetensors';
    const child = startCli([...RUN, ...ONE_THREAD, '--save', file, '--json'], { cwd: dir });
    await child.waitForStdout(/"event":"epoch","epoch":2,/);
    child.child.kill('SIGTERM');
    child.child.kill('SIGTERM');
    const run = await child.done;
    expectExit(run, CODES.SIGTERM);
    expect(jsonLines(run.stdout).filter((e) => e.event === 'summary').map((e) => e.status)).toEqual(['interrupted']);
    expect(existsSync(join(dir, file))).toBe(true);
  });
});

describe('a terminal that hangs up', () => {
  // The real SIGHUP: bp-train runs on a pseudo-terminal (util-linux `script`, as in
  // test/helpers/terminal.ts) under a small parent that passes SIGHUP on to it, as a shell does,
  // and records how it ended. Killing `script` closes the terminal: the kernel sends SIGHUP, and
  // every later write to the terminal fails with EIO. Node 20 used to abort at exit there.
  it('saves, writes --metrics and exits 129, with no crash', async () => {
    const parent = join(dir, 'hangup-parent.mjs');
    const status = join(dir, 'hangup-status.json');
    writeFileSync(
      parent,
      [
        "import { spawn } from 'node:child_process';",
        "import { writeFileSync } from 'node:fs';",
        'const [status, ...args] = process.argv.slice(2);',
        "const child = spawn(process.execPath, args, { stdio: 'inherit' });",
        "process.on('SIGHUP', () => child.kill('SIGHUP'));",
        "child.on('exit', (code, signal) => writeFileSync(status, JSON.stringify({ code, signal })));",
      ].join('\n'),
    );
    const file = join(dir, 'hangup.safetensors');
    const metrics = join(dir, 'hangup.json');
    const long = ['--data', 'mnist-lite', '--test-limit', '500', '--iters', '100000', '--seed', '5'];
    const words = [process.execPath, parent, status, BIN, ...long, '--save', file, '--metrics', metrics];
    const command = `stty cols 120 rows 40 && exec ${words.map((w) => `'${w}'`).join(' ')}`;
    const script = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: dir,
      env: childEnv({ TERM: 'xterm-256color' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    script.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
    });
    const closed = new Promise<void>((resolve, reject) => {
      script.on('close', () => resolve());
      script.on('error', reject); // util-linux script missing, or no process to be had
    });
    // Until the second epoch line has been drawn.
    await waitFor(() => /iter +160 /.test(seen), closed.then(() => ({ code: null, signal: null, stdout: seen, stderr: '' })));
    script.kill('SIGKILL');
    await closed;
    await waitFor(() => existsSync(status), new Promise<RunResult>(() => {}), 30_000);
    const ended = JSON.parse(readFileSync(status, 'utf8')) as { code: number | null; signal: string | null };
    expect(ended).toEqual({ code: 129, signal: null });
    const summary = JSON.parse(readFileSync(metrics, 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'interrupted', interrupted: true });
    expect(readModel(file).meta.iteration).toBe(summary.iterations);
  });
});

/** Resolves when `condition` holds (checked every 5 ms); rejects if `done` settles first, or after timeoutMs. */
function waitFor(condition: () => boolean, done: Promise<RunResult>, timeoutMs = 40_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false;
    setTimeout(() => {
      ended = true;
      reject(new Error(`the condition did not hold within ${timeoutMs} ms`));
    }, timeoutMs).unref();
    done.then(
      (run) => {
        ended = true;
        reject(new Error(`bp-train ended before the condition held\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`));
      },
      reject,
    );
    const check = (): void => {
      if (condition()) resolve();
      else if (!ended) setTimeout(check, 5);
    };
    check();
  });
}
