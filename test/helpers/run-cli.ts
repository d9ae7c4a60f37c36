/**
 * Helpers for end-to-end tests of the bp-train command: run bin/bp-train.js in a child
 * process (stdin ignored, stdout and stderr captured through pipes, so never a TTY), parse its
 * JSON lines and drop the timing fields that legitimately differ between two identical runs.
 *
 * The tests run the compiled program in dist/, which `npm test` builds first (the pretest
 * script). There is no vitest globalSetup doing it, so this module refuses to load without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the package (test/helpers/../..). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the installed command's entry point. */
export const BIN = resolve(PROJECT_ROOT, 'bin', 'bp-train.js');

const DIST_MAIN = resolve(PROJECT_ROOT, 'dist', 'cli', 'main.js');

if (!existsSync(DIST_MAIN)) {
  throw new Error(
    `CLI tests need the compiled program, but ${DIST_MAIN} does not exist. ` +
      "Run 'npm run build' first (or 'npm test', whose pretest step builds it).",
  );
}

export interface RunOptions {
  /** Variables added to (or, when undefined, removed from) the child's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the child with SIGKILL and reject after this long (default 50 s, under vitest's 60 s). */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Variables that change colour, interactivity or where reports go: never inherited from the test
 * runner (under GitHub Actions, GITHUB_STEP_SUMMARY would collect every test run's Markdown).
 */
const SCRUBBED_ENV = ['FORCE_COLOR', 'NO_COLOR', 'CI', 'GITHUB_STEP_SUMMARY'];

/** process.env without the colour/CI variables, then `overrides` (undefined removes a variable). */
export function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED_ENV) delete env[name];
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** A running bp-train process whose output can be watched while it runs. */
export interface CliProcess {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects if the process ends first or after timeoutMs. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited and both pipes are closed. */
  done: Promise<RunResult>;
}

/** Start bp-train with `args` (no shell) and return at once. */
export function startCli(args: string[], opts: RunOptions = {}): CliProcess {
  const timeoutMs = opts.timeoutMs ?? 50_000;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? PROJECT_ROOT,
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let finished = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });

  const done = new Promise<RunResult>((resolveRun, rejectRun) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectRun(
        new Error(
          `bp-train ${args.join(' ')} did not finish within ${timeoutMs} ms\n` +
            `--- stdout:\n${stdout}\n--- stderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      rejectRun(err);
    });
    // 'close' (not 'exit') waits for the pipes to be drained.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      finished = true;
      notify();
      resolveRun({ code, signal, stdout, stderr });
    });
  });
  done.catch(() => {}); // callers that only use waitForStdout must not see an unhandled rejection

  const waitForStdout = (pattern: RegExp, waitMs = timeoutMs): Promise<void> =>
    new Promise<void>((resolveWait, rejectWait) => {
      const check = (): void => {
        if (pattern.test(stdout)) {
          cleanup();
          resolveWait();
        } else if (finished) {
          cleanup();
          rejectWait(
            new Error(
              `bp-train exited before stdout matched ${pattern}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        rejectWait(new Error(`stdout did not match ${pattern} within ${waitMs} ms\n--- stdout:\n${stdout}`));
      }, waitMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return { child, stdout: () => stdout, stderr: () => stderr, waitForStdout, done };
}

/** Run bp-train with `args` to the end and collect its exit code and output. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return startCli(args, opts).done;
}

/** Every line of `stdout` parsed as JSON (a trailing newline is allowed, nothing else). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const text = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  if (text === '') return [];
  return text.split('\n').map((line, i) => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error('not a JSON object');
      }
      return value as Record<string, unknown>;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`stdout line ${i + 1} is not a JSON object (${reason}): ${JSON.stringify(line)}`);
    }
  });
}

/**
 * The timing and memory fields of events and summaries (src/train/events.ts, summary.ts):
 * the only fields allowed to differ between two runs with the same options.
 */
export const TIMING_FIELDS: readonly string[] = [
  'elapsedMs',
  'wallMs',
  'trainMs',
  'evalMs',
  'loadMs',
  'examplesPerSec',
  'peakRssMb',
  'etaMs',
  'itersPerSec',
];

/** A deep copy of `value` without the timing fields, at any depth. */
export function withoutTiming<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => withoutTiming(item)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (!TIMING_FIELDS.includes(key)) out[key] = withoutTiming(field);
    }
    return out as T;
  }
  return value;
}

/** The lines of a stream's output, without the final newline ('' gives no lines). */
export function outputLines(text: string): string[] {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  return trimmed === '' ? [] : trimmed.split('\n');
}
