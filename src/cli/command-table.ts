/**
 * Every command but training (commands/train.ts): its name, description, arguments and
 * options, which `--help` lists, and an action that loads the command's code only when it runs.
 * A training run, the common case, then loads none of it: 35 modules fewer, and 1 to 1.5 MiB
 * less peak memory in the default run.
 */
import { Command } from 'commander';
import type { CompareCliOptions } from './commands/compare.js';
import type { DataCliOptions } from './commands/data.js';
import type { DiffCliOptions } from './commands/diff.js';
import type { EvalCliOptions } from './commands/eval.js';
import type { ExportPageCliOptions } from './commands/export-page.js';
import type { GradcheckCliOptions } from './commands/gradcheck.js';
import type { PredictCliOptions } from './commands/predict.js';
import type { SearchCliOptions } from './commands/search.js';
import type { ServeCliOptions } from './commands/serve.js';
import {
  addOptions, compareOptions, dataCommandOptions, diffOptions, evalOptions, exportPageOptions, gradcheckOptions, predictOptions, searchOptions, serveOptions,
  type OptionDef,
} from './options.js';
import { configureCommand, unknownCommand } from './setup.js';

type Run = (code: Promise<number>) => void;

/** A command with its options, configured as every command is. */
function command(name: string, description: string, options: readonly OptionDef[], helpName = name): Command {
  const c = new Command(name).description(description);
  addOptions(c, options);
  configureCommand(c, helpName);
  return c;
}

export function makeGradcheckCommand(run: Run): Command {
  return command('gradcheck', 'compare backprop gradients with numerical ones (central differences, h = 1e-4)', gradcheckOptions).action((opts: GradcheckCliOptions) =>
    run(import('./commands/gradcheck.js').then((m) => m.gradcheckCommand(opts))),
  );
}

export function makeEvalCommand(run: Run): Command {
  return command('eval', 'test a saved model: accuracy, per-class accuracy, confusion matrix', evalOptions).action((opts: EvalCliOptions) =>
    run(import('./commands/eval.js').then((m) => m.evalCommand(opts))),
  );
}

export function makePredictCommand(run: Run): Command {
  return command(
    'predict',
    'classify PNG images of handwritten digits with a saved model\n' + 'An unreadable image is one line on stderr; the others are still printed, then the exit code is 3.',
    predictOptions,
  )
    .argument('<image...>', 'PNG files')
    .action((images: string[], opts: PredictCliOptions) => run(import('./commands/predict.js').then((m) => m.predictCommand(images, opts))));
}

export function makeDiffCommand(run: Run): Command {
  return command('diff', 'metrics files (--metrics) side by side: figures, settings and environment, with the changes against the first file', diffOptions)
    .argument('<files...>', 'two or more metrics files; the first is the baseline')
    .action((files: string[], opts: DiffCliOptions) => run(import('./commands/diff.js').then((m) => m.diffCommand(files, opts))));
}

export function makeCompareCommand(run: Run): Command {
  return command(
    'compare',
    "train several configurations that differ in one option (a list: --optimizer sgd,momentum,adagrad,adam) or a --preset of the book's chapter-6 experiments, on all cores; one chart, a table, JSON lines",
    compareOptions,
  ).action((opts: CompareCliOptions, cmd: Command) =>
    run(import('./commands/compare.js').then((m) => m.compareCommand(opts, (key) => cmd.getOptionValueSource(key) === 'cli'))),
  );
}

export function makeSearchCommand(run: Run): Command {
  return command(
    'search',
    "the book's random search for lr and weight decay (6.5.3): log-uniform draws, each trained on all cores and scored by its validation accuracy; a ranked table, JSON lines, the best trials' chart",
    searchOptions,
  ).action((opts: SearchCliOptions, cmd: Command) =>
    run(import('./commands/search.js').then((m) => m.searchCommand(opts, (key) => cmd.getOptionValueSource(key) === 'cli'))),
  );
}

export function makeDataCommand(run: Run): Command {
  const data = new Command('data').description('the datasets known by name and the download cache: list, fetch, verify, path');
  configureCommand(data);
  const code = (): Promise<typeof import('./commands/data.js')> => import('./commands/data.js');
  const sub = (name: string, description: string): Command => {
    const c = command(name, description, dataCommandOptions, `data ${name}`);
    data.addCommand(c);
    return c;
  };
  sub('list', 'the datasets bp-train knows, and which are in the cache').action((opts: DataCliOptions) => run(code().then((m) => m.listCommand(opts))));
  sub('fetch', 'download datasets into the cache ahead of time (files already there are verified)')
    .argument('<name...>', 'dataset names (see bp-train data list)')
    .action((names: string[], opts: DataCliOptions) => run(code().then((m) => m.fetchCommand(names, opts))));
  sub('verify', 'check the size and checksums of cached files again; a bad file is removed (exit code 3)')
    .argument('[name...]', 'dataset names (default: every dataset with files in the cache)')
    .action((names: string[], opts: DataCliOptions) => run(code().then((m) => m.verifyCommand(names, opts))));
  sub('path', "print a dataset's folder, for --data")
    .argument('<name>', 'a dataset name')
    .action((name: string, opts: DataCliOptions) => run(code().then((m) => m.pathCommand(name, opts))));
  // `bp-train data` alone: its help; `bp-train data WORD`: the usual unknown-command line, with the list
  data.allowExcessArguments(true).action((_opts: unknown, cmd: Command) => {
    if (cmd.args.length === 0) cmd.help();
    throw unknownCommand(cmd.args[0], cmd);
  });
  return data;
}

export function makeServeCommand(run: Run): Command {
  return command(
    'serve',
    'serve the page of a saved model: its history, weights, confusion matrix and mistakes, and a pad to draw digits on (inference runs in the page)',
    serveOptions,
  ).action((opts: ServeCliOptions) => run(import('./commands/serve.js').then((m) => m.serveCommand(opts))));
}

export function makeExportPageCommand(run: Run): Command {
  return command(
    'export-page',
    'write the page of a saved model as static files (the model included): open index.html from disk, or publish the folder on any static host',
    exportPageOptions,
  ).action((opts: ExportPageCliOptions) => run(import('./commands/export-page.js').then((m) => m.exportPageCommand(opts))));
}
