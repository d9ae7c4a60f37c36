/**
 * Every command-line option as data: flags, description, default and parser in one list.
 * The same list builds --help and the README's options table, so they never drift apart.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ACTIVATIONS } from '../network/spec.js';
import { OPTIMIZER_NAMES } from '../optim/optimizer.js';
import { finite, integer, integerList, nonEmpty, oneOf, unitInterval, type Parser } from './parsers.js';
import { dropoutList, nameList, numberList, onOffList, openFraction, positiveRange } from './list-parsers.js';

export interface OptionDef {
  flags: string;
  description: string;
  defaultValue?: string | number;
  parse?: Parser<unknown>;
  conflicts?: string;
  /** The option must be given (commander's makeOptionMandatory). */
  mandatory?: boolean;
}

export const MAX_ITERS = 100_000_000;

/** The most hidden layers --hidden takes. */
export const MAX_HIDDEN_LAYERS = 16;

/** What --init calls the three initialisations (names.ts). */
export const INIT_NAMES = ['std', 'xavier', 'he'] as const;

/** The --lr of sgd when none is given: the book's chapter-5 run (its SGD class defaults to 0.01). */
export const SGD_CLI_LR = 0.1;

/** --plot FILE (train and eval): the chart is an SVG, so the name must say so. */
const svgFile: Parser<string> = (value) => {
  const name = nonEmpty('a file name')(value);
  if (!/\.svg$/i.test(name)) throw new InvalidArgumentError('Expected a file name ending in .svg.');
  return name;
};

export const dataOption: OptionDef = {
  flags: '--data <source>',
  description: "dataset: 'mnist' (full 60,000/10,000), 'mnist-lite' (8,000/2,000), 'fashion-mnist' or 'kmnist' (downloaded on first use, then cached: see bp-train data) or a folder of IDX files",
  defaultValue: 'mnist',
  parse: nonEmpty('a dataset name or folder'),
};
export const offlineOption: OptionDef = {
  flags: '--offline',
  description: 'never download: a dataset missing from the cache is an error saying how to fetch it (also BP_TRAIN_OFFLINE=1)',
};
export const seedOption: OptionDef = {
  flags: '--seed <n>',
  description: 'seed of every random draw (weights, batches): same seed, same numbers',
  defaultValue: 1,
  parse: integer(0, 4294967295),
};
export const hiddenOption: OptionDef = {
  flags: '--hidden <sizes>',
  description: `widths of the hidden layers, first to last: 50 (one layer), or 100,100,100 for three (1 to ${MAX_HIDDEN_LAYERS} layers of 1 to 4096 units)`,
  defaultValue: 50,
  parse: integerList(1, 4096, MAX_HIDDEN_LAYERS),
};
export const activationOption: OptionDef = {
  flags: '--activation <name>',
  description: "activation after every hidden Affine layer: 'relu', 'sigmoid' or 'tanh'",
  defaultValue: 'relu',
  parse: oneOf(ACTIVATIONS),
};
export const initOption: OptionDef = {
  flags: '--init <name>',
  description:
    "initial weights, N(0, 1) times: 'std' (--weight-init-std, the book's chapter 5), 'xavier' (sqrt(1 / n), for sigmoid and tanh) or 'he' (sqrt(2 / n), for relu), n the width of the layer before (the book's fan-in scales)",
  defaultValue: 'std',
  parse: oneOf(INIT_NAMES),
};
export const weightInitStdOption: OptionDef = {
  flags: '--weight-init-std <std>',
  description: 'standard deviation of the initial weights, with --init std (default 0.01)',
  parse: finite(0, 10, true),
};
export const batchNormOption: OptionDef = {
  flags: '--batch-norm',
  description: "a BatchNormalization layer after every hidden Affine (book 6.3: batch statistics while training, running ones, momentum 0.9, when measuring; learned gamma and beta)",
};
export const dropoutOption: OptionDef = {
  flags: '--dropout <ratio>',
  description: "a Dropout layer after every hidden activation, dropping this share of the units while training (0 to < 1; the book's, not inverted: measuring scales by 1 - ratio)",
  parse: unitInterval,
};
export const weightDecayOption: OptionDef = {
  flags: '--weight-decay <lambda>',
  description: 'L2 weight decay (book 6.4.1): (lambda / 2) sum W^2 over every W in the loss, lambda W in each W\'s gradient; biases and batch norm\'s gamma and beta are not decayed (default 0)',
  parse: finite(0, 1e6),
};
export const evalEveryOption: OptionDef = {
  flags: '--eval-every <n>',
  description: 'measure the accuracies every N iterations (default: every epoch; 0: only at the end); the training is the same',
  parse: integer(0, MAX_ITERS),
};
export const backendOption: OptionDef = {
  flags: '--backend <name>',
  description:
    "kernels: 'wasm' (WebAssembly SIMD) or 'js' (the plain TypeScript reference); default wasm, js if build/simd.wasm is missing. " +
    'On wasm every network trains on the wasm program executor (one call a step)',
  parse: oneOf(['wasm', 'js'] as const),
};
export const validationOption: OptionDef = {
  flags: '--validation <fraction>',
  description:
    "hold out this share of the training set (after --train-limit) as a validation split, after a shuffle seeded by --seed (the book's 6.5 search: 0.2); its accuracy is measured beside train and test",
  parse: openFraction,
};
export const jsonOption: OptionDef = { flags: '--json', description: 'JSON lines on stdout (one object per event); text goes to stderr' };
export const debugOption: OptionDef = { flags: '--debug', description: 'show the stack trace of an internal error' };

export const trainOptions: OptionDef[] = [
  hiddenOption,
  activationOption,
  initOption,
  weightInitStdOption,
  batchNormOption,
  dropoutOption,
  weightDecayOption,
  {
    flags: '--optimizer <name>',
    description: "how the weights follow their gradients (book 6.1): 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop' or 'adam'",
    defaultValue: 'sgd',
    parse: oneOf(OPTIMIZER_NAMES),
  },
  {
    flags: '--lr <rate>',
    description: `learning rate (default ${SGD_CLI_LR} with sgd, the book's chapter-5 run; else the book's default of the optimizer: 0.01, with adam 0.001)`,
    parse: finite(0, 1e9, true),
  },
  { flags: '--momentum <m>', description: 'with --optimizer momentum or nesterov: the share of the last step kept (0 to < 1, default 0.9)', parse: unitInterval },
  { flags: '--decay-rate <r>', description: 'with --optimizer rmsprop: the decay of the mean squared gradient (0 to < 1, default 0.99)', parse: unitInterval },
  { flags: '--beta1 <b>', description: 'with --optimizer adam: the decay of the mean gradient (0 to < 1, default 0.9)', parse: unitInterval },
  { flags: '--beta2 <b>', description: 'with --optimizer adam: the decay of the mean squared gradient (0 to < 1, default 0.999)', parse: unitInterval },
  { flags: '--batch-size <n>', description: 'examples per iteration (1 to the train size)', defaultValue: 100, parse: integer(1, 1_000_000) },
  { flags: '--iters <n>', description: 'iterations (updates)', defaultValue: 10000, parse: integer(1, MAX_ITERS), conflicts: 'epochs' },
  { flags: '--epochs <n>', description: 'train for N epochs of train size / batch size iterations (instead of --iters)', parse: integer(1, 1_000_000) },
  evalEveryOption,
  seedOption,
  dataOption,
  offlineOption,
  { flags: '--train-limit <n>', description: 'use only the first N training examples', parse: integer(1, 100_000_000) },
  { flags: '--test-limit <n>', description: 'use only the first N test examples', parse: integer(1, 100_000_000) },
  validationOption,
  { flags: '--min-test-acc <x>', description: 'exit 1 if the final test accuracy is below x (0 to 1)', parse: finite(0, 1) },
  { flags: '--min-train-acc <x>', description: 'exit 1 if the final train accuracy is below x (0 to 1)', parse: finite(0, 1) },
  { flags: '--min-val-acc <x>', description: 'with --validation: exit 1 if the final validation accuracy is below x (0 to 1)', parse: finite(0, 1) },
  { flags: '--max-loss <x>', description: 'exit 1 if the final mean training loss is above x', parse: finite(0, Infinity) },
  {
    flags: '--baseline <file>',
    description: "compare with the --metrics file of an earlier run (e.g. main's): each figure with its change; a baseline run with other settings that change the numbers is a usage error",
    parse: nonEmpty('a metrics file'),
  },
  { flags: '--max-drop <x>', description: 'with --baseline: exit 1 if the test accuracy fell by more than x (absolute: 0.002 is 0.2 points)', parse: finite(0, 1) },
  { flags: '--max-train-drop <x>', description: 'with --baseline: exit 1 if the train accuracy fell by more than x', parse: finite(0, 1) },
  { flags: '--max-loss-rise <x>', description: 'with --baseline: exit 1 if the final mean training loss rose by more than x', parse: finite(0, Infinity) },
  { flags: '--allow-config-change', description: 'with --baseline: compare even when the baseline ran with other settings (they are listed)' },
  {
    flags: '--metrics <file>',
    description: 'write the summary, the configuration, the epochs and the environment as one JSON object to FILE (atomically)',
    parse: nonEmpty('a file name'),
  },
  { flags: '--junit <file>', description: 'write the gates as JUnit XML to FILE (one test case per gate, the figures as properties)', parse: nonEmpty('a file name') },
  { flags: '--save <file>', description: 'save the model as safetensors to FILE at every epoch, at the end and on Ctrl-C, SIGTERM or SIGHUP', parse: nonEmpty('a file name') },
  {
    flags: '--resume <file>',
    description: 'continue the run saved in FILE (its architecture, options and data) up to --iters/--epochs',
    parse: nonEmpty('a model file'),
  },
  { flags: '--plot <file.svg>', description: 'draw accuracy and loss per epoch as an SVG chart in FILE', parse: svgFile },
  {
    flags: '--serve [port]',
    description:
      'serve a live page of the run on 127.0.0.1 and print its URL (port: default 8050; 0 for any free one): the curves, the first layer\'s weights, the confusion matrix and mistakes, a pad to draw digits on; the run computes the same numbers',
    parse: integer(0, 65535),
  },
  { flags: '--host <address>', description: 'with --serve: the address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for every interface)', parse: nonEmpty('an address') },
  backendOption,
  { flags: '--threads <n>', description: "threads sharing the work (default: all cores): on wasm (the program executor), they share the steps, or the others measure while one trains, one thread a core at most; otherwise threads - 1 workers measure while training goes on; no result depends on it", parse: integer(1, 256) },
  jsonOption,
  { flags: '--quiet', description: 'print only the summary' },
  debugOption,
];

export const gradcheckOptions: OptionDef[] = [
  hiddenOption,
  activationOption,
  initOption,
  weightInitStdOption,
  batchNormOption,
  dropoutOption,
  weightDecayOption,
  { flags: '--samples <n>', description: 'training images to check on (1 to 100)', defaultValue: 3, parse: integer(1, 100) },
  seedOption,
  dataOption,
  offlineOption,
  { flags: '--dtype <type>', description: "precision: 'float64' or 'float32'", defaultValue: 'float64', parse: oneOf(['float64', 'float32'] as const) },
  {
    flags: '--tolerance <x>',
    description: 'exit 1 if a mean difference is above x (default 1e-7 for float64, 1e-5 for float32)',
    parse: finite(0, Infinity, true),
  },
  backendOption,
  jsonOption,
  debugOption,
];

export const modelOption: OptionDef = { flags: '--model <file>', description: 'the model file (safetensors, from --save)', parse: nonEmpty('a model file'), mandatory: true };

export const evalOptions: OptionDef[] = [
  modelOption,
  { flags: '--data <source>', description: "test data: 'mnist', 'mnist-lite', 'fashion-mnist', 'kmnist' or a folder of IDX files (default: the model's own)", parse: nonEmpty('a dataset name or folder') },
  offlineOption,
  { flags: '--test-limit <n>', description: "use only the first N test examples (default: the model's own limit)", parse: integer(1, 100_000_000) },
  { flags: '--plot <file.svg>', description: 'draw the confusion matrix and misclassified digits as an SVG in FILE', parse: svgFile },
  { flags: '--json', description: 'one JSON object on stdout: accuracy, per-class results, confusion matrix, first misclassified' },
  debugOption,
];

export const predictOptions: OptionDef[] = [
  modelOption,
  { flags: '--invert', description: 'the images have dark ink on light paper (MNIST digits are light on dark)' },
  { flags: '--json', description: 'one JSON object per image on stdout' },
  debugOption,
];

export const diffOptions: OptionDef[] = [
  { flags: '--json', description: 'one JSON object on stdout: the files and every row with its values and changes', conflicts: 'md' },
  { flags: '--md', description: 'a Markdown table (for a pull-request comment or $GITHUB_STEP_SUMMARY)' },
  debugOption,
];

/** `bp-train data list|fetch|verify|path`: the same few options on each. */
export const dataCommandOptions: OptionDef[] = [
  { flags: '--json', description: 'list, verify: one JSON object on stdout' },
  { flags: '--quiet', description: 'fetch: no progress lines, only problems' },
  debugOption,
];

/** Where the page servers listen by default (--serve, serve): this machine only. */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8050;

/** `bp-train serve --model FILE`: the page of a saved model, served. */
export const serveOptions: OptionDef[] = [
  modelOption,
  { flags: '--port <n>', description: 'the port to listen on (0 for any free one)', defaultValue: DEFAULT_PORT, parse: integer(0, 65535) },
  { flags: '--host <address>', description: 'the address to listen on (127.0.0.1: this machine only; 0.0.0.0 for every interface)', defaultValue: DEFAULT_HOST, parse: nonEmpty('an address') },
  { flags: '--data <source>', description: "test data for the confusion matrix and mistakes: as eval's --data (default: the model's own)", parse: nonEmpty('a dataset name or folder') },
  offlineOption,
  { flags: '--test-limit <n>', description: "use only the first N test examples (default: the model's own limit)", parse: integer(1, 100_000_000) },
  debugOption,
];

/** `bp-train export-page --model FILE --out DIR`: the same page as static files. */
export const exportPageOptions: OptionDef[] = [
  modelOption,
  { flags: '--out <dir>', description: 'the folder to write index.html, page.js, page.css and data.js (the model) into: created if missing; one that holds other files of these names (not an earlier export) is refused', parse: nonEmpty('a folder'), mandatory: true },
  { flags: '--data <source>', description: "test data for the confusion matrix and mistakes: as eval's --data (default: the model's own)", parse: nonEmpty('a dataset name or folder') },
  offlineOption,
  { flags: '--test-limit <n>', description: "use only the first N test examples (default: the model's own limit)", parse: integer(1, 100_000_000) },
  debugOption,
];

/** What compare and search share: the data, how many trainings at once, the chart, the output. */
const workersOption: OptionDef = {
  flags: '--workers <n>',
  description: 'trainings at once, one per worker thread at one thread each (default: one per core); no result depends on it',
  parse: integer(1, 256),
};
const quietOption: OptionDef = { flags: '--quiet', description: 'print only the results table' };

/** `bp-train compare`: one option given as a list (or a --preset), everything else as train takes it. */
export const compareOptions: OptionDef[] = [
  {
    flags: '--preset <name>',
    description:
      "one of the book's chapter-6 experiments with its protocol: 'optimizers' (figure 6-9), 'init' (6-15), 'batchnorm' (6-19, the 16 weight scales), 'weight-decay' (6-20, 6-21) or 'dropout' (6-23)",
    parse: oneOf(['optimizers', 'init', 'batchnorm', 'weight-decay', 'dropout'] as const),
  },
  { flags: '--optimizer <names>', description: "optimizers to compare: sgd,momentum,nesterov,adagrad,rmsprop,adam (each with its --lr default, as train)", defaultValue: 'sgd', parse: nameList(OPTIMIZER_NAMES) },
  { flags: '--init <names>', description: 'initialisations to compare: std,xavier,he', defaultValue: 'std', parse: nameList(INIT_NAMES) },
  { flags: '--weight-init-std <stds>', description: 'plain standard deviations to compare, with --init std (default 0.01)', parse: numberList(0, 10, true) },
  { flags: '--lr <rates>', description: "learning rates to compare (default: the optimizer's, as train)", parse: numberList(0, 1e9, true) },
  { flags: '--activation <names>', description: 'activations to compare: relu,sigmoid,tanh', defaultValue: 'relu', parse: nameList(ACTIVATIONS) },
  { flags: '--batch-norm <on,off>', description: 'batch normalisation after every hidden Affine: on, off or on,off', defaultValue: 'off', parse: onOffList },
  { flags: '--weight-decay <lambdas>', description: 'L2 weight decay lambdas to compare (0: none)', defaultValue: 0, parse: numberList(0, 1e6) },
  { flags: '--dropout <ratios>', description: 'dropout ratios to compare, off for no Dropout layer (e.g. off,0.2)', defaultValue: 'off', parse: dropoutList },
  { ...hiddenOption, description: `widths of the hidden layers, the same for every run: 50, or 100,100,100 for three (1 to ${MAX_HIDDEN_LAYERS} layers)` },
  { flags: '--batch-size <n>', description: 'examples per iteration', defaultValue: 100, parse: integer(1, 1_000_000) },
  { flags: '--iters <n>', description: 'iterations of each run (default 10000; a preset: its own)', parse: integer(1, MAX_ITERS), conflicts: 'epochs' },
  { flags: '--epochs <n>', description: 'epochs of each run (instead of --iters)', parse: integer(1, 1_000_000) },
  evalEveryOption,
  seedOption,
  dataOption,
  offlineOption,
  { flags: '--train-limit <n>', description: 'use only the first N training examples (a preset: its own)', parse: integer(1, 100_000_000) },
  { flags: '--test-limit <n>', description: 'use only the first N test examples', parse: integer(1, 100_000_000) },
  validationOption,
  { flags: '--plot <file.svg>', description: "draw every run on one SVG chart in FILE (a preset: the book's figure)", parse: svgFile },
  workersOption,
  backendOption,
  { flags: '--json', description: 'JSON lines on stdout: start, one run event per run in their order, and the summary last' },
  quietOption,
  debugOption,
];

/** `bp-train search`: the book's random search for lr and weight decay (section 6.5). */
export const searchOptions: OptionDef[] = [
  { flags: '--trials <n>', description: 'random draws of (lr, weight decay), each trained and scored by its last validation accuracy', defaultValue: 100, parse: integer(1, 100_000) },
  { flags: '--epochs <n>', description: 'epochs of each trial', defaultValue: 50, parse: integer(1, 1_000_000) },
  { flags: '--lr-range <low,high>', description: 'lr is drawn log-uniformly from this range (the book: 10^-6 to 10^-2)', defaultValue: '1e-6,1e-2', parse: positiveRange() },
  { flags: '--weight-decay-range <low,high>', description: 'the weight decay lambda is drawn log-uniformly from this range (the book: 10^-8 to 10^-4)', defaultValue: '1e-8,1e-4', parse: positiveRange() },
  { ...hiddenOption, defaultValue: '100,100,100,100,100,100', description: 'widths of the hidden layers (the book: six of 100)' },
  activationOption,
  { ...initOption, defaultValue: 'he' },
  weightInitStdOption,
  { flags: '--batch-size <n>', description: 'examples per iteration', defaultValue: 100, parse: integer(1, 1_000_000) },
  evalEveryOption,
  { flags: '--train-limit <n>', description: 'the first N training examples, shuffled, then split into validation and training', defaultValue: 500, parse: integer(2, 100_000_000) },
  { ...validationOption, defaultValue: 0.2, description: 'the share of them held out for validation, after a shuffle seeded by --seed (the book: 0.2, i.e. 100 of 500)' },
  { flags: '--min-val-acc <x>', description: "exit 1 if the best trial's validation accuracy is below x (0 to 1)", parse: finite(0, 1) },
  seedOption,
  dataOption,
  offlineOption,
  { flags: '--plot <file.svg>', description: "draw the 20 best trials (validation solid, train dashed) as the book's small multiples in FILE", parse: svgFile },
  workersOption,
  backendOption,
  { flags: '--json', description: 'JSON lines on stdout: start, one trial event per trial in their order, and the summary (best first) last' },
  quietOption,
  debugOption,
];

/** Adds the options to a commander command. */
export function addOptions(command: Command, defs: readonly OptionDef[]): Command {
  for (const def of defs) {
    const option = new Option(def.flags, def.description);
    if (def.parse) option.argParser(def.parse);
    if (def.defaultValue !== undefined) option.default(def.defaultValue);
    if (def.conflicts) option.conflicts(def.conflicts);
    if (def.mandatory) option.makeOptionMandatory();
    command.addOption(option);
  }
  return command;
}

/** Each command's options, by command name (for the README tables). */
export const commandOptions: Record<string, readonly OptionDef[]> = {
  train: trainOptions,
  gradcheck: gradcheckOptions,
  eval: evalOptions,
  predict: predictOptions,
  diff: diffOptions,
  compare: compareOptions,
  search: searchOptions,
  data: dataCommandOptions,
  serve: serveOptions,
  'export-page': exportPageOptions,
};
