/**
 * What a training run loads: only the training command's code. The other commands' code
 * (compare, search, data, serve, ...) loads when that command runs (cli/command-table.ts), and
 * the download code only for a dataset that is not bundled: a smaller peak memory and start-up.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-start-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hook = pathToFileURL(join(PROJECT_ROOT, 'test', 'helpers', 'log-modules.mjs')).href;

/** The project's modules (paths under dist/) that `bp-train args` loaded. */
async function loaded(name: string, args: string[]): Promise<{ modules: Set<string>; stdout: string; stderr: string; code: number | null }> {
  const log = join(dir, `${name}.log`);
  const run = await runCli(args, { env: { NODE_OPTIONS: `--import ${hook}`, BP_TEST_MODULE_LOG: log } });
  const prefix = pathToFileURL(join(PROJECT_ROOT, 'dist')).href + '/';
  const modules = new Set(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith(prefix)).map((u) => u.slice(prefix.length)));
  return { modules, stdout: run.stdout, stderr: run.stderr, code: run.code };
}

const OTHER_COMMANDS = ['compare', 'search', 'data', 'serve', 'export-page', 'eval', 'predict', 'diff', 'gradcheck'].map((c) => `cli/commands/${c}.js`);

describe('start-up', () => {
  it('a training run loads no other command and no download code', { timeout: 60_000 }, async () => {
    const { modules, code, stderr } = await loaded('train', ['--hidden', '50', '--iters', '20', '--train-limit', '1000', '--test-limit', '100', '--quiet']);
    expect(code, stderr).toBe(0);
    expect(modules.has('cli/commands/train.js')).toBe(true); // the hook saw the run
    for (const m of [...OTHER_COMMANDS, 'data/download.js', 'data/fetch-dataset.js', 'experiments/run-pool.js']) expect(modules, m).not.toContain(m);
  });

  it('another command loads its own code, and only that', { timeout: 60_000 }, async () => {
    const { modules, stdout, stderr, code } = await loaded('data', ['data', 'path', 'mnist']);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toMatch(/mnist/);
    expect(modules).toContain('cli/commands/data.js');
    for (const m of OTHER_COMMANDS.filter((m) => !m.endsWith('/data.js'))) expect(modules, m).not.toContain(m);
  });
});
