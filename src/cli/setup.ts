/**
 * What every command shares: commander settings (errors as exit code 2 with a hint, exit
 * codes in --help) and the choice of reporter and colour, made once.
 */
import { Command } from 'commander';
import { realFile, unwritableReason } from '../io/write-file.js';
import { decideColor, initColor, isInteractive } from '../report/color.js';
import { JsonReporter } from '../report/json.js';
import { PlainReporter } from '../report/plain.js';
import type { Reporter } from '../report/reporter.js';
import { processOutput } from '../report/reporter.js';
import { TtyReporter } from '../report/tty.js';
import { exitCodesHelp, helpHint, UsageError } from './errors.js';
import { setBackend, wasmUnavailableReason, type BackendName } from '../kernels/backend.js';

/** Call after naming the command: the hint and the exit codes depend on it (`name`: 'data fetch' for a subcommand). */
export function configureCommand(command: Command, name = command.name()): Command {
  return command
    .exitOverride()
    .allowExcessArguments(false)
    // one line: commander's "(Did you mean --hidden?)" joins the error line
    .configureOutput({ outputError: (text, write) => write(`bp-train: ${text.replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')}`) })
    .showHelpAfterError(helpHint(name))
    .addHelpText('after', `\n${exitCodesHelp(name)}`);
}

/** The error for a word where a command of `parent` was expected: "unknown command 'evall' (commands: ...)". */
export function unknownCommand(word: string, parent: Command): UsageError {
  const names = parent.commands.map((c) => c.name()).join(', ');
  return new UsageError(`unknown command '${word}' (commands: ${names}${parent.parent === null ? '; with none, bp-train trains' : ''})`);
}

/** A command as typed after bp-train: 'data fetch', 'eval'; the program itself is 'bp-train'. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.length === 0 ? 'bp-train' : names.join(' ');
}

export function makeReporter(opts: { json?: boolean; quiet?: boolean }): Reporter {
  const env = process.env;
  const stream = opts.json ? process.stderr : process.stdout;
  initColor(decideColor(env, stream.isTTY === true));
  if (opts.json) return new JsonReporter(processOutput);
  if (!opts.quiet && isInteractive(env, process.stdout) && isInteractive(env, process.stderr)) {
    return new TtyReporter(processOutput);
  }
  return new PlainReporter(processOutput, opts.quiet === true);
}

/** Applies --backend (when given) for the whole process; 'wasm' without its module is a usage error. */
export function selectBackend(name: BackendName | undefined): void {
  if (name === undefined) return;
  const reason = name === 'wasm' ? wasmUnavailableReason() : null;
  if (reason !== null) throw new UsageError(`--backend wasm: ${reason}`);
  setBackend(name);
}

/** A usage error unless FILE can be written (its folder exists and is writable); nothing when no FILE. */
export function requireWritable(flag: string, file: string | undefined): void {
  const reason = file === undefined ? null : unwritableReason(file);
  if (reason !== null) throw new UsageError(`${flag} '${file}': ${reason}`);
}

/** One file option of a command: its flag, its value, and whether the command writes it. */
export interface FileOption {
  flag: string;
  file: string | undefined;
  writes: boolean;
}

/**
 * A usage error when two options name the same file and one of them writes it (`--save m.st
 * --metrics m.st` would overwrite the model with the metrics); `allowed` lists the pairs that
 * may (--resume and --save: go on from a file and save over it).
 */
export function requireDistinctFiles(options: FileOption[], allowed: [string, string][] = []): void {
  const given = options.filter((o): o is FileOption & { file: string } => o.file !== undefined).map((o) => ({ ...o, key: realFile(o.file) }));
  for (let i = 0; i < given.length; i++) {
    for (let j = i + 1; j < given.length; j++) {
      const [a, b] = [given[i], given[j]];
      if (a.key !== b.key || (!a.writes && !b.writes)) continue;
      if (allowed.some(([x, y]) => (x === a.flag && y === b.flag) || (x === b.flag && y === a.flag))) continue;
      const verb = a.writes && b.writes ? 'both write' : 'one reads and the other writes';
      throw new UsageError(`${a.flag} '${a.file}' and ${b.flag} '${b.file}' are the same file (${verb} it): give each its own file`);
    }
  }
}
