/**
 * The README's CI recipes run as written. The GitHub Actions workflow and the GitLab job are
 * taken from between their markers; every shell command in them runs here, in a scratch
 * folder, first as a push to main and then as a pull request against main's artifact:
 * - `npx bp-train` runs as `node bin/bp-train.js` (this checkout's build), and `npm ci` is
 *   left out (this checkout is installed already);
 * - the artifact download (gh run download, the GitLab API's curl) is a copy of the file the
 *   earlier run's upload step stored, and the pull-request comment a copy of its body;
 * - any other command that would reach out (gh, curl, npm, npx, a ${{ }} expression) fails
 *   the test, so the recipe cannot grow a command that no test runs.
 * The steps' `if:` conditions, `continue-on-error` and GitHub's implicit success() are
 * evaluated as GitHub does for the few forms the recipe uses. Where python3 has PyYAML, the
 * YAML is also parsed by it and must give the same commands.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markdownTables } from '../helpers/markdown-table.js';
import { BIN, childEnv, PROJECT_ROOT } from '../helpers/run-cli.js';
import { childrenNamed, parseXml } from '../helpers/xml.js';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'bp-train-recipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recipe(name: string): string {
  const block = new RegExp(`<!-- ci-recipe:${name}:start -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\n<!-- ci-recipe:${name}:end -->`).exec(readme);
  if (block === null) throw new Error(`README.md: no ci-recipe:${name} markers around a yaml block`);
  return block[1];
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
/** A scalar's value without a trailing `# comment` (the recipe's scalars hold no " #"). */
const scalar = (text: string): string => text.replace(/\s+#.*$/, '').trim();

// --- GitHub Actions ------------------------------------------------------------------------

interface Step {
  uses?: string;
  name?: string;
  if?: string;
  run?: string;
  continueOnError: boolean;
  with: Record<string, string>;
}

/** The steps of the workflow's one job: each `- ` item under `steps:`, with its keys. */
function githubSteps(yaml: string): Step[] {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l.trim() === 'steps:');
  expect(at, 'steps:').toBeGreaterThan(0);
  const itemIndent = indentOf(lines[at + 1]);
  const steps: Step[] = [];
  let i = at + 1;
  while (i < lines.length && lines[i].trim() !== '') {
    expect(lines[i].slice(itemIndent, itemIndent + 2), `line ${i + 1}: a step starts with "- "`).toBe('- ');
    const step: Step = { continueOnError: false, with: {} };
    const keyIndent = itemIndent + 2;
    let first = true;
    while (i < lines.length && lines[i].trim() !== '' && (first || indentOf(lines[i]) >= keyIndent)) {
      const line = first ? ' '.repeat(keyIndent) + lines[i].slice(keyIndent) : lines[i];
      first = false;
      const m = /^\s*([\w-]+):\s*(.*)$/.exec(line);
      expect(m, `line ${i + 1}: key: value`).not.toBeNull();
      const [, key, rest] = m!;
      i++;
      // a block (`run: |`, `with:`, `env:`): the lines indented deeper than the key
      const block: string[] = [];
      while (i < lines.length && lines[i].trim() !== '' && indentOf(lines[i]) > keyIndent) block.push(lines[i++]);
      if (key === 'run') step.run = rest === '|' ? dedent(block) : scalar(rest);
      else if (key === 'uses') step.uses = scalar(rest);
      else if (key === 'name') step.name = scalar(rest);
      else if (key === 'if') step.if = scalar(rest);
      else if (key === 'continue-on-error') step.continueOnError = scalar(rest) === 'true';
      else if (key === 'with') step.with = withBlock(block);
      else expect(['env'], `step key ${key}`).toContain(key);
    }
    steps.push(step);
  }
  return steps;
}

function dedent(block: string[]): string {
  const indent = Math.min(...block.map(indentOf));
  return block.map((l) => l.slice(indent)).join('\n') + '\n';
}

function withBlock(block: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const indent = indentOf(block[0]);
  for (let i = 0; i < block.length; i++) {
    const m = /^\s*([\w-]+):\s*(.*)$/.exec(block[i]);
    if (!m || indentOf(block[i]) !== indent) continue;
    if (m[2] === '|') {
      const lines: string[] = [];
      while (i + 1 < block.length && indentOf(block[i + 1]) > indent) lines.push(block[++i]);
      out[m[1]] = dedent(lines);
    } else out[m[1]] = scalar(m[2]);
  }
  return out;
}

interface Context {
  event: 'push' | 'pull_request';
  dir: string;
}

/** A step's `if:` for the forms the recipe uses; anything else fails the test. */
function condition(expr: string | undefined, ctx: Context, failed: boolean): boolean {
  if (expr === undefined) return !failed;
  const body = expr.replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '');
  let hasStatus = false;
  const terms = body.split('&&').map((term) => {
    const t = term.trim();
    if (t === '!cancelled()' || t === 'always()') return (hasStatus = true);
    const event = /^github\.event_name == '(\w+)'$/.exec(t);
    if (event) return ctx.event === event[1];
    const hash = /^hashFiles\('([^']+)'\) != ''$/.exec(t);
    if (hash) return existsSync(join(ctx.dir, hash[1]));
    throw new Error(`recipe: no stand-in for the condition ${t}`);
  });
  return terms.every(Boolean) && (hasStatus || !failed);
}

/** A run: script with its stand-ins; throws on a command that would reach out. */
function githubScript(run: string): string {
  const lines = run.split('\n').map((line) => {
    if (line.trim() === 'npm ci') return ':';
    if (line.startsWith('run_id=$(gh run list ')) {
      expect(line).toContain('--branch main');
      expect(line).toContain('--status success');
      return 'run_id=main-run';
    }
    const download = /^gh run download "\$run_id" --name ([\w-]+) --dir (\w+)$/.exec(line);
    if (download) return `mkdir -p ${download[2]} && cp "$BP_ARTIFACTS/${download[1]}/metrics.json" ${download[2]}/metrics.json`;
    const comment = /^gh pr comment \$\{\{ github\.event\.pull_request\.number \}\} --body-file ([\w.]+)$/.exec(line);
    if (comment) return `cp ${comment[1]} "$BP_OUT/comment.md"`;
    return line.replace(/\bnpx bp-train\b/g, 'node "$BP_BIN"');
  });
  for (const line of lines) expect(line, 'a command with no stand-in').not.toMatch(/\b(gh|curl|npm|npx)\b|\$\{\{/);
  return lines.join('\n');
}

interface StepRun {
  step: Step;
  ran: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

function bash(script: string, dir: string, env: Record<string, string>, flags: string[]): { code: number | null; stdout: string; stderr: string } {
  const file = join(dir, `.step-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const result = spawnSync('bash', [...flags, file], { cwd: dir, env: childEnv(env), encoding: 'utf8', timeout: 50_000 });
  rmSync(file);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the job as GitHub would for `event`; the upload step stores its files in `store`. */
function runGithubJob(steps: Step[], event: Context['event'], dir: string, artifacts: string, store: string): StepRun[] {
  mkdirSync(dir, { recursive: true });
  mkdirSync(store, { recursive: true });
  const ctx: Context = { event, dir };
  const env = { BP_BIN: BIN, BP_ARTIFACTS: artifacts, BP_OUT: dir, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md') };
  let failed = false;
  return steps.map((step): StepRun => {
    if (!condition(step.if, ctx, failed)) return { step, ran: false, code: null, stdout: '', stderr: '' };
    let result = { code: 0 as number | null, stdout: '', stderr: '' };
    if (step.run !== undefined) {
      result = bash(githubScript(step.run), dir, env, ['--noprofile', '--norc', '-eo', 'pipefail']);
    } else if (step.uses?.startsWith('actions/upload-artifact@')) {
      const into = join(store, step.with.name);
      mkdirSync(into, { recursive: true });
      for (const path of step.with.path.trim().split('\n').map((p) => p.trim())) {
        if (existsSync(join(dir, path))) copyFileSync(join(dir, path), join(into, basename(path)));
      }
    } else {
      expect(['actions/checkout@v4', 'actions/setup-node@v4'], `an action with no stand-in`).toContain(step.uses);
    }
    if (result.code !== 0 && !step.continueOnError) failed = true;
    return { step, ran: true, ...result };
  });
}

const named = (runs: StepRun[], prefix: string): StepRun => {
  const found = runs.find((r) => r.step.name?.startsWith(prefix));
  if (!found) throw new Error(`no step named ${prefix}...`);
  return found;
};

function junitCases(file: string): { name: string; failed: boolean }[] {
  const suite = childrenNamed(parseXml(readFileSync(file, 'utf8')), 'testsuite')[0];
  return childrenNamed(suite, 'testcase').map((c) => ({ name: c.attributes.name, failed: c.children.length > 0 }));
}

/** The YAML as PyYAML reads it (null without python3 and PyYAML). */
function pyyaml(yaml: string): unknown {
  if (spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status !== 0) return null;
  const result = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: yaml, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('README recipe: GitHub Actions', () => {
  const yaml = recipe('github');
  const steps = githubSteps(yaml);
  const store = join(root, 'github-artifacts');

  it('is read the same way by PyYAML (where installed)', () => {
    const parsed = pyyaml(yaml) as { jobs: Record<string, { steps: { run?: string; if?: string }[] }> } | null;
    if (parsed === null) return;
    const job = Object.values(parsed.jobs)[0];
    expect(job.steps.map((s) => s.run ?? null)).toEqual(steps.map((s) => s.run ?? null));
    expect(job.steps.map((s) => s.if ?? null)).toEqual(steps.map((s) => s.if ?? null));
  });

  it('on a push to main: trains, writes metrics, JUnit and the step summary, uploads the metrics', () => {
    const dir = join(root, 'github-main');
    const runs = runGithubJob(steps, 'push', dir, join(root, 'nothing-yet'), store);
    expect(named(runs, 'Restore').ran).toBe(false);
    const train = named(runs, 'Train');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).not.toContain('against the baseline');
    expect(named(runs, 'Post').ran).toBe(false);
    const metrics = JSON.parse(readFileSync(join(store, 'bp-train-metrics', 'metrics.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(metrics.format).toBe('bp-train-metrics');
    expect(metrics.config).toMatchObject({ data: 'mnist-lite', seed: 1, iterations: 160 });
    expect(junitCases(join(store, 'bp-train-metrics', 'junit.xml'))).toEqual([{ name: '--min-test-acc 0.8', failed: false }]);
    const summary = readFileSync(join(dir, 'step-summary.md'), 'utf8');
    expect(markdownTables(summary).map((t) => t.header[0])).toEqual(['figure', 'gate']);
  });

  it('on a pull request: restores main metrics, compares (zero changes, exit 0), posts the diff, uploads', () => {
    const dir = join(root, 'github-pr');
    const prStore = join(root, 'github-pr-artifacts');
    const runs = runGithubJob(steps, 'pull_request', dir, store, prStore);
    const restore = named(runs, 'Restore');
    expect(restore.code, restore.stderr).toBe(0);
    expect(readFileSync(join(dir, 'baseline', 'metrics.json'), 'utf8')).toBe(readFileSync(join(store, 'bp-train-metrics', 'metrics.json'), 'utf8'));
    const train = named(runs, 'Train');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toContain('against the baseline baseline/metrics.json');
    expect(train.stdout).toMatch(/^gate --max-drop 0\.002: passed \(.*change 0\)$/m);
    const post = named(runs, 'Post');
    expect(post.code, post.stderr).toBe(0);
    const [table] = markdownTables(readFileSync(join(dir, 'comment.md'), 'utf8'));
    expect(table.header).toEqual(['metric', 'baseline/metrics.json', 'metrics.json', 'change']);
    expect(table.rows.slice(0, 7).map((r) => [r[0], r[3]])).toEqual(
      ['testAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs'].map((m) => [m, '0']),
    );
    expect(junitCases(join(prStore, 'bp-train-metrics', 'junit.xml'))).toEqual([
      { name: '--min-test-acc 0.8', failed: false },
      { name: '--max-drop 0.002', failed: false },
    ]);
    expect(readFileSync(join(dir, 'step-summary.md'), 'utf8')).toContain('Against the baseline `baseline/metrics.json`');
  });

  it('on the first pull request, with no metrics on main yet: the restore fails, the job goes on without a baseline', () => {
    const dir = join(root, 'github-first-pr');
    const runs = runGithubJob(steps, 'pull_request', dir, join(root, 'no-artifacts'), join(root, 'github-first-artifacts'));
    expect(named(runs, 'Restore').code).not.toBe(0);
    const train = named(runs, 'Train');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).not.toContain('against the baseline');
    expect(named(runs, 'Post').ran).toBe(false);
    expect(existsSync(join(root, 'github-first-artifacts', 'bp-train-metrics', 'metrics.json'))).toBe(true);
  });
});

// --- GitLab CI -----------------------------------------------------------------------------

interface GitlabJob {
  script: string[];
  paths: string[];
  junit: string;
}

function gitlabJob(yaml: string): GitlabJob {
  const lines = yaml.split('\n');
  const list = (key: string): string[] => {
    const at = lines.findIndex((l) => l.trim() === `${key}:`);
    expect(at, `${key}:`).toBeGreaterThan(0);
    const items: string[] = [];
    for (let i = at + 1; i < lines.length && indentOf(lines[i]) > indentOf(lines[at]); i++) {
      const item = lines[i].trim();
      if (item.startsWith('#')) continue;
      expect(item.startsWith('- '), `line ${i + 1}: a list item`).toBe(true);
      const text = item.slice(2);
      items.push(text.startsWith("'") ? text.slice(1, -1).replace(/''/g, "'") : text);
    }
    return items;
  };
  const junit = /^\s+junit:\s*(\S+)$/m.exec(yaml);
  expect(junit, 'reports: junit:').not.toBeNull();
  return { script: list('script'), paths: list('paths'), junit: junit![1] };
}

function gitlabScript(script: string[]): string {
  const lines = script.map((line) => {
    if (line === 'npm ci') return ':';
    const curl = /^curl (.*) \|\| rm -f baseline\.json$/.exec(line);
    if (curl) {
      for (const part of ['--fail', '--location', '--output baseline.json', '/jobs/artifacts/$CI_DEFAULT_BRANCH/raw/metrics.json?job=$CI_JOB_NAME']) expect(curl[1]).toContain(part);
      return 'cp "$BP_ARTIFACTS/metrics.json" baseline.json || rm -f baseline.json';
    }
    return line.replace(/\bnpx bp-train\b/g, 'node "$BP_BIN"');
  });
  for (const line of lines) expect(line, 'a command with no stand-in').not.toMatch(/\b(curl|npm|npx|gh)\b/);
  return lines.join('\n');
}

describe('README recipe: GitLab CI', () => {
  const yaml = recipe('gitlab');
  const job = gitlabJob(yaml);

  it('is read the same way by PyYAML (where installed)', () => {
    const parsed = pyyaml(yaml) as Record<string, { script: string[]; artifacts: { paths: string[]; reports: { junit: string } } }> | null;
    if (parsed === null) return;
    const only = Object.values(parsed)[0];
    expect(only.script).toEqual(job.script);
    expect(only.artifacts.paths).toEqual(job.paths);
    expect(only.artifacts.reports.junit).toBe(job.junit);
  });

  /** One pipeline: the script in one shell (GitLab stops at the first failing line), then its artifacts. */
  function pipeline(name: string, artifacts: string): { code: number | null; stdout: string; stderr: string; dir: string; store: string } {
    const dir = join(root, name);
    const store = join(root, `${name}-artifacts`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(store, { recursive: true });
    const result = bash(gitlabScript(job.script), dir, { BP_BIN: BIN, BP_ARTIFACTS: artifacts, CI: 'true', GITLAB_CI: 'true' }, ['-eo', 'pipefail']);
    for (const path of [...job.paths, job.junit]) if (existsSync(join(dir, path))) copyFileSync(join(dir, path), join(store, basename(path)));
    return { ...result, dir, store };
  }

  it('on main, then on a merge request against main metrics: exit 0 both times, zero changes, JUnit for each gate', () => {
    const first = pipeline('gitlab-main', join(root, 'gitlab-nothing-yet'));
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(first.dir, 'baseline.json'))).toBe(false);
    expect(first.stdout).not.toContain('against the baseline');
    expect(junitCases(join(first.store, 'junit.xml'))).toEqual([{ name: '--min-test-acc 0.8', failed: false }]);

    const mr = pipeline('gitlab-mr', first.store);
    expect(mr.code, mr.stderr).toBe(0);
    expect(readFileSync(join(mr.dir, 'baseline.json'), 'utf8')).toBe(readFileSync(join(first.store, 'metrics.json'), 'utf8'));
    const table = mr.stdout.split('\n').filter((l) => /^ {2}(testAcc|trainAcc|bestTestAcc|bestEpoch|loss|iterations|epochs) /.test(l));
    expect(table).toHaveLength(7);
    for (const line of table) expect(line).toMatch(/ 0$/);
    expect(junitCases(join(mr.store, 'junit.xml'))).toEqual([
      { name: '--min-test-acc 0.8', failed: false },
      { name: '--max-drop 0.002', failed: false },
    ]);
  });
});
