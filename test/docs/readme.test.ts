// The README stays true: its library example runs and prints what its comments say, and its
// options tables match the option lists behind --help.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-readme-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('library example prints the values written in its comments', () => {
    const block = /<!-- example:start -->\n```js\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme);
    expect(block, 'example markers in README.md').not.toBeNull();
    const code = block![1].replace("from 'bp-train'", `from '${path.join(root, 'dist/index.js')}'`);
    const file = path.join(dir, 'example.mjs');
    fs.writeFileSync(file, code);
    const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBe(2);
    expect(printed).toEqual(expected);
  });

  it('options tables are generated from the current option lists', () => {
    const result = execFileSync(process.execPath, [path.join(root, 'scripts/readme-options.mjs'), '--check'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result).toBe('');
  });

  it("metrics example shows the config and environment fields a run writes, with its values", async () => {
    const block = /```\n("config": \{[\s\S]*?\}),\n("environment": \{[\s\S]*?\})\n```/.exec(readme);
    expect(block, 'the metrics example in README.md').not.toBeNull();
    const shown = JSON.parse(`{${block![1]}, ${block![2]}}`) as { config: Record<string, unknown>; environment: Record<string, unknown> };
    const file = path.join(dir, 'm.json');
    const run = await runCli(['--data', 'mnist-lite', '--iters', '160', '--metrics', file, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, unknown>; environment: Record<string, unknown> };
    expect(written.config).toEqual(shown.config);
    expect(Object.keys(written.environment)).toEqual(Object.keys(shown.environment));
  });

  it('documents every exit code that the CLI uses', async () => {
    const { EXIT } = await import('../../src/cli/errors.js');
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
  });
});
