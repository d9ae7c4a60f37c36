/**
 * Typed errors and the one place that maps them to exit codes and one-line messages.
 * Exit codes (also in the README and --help):
 *   0 success   1 a gate failed   2 invalid usage   3 data error   4 training diverged
 *   5 an output file could not be written   70 internal error (a bug)
 *   128 + the signal's number when a signal stopped the run: 129 SIGHUP, 130 SIGINT, 143 SIGTERM
 */
import { CommanderError } from 'commander';
import { DataError } from '../data/data-error.js';
import { WriteError } from '../io/write-file.js';
import { WasmMemoryLimit } from '../engine/program-memory.js';

export const EXIT = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  data: 3,
  diverged: 4,
  write: 5,
  internal: 70,
  hangup: 129,
  interrupted: 130,
  /** 128 + SIGPIPE's 13: what a shell reports for a program that a closed pipe ended. */
  pipeClosed: 141,
  terminated: 143,
} as const;

const EXIT_MEANINGS: Record<number, string> = {
  [EXIT.ok]: 'success',
  [EXIT.gateFailed]: 'an accuracy or loss gate failed (--min-test-acc, --min-train-acc, --min-val-acc, --max-loss)',
  [EXIT.usage]: 'invalid usage: unknown option or command, bad value, conflicting options',
  [EXIT.data]: 'data error: missing, unreadable or malformed dataset or model file, or a dataset that could not be downloaded',
  [EXIT.diverged]: 'training diverged: the loss became NaN, infinite, or above 103.3 (149 ln 2)',
  [EXIT.write]: 'a file could not be written (disk full, quota, read-only, permission): the old file is kept',
  [EXIT.internal]: 'internal error (a bug: run with --debug for the stack)',
  [EXIT.hangup]: 'stopped by SIGHUP (terminal closed)',
  [EXIT.interrupted]: 'interrupted by SIGINT (Ctrl-C)',
  [EXIT.pipeClosed]: 'stopped because standard output was closed (the reader of a pipe ended, as `| head` does)',
  [EXIT.terminated]: 'stopped by SIGTERM (CI cancel, docker stop, timeout)',
};

/** Per command: the codes it can exit with, with a meaning of its own where it differs. */
const COMMAND_EXIT_CODES: Record<string, Partial<Record<number, string>>> = {
  train: {
    ...EXIT_MEANINGS,
    [EXIT.gateFailed]: 'a gate failed: --min-test-acc, --min-train-acc, --min-val-acc, --max-loss, or against --baseline --max-drop, --max-train-drop, --max-loss-rise',
    [EXIT.usage]: 'invalid usage: unknown option or command, bad value, conflicting options, a --baseline run with other settings, a --serve port in use',
    [EXIT.data]: 'data error: missing, unreadable or malformed dataset, model or --baseline metrics file, or a dataset that could not be downloaded',
  },
  // Only train (--save, --metrics, --plot) and eval (--plot) write files.
  gradcheck: { ...EXIT_MEANINGS, [EXIT.gateFailed]: 'a mean difference is above --tolerance', [EXIT.diverged]: undefined, [EXIT.write]: undefined },
  eval: { ...EXIT_MEANINGS, [EXIT.gateFailed]: undefined, [EXIT.diverged]: undefined, [EXIT.write]: 'the --plot file could not be written (disk full, read-only, permission)' },
  predict: {
    ...EXIT_MEANINGS,
    [EXIT.gateFailed]: undefined,
    [EXIT.diverged]: undefined,
    [EXIT.write]: undefined,
    [EXIT.data]: 'a model or image file is missing or malformed',
  },
  diff: {
    ...EXIT_MEANINGS,
    [EXIT.gateFailed]: undefined,
    [EXIT.diverged]: undefined,
    [EXIT.write]: undefined,
    [EXIT.data]: 'a metrics file is missing, unreadable or not a bp-train metrics file',
  },
  serve: {
    ...EXIT_MEANINGS,
    [EXIT.ok]: 'stopped by Ctrl-C, SIGTERM or SIGHUP (how the server ends)',
    [EXIT.usage]: 'invalid usage: unknown option, bad value, a port in use or not allowed, an address not of this machine',
    [EXIT.gateFailed]: undefined,
    [EXIT.diverged]: undefined,
    [EXIT.write]: undefined,
    [EXIT.hangup]: undefined,
    [EXIT.interrupted]: undefined,
    [EXIT.terminated]: undefined,
  },
  'export-page': {
    ...EXIT_MEANINGS,
    [EXIT.gateFailed]: undefined,
    [EXIT.diverged]: undefined,
    [EXIT.write]: 'a file of the page (or the --out folder) could not be written: disk full, read-only, permission',
  },
  data: {
    ...EXIT_MEANINGS,
    [EXIT.gateFailed]: undefined,
    [EXIT.diverged]: undefined,
    [EXIT.write]: undefined,
    [EXIT.data]: 'data error: every mirror of a file failed, a checksum did not match, the cache cannot be written (disk full), or verify found a bad or missing file',
  },
};

// compare and search: many runs; a run that diverges is a result (its status), not an exit code.
COMMAND_EXIT_CODES.compare = {
  ...EXIT_MEANINGS,
  [EXIT.gateFailed]: undefined,
  [EXIT.diverged]: undefined,
  [EXIT.write]: 'the --plot file could not be written (disk full, read-only, permission)',
  [EXIT.internal]: 'internal error (a bug, or a run that failed: run with --debug for the stack)',
  [EXIT.interrupted]: 'interrupted by SIGINT (Ctrl-C): the runs that finished are still reported',
};
COMMAND_EXIT_CODES.search = {
  ...COMMAND_EXIT_CODES.compare,
  [EXIT.gateFailed]: "--min-val-acc: the best trial's validation accuracy is below the bar",
  [EXIT.interrupted]: 'interrupted by SIGINT (Ctrl-C): the trials that finished are still ranked and reported',
};

/** The "Exit codes:" block of a command's --help ('bp-train' itself trains). */
export function exitCodesHelp(command: string): string {
  const codes = COMMAND_EXIT_CODES[command === 'bp-train' ? 'train' : command.split(' ')[0]] ?? EXIT_MEANINGS;
  const lines = Object.entries(codes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([code, meaning]) => `  ${code.padEnd(4)} ${meaning}`);
  return ['Exit codes:', ...lines].join('\n');
}

/** The line under a usage error: where the options of `command` are ('data fetch' for a subcommand; 'bp-train' and 'train' train). */
export function helpHint(command = 'bp-train'): string {
  return command === 'bp-train' || command === 'train' ? "Run 'bp-train --help' for the options." : `Run 'bp-train ${command} --help' for the options.`;
}

/** A bad option value or combination found after parsing (e.g. --batch-size larger than the data). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** "bp-train: write error: m.safetensors: no space left on device (the previous file is unchanged)" */
export function writeErrorLine(err: WriteError): string {
  return `bp-train: write error: ${err.message}`;
}

/** What to make smaller when a network does not fit in memory. */
const SMALLER = 'use fewer or narrower hidden layers (--hidden), a smaller --batch-size';

/** Prints the one-line message for an error and returns its exit code; `command` is the one that was run, for the help hint. */
export function reportError(err: unknown, debug: boolean, writeErr: (line: string) => void, command = 'bp-train'): number {
  const hint = helpHint(command);
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (and our hint)
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    writeErr(`bp-train: error: ${err.message}\n${hint}`);
    return EXIT.usage;
  }
  if (err instanceof DataError) {
    writeErr(`bp-train: data error: ${err.message}`);
    if (debug && err.stack) writeErr(err.stack);
    return EXIT.data;
  }
  if (err instanceof WasmMemoryLimit) {
    const need = `this network needs ${(err.needed / 2 ** 20).toFixed(0)} MiB of WebAssembly memory`;
    const cause = err.refused === null ? 'more than the 2 GiB a wasm program can address' : `and the system refused it (${err.refused})`;
    writeErr(`bp-train: error: ${need}, ${cause}: ${SMALLER}, or an optimizer with fewer slots (--optimizer)\n${hint}`);
    return EXIT.usage;
  }
  if (err instanceof WriteError) {
    writeErr(writeErrorLine(err));
    if (debug && err.stack) writeErr(err.stack);
    return EXIT.write;
  }
  const message = err instanceof Error ? err.message : String(err);
  // V8's words when an allocation fails (a typed array, a message to a worker, wasm memory).
  if (err instanceof Error && /out of memory|allocation failed|could not allocate/i.test(message)) {
    writeErr(`bp-train: error: out of memory (${message.split('\n')[0]}): ${SMALLER}, or fewer --threads\n${hint}`);
    if (debug && err.stack) writeErr(err.stack);
    return EXIT.usage;
  }
  writeErr(`bp-train: internal error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for the stack)'}`);
  if (debug && err instanceof Error && err.stack) writeErr(err.stack);
  return EXIT.internal;
}
