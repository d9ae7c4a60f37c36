/**
 * The bp-train program: commander wiring, and the one place where errors become exit codes.
 * Training is the default command, so `bp-train --hidden 50` trains.
 */
import { EXIT, reportError } from './errors.js';
import {
  makeCompareCommand, makeDataCommand, makeDiffCommand, makeEvalCommand, makeExportPageCommand, makeGradcheckCommand, makePredictCommand, makeSearchCommand, makeServeCommand,
} from './command-table.js';
import { makeTrainCommand } from './commands/train.js';
import { version } from './version.js';

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // A closed pipe (`bp-train --help | head`) is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    if (err.code === 'EIO') return; // a terminal that hung up (SIGHUP): the run still saves and exits 129
    throw err;
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EIO') throw err; // as above
  });
  const writeErr = (line: string): void => void process.stderr.write(`${line}\n`);
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
  try {
    await program.parseAsync(argv);
    process.exitCode = await pending;
  } catch (err) {
    process.exitCode = reportError(err, debug, writeErr);
  }
}
