// Review findings, each as the user meets it: a standard output that cannot be written, two
// options naming one file, --eval-every and the summary's epochs, --resume with the default.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, jsonLines, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lite = ['--data', 'mnist-lite'];

describe('outputs the user has', () => {
  it('a standard output on a full disk: one line, the model still saved, exit 5', () => {
    const model = join(dir, 'full.safetensors');
    const run = spawnSync(process.execPath, [BIN, ...lite, '--iters', '3000', '--json', '--save', model], {
      stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
      encoding: 'utf8',
    });
    expect(run.status).toBe(5);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('bp-train: write error: standard output: no space left on device (training stops after this iteration; its files, --save, --metrics, --plot, are still written)');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(model)).toBe(true);
  });

  it('two options naming the same file: exit 2 before any training', async () => {
    const file = join(dir, 'same');
    const run = await runCli([...lite, '--iters', '20', '--save', file, '--metrics', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^bp-train: error: --save '.*same' and --metrics '.*same' are the same file \(both write it\)/);
    expect(existsSync(file)).toBe(false);
  });

  it('two names of one file not yet made (a dangling link, a linked folder): exit 2, nothing written', async () => {
    const target = join(dir, 'tgt.svg');
    const link = join(dir, 'lnk.svg');
    symlinkSync('tgt.svg', link); // dangling until --save would write tgt.svg (then --plot wrote over it)
    const linked = join(dir, 'linked-folder');
    symlinkSync(dir, linked);
    for (const [save, plot] of [[target, link], [join(dir, 'm.svg'), join(linked, 'm.svg')]]) {
      const run = await runCli([...lite, '--iters', '20', '--save', save, '--plot', plot]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/are the same file \(both write it\)/);
      expect(existsSync(save)).toBe(false);
    }
  });

  it("the summary's epochs do not depend on --eval-every", async () => {
    const epochs = [];
    for (const every of ['50', '0']) {
      const run = await runCli([...lite, '--iters', '200', '--eval-every', every, '--json']);
      expect(run.code, run.stderr).toBe(0);
      epochs.push(jsonLines(run.stdout).at(-1)!.epochs);
    }
    expect(epochs).toEqual([3, 3]);
  });

  it('--resume accepts --weight-decay 0, the default', async () => {
    const model = join(dir, 'r.safetensors');
    expect((await runCli([...lite, '--iters', '20', '--save', model, '--quiet'])).code).toBe(0);
    const run = await runCli([...lite, '--iters', '40', '--resume', model, '--weight-decay', '0', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
  });
});
