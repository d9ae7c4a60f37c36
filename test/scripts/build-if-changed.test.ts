/**
 * `prepare` and `pretest` run scripts/build-if-changed.mjs, which skips the build when the
 * sha256 of its inputs matches build/inputs.sha256. `npm test` has just run it, so a second
 * run must find the build up to date: if the build wrote into its own inputs (src/, bin/, ...),
 * every `npx bp-train` would rebuild for half a minute again.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/run-cli.js';

describe('build-if-changed', () => {
  it('finds the build that pretest made up to date, and says so', () => {
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build-if-changed.mjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    const stamp = readFileSync(join(PROJECT_ROOT, 'build', 'inputs.sha256'), 'utf8').trim();
    expect(stamp).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout).toContain(`build is up to date (inputs sha256 ${stamp.slice(0, 12)})`);
  });
});
