/**
 * Every command-line option as data: flags, description, default and parser in one list.
 * The same list builds --help and the README's options table, so they never drift apart.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ACTIVATIONS } from '../network/spec.js';
import { OPTIMIZER_NAMES } from '../optim/optimizer.js';
import { finite, integer, integerList, nonEmpty, oneOf, unitInterval, type Parser } from './parsers.js';

export interface OptionDef {
  flags: string;
  description: string;
  defaultValue?: string | number;
  parse?: Parser<unknown>;
  conflicts?: string;
  /** The option must be given (commander's makeOptionMandatory). */
  mandatory?: boolean;
}

const MAX_ITERS = 100_000_000;

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
  description: "dataset: 'mnist' (full 60,000/10,000), 'mnist-lite' (8,000/2,000) or a folder of IDX files",
  defaultValue: 'mnist',
  parse: nonEmpty('a dataset name or folder'),
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
export const backendOption: OptionDef = {
  flags: '--backend <name>',
  description:
    "kernels: 'wasm' (WebAssembly SIMD) or 'js' (the plain TypeScript reference); default wasm, js if build/simd.wasm is missing. " +
    'On wasm every network without batch norm or dropout trains on the wasm program executor (one call a step); batch norm and dropout run their layers on the wasm kernels, one call per layer',
  parse: oneOf(['wasm', 'js'] as const),
};
export const jsonOption: OptionDef = { flags: '--json', description: 'JSON lines on stdout (one object per event); text goes to stderr' };
export const debugOption: OptionDef = { flags: '--debug', description: 'show the stack trace of an internal error' };

export const trainOptions: OptionDef[] = [
  hiddenOption,
  activationOption,
  initOption,
  weightInitStdOption,
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
  seedOption,
  dataOption,
  { flags: '--train-limit <n>', description: 'use only the first N training examples', parse: integer(1, 100_000_000) },
  { flags: '--test-limit <n>', description: 'use only the first N test examples', parse: integer(1, 100_000_000) },
  { flags: '--min-test-acc <x>', description: 'exit 1 if the final test accuracy is below x (0 to 1)', parse: finite(0, 1) },
  { flags: '--min-train-acc <x>', description: 'exit 1 if the final train accuracy is below x (0 to 1)', parse: finite(0, 1) },
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
  { flags: '--samples <n>', description: 'training images to check on (1 to 100)', defaultValue: 3, parse: integer(1, 100) },
  seedOption,
  dataOption,
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
  { flags: '--data <source>', description: "test data: 'mnist', 'mnist-lite' or a folder of IDX files (default: the model's own)", parse: nonEmpty('a dataset name or folder') },
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
};
