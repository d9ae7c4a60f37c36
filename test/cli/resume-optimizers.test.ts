/**
 * SIGINT, then --resume, with an optimizer that has state (Momentum's velocities, Adam's m, v
 * and t) on a deeper net, as real processes: the resumed run ends with the very bytes of the run
 * never stopped: every tensor (weights and optim.* state) and the optimizer's metadata.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { jsonLines, runCli, startCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-resume-optim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// mnist-lite: 80 iterations an epoch, 6 epochs; the layers of 784-64-32-10 take a few ms a step.
const ITERS = 480;
const NET = ['--data', 'mnist-lite', '--test-limit', '500', '--iters', String(ITERS), '--seed', '9', '--hidden', '64,32', '--init', 'he'];

function expectExit(run: RunResult, code: number, context = ''): void {
  expect(run.code, `exit code ${context}\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** A model file's tensor names (in order), its tensors' bytes and its metadata. */
function readModel(file: string): { names: string[]; data: Buffer; meta: Record<string, string> } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  const meta = header.__metadata__ as Record<string, string>;
  return { names: Object.keys(header).filter((k) => k !== '__metadata__'), data: bytes.subarray(8 + length), meta };
}

describe.each([
  { optimizer: 'adam', extra: [] as string[], slots: ['m', 'v'], seed: 1 },
  { optimizer: 'momentum', extra: ['--momentum', '0.8', '--lr', '0.02'], slots: ['v'], seed: 2 },
])('--optimizer $optimizer: SIGINT, then --resume', ({ optimizer, extra, slots, seed }) => {
  it('ends byte-identical to the run never stopped: weights, optimizer state and its metadata', async () => {
    const options = [...NET, '--optimizer', optimizer, ...extra];
    const reference = await runCli([...options, '--save', `${optimizer}-reference.safetensors`, '--quiet'], { cwd: dir });
    expectExit(reference, 0);
    const expected = readModel(join(dir, `${optimizer}-reference.safetensors`));
    const params = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
    expect(expected.names).toEqual([...params, ...params.flatMap((p) => slots.map((s) => `optim.${s}.${p}`))]);

    const random = new Random(seed);
    const epoch = 1 + random.nextInt(3);
    const delayMs = random.nextInt(60);
    const context = `(SIGINT ${delayMs} ms after epoch ${epoch})`;
    const file = `${optimizer}.safetensors`;
    const child = startCli([...options, '--threads', '1', '--save', file, '--json'], { cwd: dir });
    await child.waitForStdout(new RegExp(`"event":"epoch","epoch":${epoch},`));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.child.kill('SIGINT');
    const stopped = await child.done;
    expectExit(stopped, 130, context);
    const iteration = jsonLines(stopped.stdout).find((e) => e.event === 'interrupted')?.iteration as number;
    expect(iteration, context).toBeLessThan(ITERS);
    const saved = readModel(join(dir, file));
    expect(JSON.parse(saved.meta.iteration)).toBe(iteration);
    if (optimizer === 'adam') expect(JSON.parse(saved.meta.optimizer).scalars, context).toEqual({ t: iteration });

    const command = /resume with: (.+)$/m.exec(stopped.stderr)![1];
    const resumed = await runCli(command.split(' ').slice(1), { cwd: dir }); // the default threads: no number depends on them
    expectExit(resumed, 0, context);
    console.log(`${optimizer}: SIGINT ${delayMs} ms after epoch ${epoch}, stopped at iteration ${iteration}, resumed to ${ITERS}`);
    const model = readModel(join(dir, file));
    expect(model.names).toEqual(expected.names);
    expect(model.data.equals(expected.data), `tensors ${context}, stopped at iteration ${iteration}`).toBe(true);
    for (const key of ['format_version', 'network', 'optimizer', 'training', 'iteration', 'sampler_state']) {
      expect(model.meta[key], `${key} ${context}`).toBe(expected.meta[key]);
    }
  });
});
