/**
 * Typed errors and the one place that maps them to exit codes and one-line messages.
 * Exit codes (also in the README and --help):
 *   0 success   1 a gate failed   2 invalid usage   3 data error   4 training diverged
 *   70 internal error (a bug)   130 interrupted by SIGINT
 */
import { CommanderError } from 'commander';
import { DataError } from '../data/data-error.js';

export const EXIT = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  data: 3,
  diverged: 4,
  internal: 70,
  interrupted: 130,
} as const;

const EXIT_MEANINGS: Record<number, string> = {
  [EXIT.ok]: 'success',
  [EXIT.gateFailed]: 'an accuracy or loss gate failed (--min-test-acc, --min-train-acc, --max-loss)',
  [EXIT.usage]: 'invalid usage: unknown option, bad value, conflicting options',
  [EXIT.data]: 'data error: missing, unreadable or malformed dataset or model file',
  [EXIT.diverged]: 'training diverged: the loss became NaN, infinite, or above 103.3 (149 ln 2)',
  [EXIT.internal]: 'internal error (a bug: run with --debug for the stack)',
  [EXIT.interrupted]: 'interrupted by SIGINT (Ctrl-C)',
};

/** Per command: the codes it can exit with, with a meaning of its own where it differs. */
const COMMAND_EXIT_CODES: Record<string, Partial<Record<number, string>>> = {
  train: { ...EXIT_MEANINGS },
  gradcheck: { ...EXIT_MEANINGS, [EXIT.gateFailed]: 'a mean difference is above --tolerance', [EXIT.diverged]: undefined },
  eval: { ...EXIT_MEANINGS, [EXIT.gateFailed]: undefined, [EXIT.diverged]: undefined },
  predict: { ...EXIT_MEANINGS, [EXIT.gateFailed]: undefined, [EXIT.diverged]: undefined, [EXIT.data]: 'a model or image file is missing or malformed' },
};

/** The "Exit codes:" block of a command's --help ('bp-train' itself trains). */
export function exitCodesHelp(command: string): string {
  const codes = COMMAND_EXIT_CODES[command === 'bp-train' ? 'train' : command] ?? EXIT_MEANINGS;
  const lines = Object.entries(codes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([code, meaning]) => `  ${code.padEnd(4)} ${meaning}`);
  return ['Exit codes:', ...lines].join('\n');
}

export const HELP_HINT = "Run 'bp-train --help' for the options.";

/** A bad option value or combination found after parsing (e.g. --batch-size larger than the data). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints the one-line message for an error and returns its exit code. */
export function reportError(err: unknown, debug: boolean, writeErr: (line: string) => void): number {
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (and our hint)
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    writeErr(`bp-train: error: ${err.message}\n${HELP_HINT}`);
    return EXIT.usage;
  }
  if (err instanceof DataError) {
    writeErr(`bp-train: data error: ${err.message}`);
    if (debug && err.stack) writeErr(err.stack);
    return EXIT.data;
  }
  const message = err instanceof Error ? err.message : String(err);
  writeErr(`bp-train: internal error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for the stack)'}`);
  if (debug && err instanceof Error && err.stack) writeErr(err.stack);
  return EXIT.internal;
}
