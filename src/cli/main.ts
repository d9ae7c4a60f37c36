/**
 * The bp-train program: commander wiring, and the one place where errors become exit codes.
 * Training is the default command, so `bp-train --hidden 50` trains.
 */
import { CAUSES } from '../io/write-file.js';
import type { Command } from 'commander';
import { EXIT, reportError, UsageError } from './errors.js';
import { commandPath, unknownCommand } from './setup.js';
import { requestStop } from './interrupt.js';
import {
  makeCompareCommand, makeDataCommand, makeDiffCommand, makeEvalCommand, makeExportPageCommand, makeGradcheckCommand, makePredictCommand, makeSearchCommand, makeServeCommand,
} from './command-table.js';
import { makeTrainCommand } from './commands/train.js';
import { version } from './version.js';

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  const writeErr = (line: string): void => void process.stderr.write(`${line}\n`);
  // A closed pipe (`bp-train | head -3`) is the reader's choice, not an error: the output
  // stops, a run stops after its current iteration as for a signal and still writes its files
  // (the command then exits 141, as a shell reports a program that SIGPIPE ended), and any
  // other command goes on to its end unheard, with its own code.
  let stdoutClosed = false;
  let stdoutFailed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || stdoutClosed) {
      if (stdoutClosed) return;
      stdoutClosed = true;
      if (requestStop()) writeErr('bp-train: standard output was closed (the reader of the pipe ended): a run still training stops after its current iteration; its files (--save, --metrics, --plot) are still written');
      return;
    }
    if (err.code === 'EIO') return; // a terminal that hung up (SIGHUP): the run still saves and exits 129
    // Anything else (a full disk under `> log.jsonl`): one line, a training stops as for a
    // signal and still saves, and the exit code is 5; later writes fail the same way, unsaid.
    if (stdoutFailed) return;
    stdoutFailed = true;
    const stopping = requestStop();
    writeErr(`bp-train: write error: standard output: ${CAUSES[err.code ?? ''] ?? err.message}${stopping ? ' (training stops after this iteration; its files, --save, --metrics, --plot, are still written)' : ''}`);
    if (!stopping) process.exit(EXIT.write);
  });
  // Standard error has no one left to tell of its own failure (`2>&1 | head`, a hung-up
  // terminal, a full disk under `2> log`): its notes are lost, the run and its files are not.
  process.stderr.on('error', () => {});
  let pending: Promise<number> = Promise.resolve(EXIT.ok);
  const run = (code: Promise<number>): void => {
    pending = code;
  };
  // The program itself trains (so `bp-train --help` lists the training options); `bp-train
  // train` is the same command spelled out. Positional options: after a subcommand's name,
  // options belong to that subcommand.
  const program = makeTrainCommand(run, 'bp-train')
    .description('Train a neural network on MNIST with backpropagation written from scratch.\nWith no command, trains.')
    .version(version, '-V, --version')
    .enablePositionalOptions()
    .helpCommand(true) // commander adds `help [command]` only to programs without an action of their own
    .addCommand(makeTrainCommand(run))
    .addCommand(makeGradcheckCommand(run))
    .addCommand(makeEvalCommand(run))
    .addCommand(makePredictCommand(run))
    .addCommand(makeDiffCommand(run))
    .addCommand(makeCompareCommand(run))
    .addCommand(makeSearchCommand(run))
    .addCommand(makeDataCommand(run))
    .addCommand(makeServeCommand(run))
    .addCommand(makeExportPageCommand(run));
  /** The command being run, for the help hint under a usage error. */
  let commandName = 'bp-train';
  program.hook('preAction', (_program, action) => {
    commandName = commandPath(action);
    // `bp-train --iters 5 eval ...`: the program's (training's) options before a command's
    // name are parsed, then nothing reads them.
    if (action === program) return;
    const before = program.options.filter((o) => o.attributeName() !== 'debug' && program.getOptionValueSource(o.attributeName()) === 'cli');
    if (before.length > 0) {
      throw new UsageError(`${before.map((o) => o.long).join(', ')} before '${commandName}' would be ignored: a command's options go after its name`);
    }
  });
  try {
    checkHelpTopic(program, argv.slice(2), (name) => (commandName = name));
    await program.parseAsync(argv);
    process.exitCode = await pending;
  } catch (err) {
    process.exitCode = reportError(err, debug, writeErr, commandName);
  }
  // A lost standard output wins over success, a failed gate, a signal's code and a bug.
  const outranked: number[] = [EXIT.ok, EXIT.gateFailed, EXIT.internal, EXIT.hangup, EXIT.interrupted, EXIT.pipeClosed, EXIT.terminated];
  if (stdoutFailed && outranked.includes(Number(process.exitCode ?? EXIT.ok))) {
    process.exitCode = EXIT.write;
  }
}

/**
 * `bp-train help WORD...`: a usage error for a word that is not a command (commander prints
 * the whole help for it, exit 0). `named` learns the command whose list the word missed.
 */
function checkHelpTopic(program: Command, words: string[], named: (command: string) => void): void {
  if (words[0] !== 'help') return;
  let parent = program;
  for (const word of words.slice(1)) {
    if (word.startsWith('-') || parent.commands.length === 0) return;
    const sub = parent.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) {
      named(commandPath(parent));
      throw unknownCommand(word, parent);
    }
    parent = sub;
  }
}
