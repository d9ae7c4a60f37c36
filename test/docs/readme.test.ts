// The README stays true: its library example runs and prints what its comments say, and its
// options tables match the option lists behind --help.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('library example prints the values written in its comments', () => {
    const block = /<!-- example:start -->\n```js\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme);
    expect(block, 'example markers in README.md').not.toBeNull();
    const code = block![1].replace("from 'bp-train'", `from '${path.join(root, 'dist/index.js')}'`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bp-readme-')), 'example.mjs');
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

  it('documents every exit code that the CLI uses', async () => {
    const { EXIT } = await import('../../src/cli/errors.js');
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
  });
});
