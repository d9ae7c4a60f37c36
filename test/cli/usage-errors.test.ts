/**
 * Bad invocations of bp-train, end to end: each must exit with its documented code (2 invalid
 * usage, 3 data error), print nothing on stdout, and explain itself on stderr in one line
 * starting with "bp-train: " (plus the help hint for usage errors), never with a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDX_FILE_NAMES } from '../../src/data/sources.js';
import { encodeIdxLabels, writeIdxDir } from '../helpers/idx-fixtures.js';
import { outputLines, runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-usage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let fixtureCount = 0;
/** A fresh, valid fixture dataset (100 train / 20 test) in its own folder. */
function fixture(opts: { gzip?: boolean } = {}): string {
  const dir = join(root, `data-${++fixtureCount}`);
  writeIdxDir(dir, { trainCount: 100, testCount: 20, gzip: opts.gzip ?? false, seed: 3 });
  return dir;
}

interface Case {
  name: string;
  /** The arguments, or a function building them (and any broken fixture) when the test runs. */
  args: string[] | (() => { args: string[]; mentions: string[] });
  code: 2 | 3;
  /** Strings the first stderr line must contain (option, value, what is allowed, file). */
  mentions?: string[];
  /** The command whose --help the hint names (default: the first argument when it is gradcheck or eval, else the program's). */
  help?: string;
}

const INT_HIDDEN = 'an integer from 1 to 4096';

const cases: Case[] = [
  // integer options
  { name: 'non-integer --hidden', args: ['--hidden', '2.5'], code: 2, mentions: ['--hidden', "'2.5'", INT_HIDDEN] },
  { name: 'non-numeric --hidden', args: ['--hidden', 'abc'], code: 2, mentions: ['--hidden', "'abc'", INT_HIDDEN] },
  { name: 'negative --hidden', args: ['--hidden', '-3'], code: 2, mentions: ['--hidden', "'-3'", INT_HIDDEN] },
  { name: 'zero --hidden', args: ['--hidden', '0'], code: 2, mentions: ['--hidden', "'0'", INT_HIDDEN] },
  { name: 'NaN --hidden', args: ['--hidden', 'NaN'], code: 2, mentions: ['--hidden', "'NaN'", INT_HIDDEN] },
  { name: 'Infinity --hidden', args: ['--hidden', 'Infinity'], code: 2, mentions: ['--hidden', "'Infinity'", INT_HIDDEN] },
  { name: 'exponent 1e3 --hidden', args: ['--hidden', '1e3'], code: 2, mentions: ['--hidden', "'1e3'", INT_HIDDEN] },
  { name: 'out of range --hidden 5000', args: ['--hidden', '5000'], code: 2, mentions: ['--hidden', "'5000'", INT_HIDDEN] },
  { name: 'missing value for --hidden', args: ['--hidden'], code: 2, mentions: ['--hidden', 'missing'] },
  { name: 'exponent 1e3 --iters', args: ['--iters', '1e3'], code: 2, mentions: ['--iters', "'1e3'", 'integer'] },
  { name: 'zero --iters', args: ['--iters', '0'], code: 2, mentions: ['--iters', "'0'", 'integer'] },
  { name: 'huge --iters', args: ['--iters', '99999999999999999999'], code: 2, mentions: ['--iters', 'integer'] },
  { name: 'non-integer --train-limit', args: ['--train-limit', '1.5'], code: 2, mentions: ['--train-limit', "'1.5'", 'integer'] },
  { name: 'zero --test-limit', args: ['--test-limit', '0'], code: 2, mentions: ['--test-limit', "'0'", 'integer'] },
  { name: 'zero --epochs', args: ['--epochs', '0'], code: 2, mentions: ['--epochs', "'0'", 'integer'] },
  { name: 'zero --batch-size', args: ['--batch-size', '0'], code: 2, mentions: ['--batch-size', "'0'", 'integer'] },
  { name: 'negative --seed', args: ['--seed', '-1'], code: 2, mentions: ['--seed', "'-1'", 'an integer from 0 to 4294967295'] },
  { name: 'non-integer --seed', args: ['--seed', '1.5'], code: 2, mentions: ['--seed', "'1.5'", 'an integer from 0 to 4294967295'] },
  { name: 'too large --seed', args: ['--seed', '4294967296'], code: 2, mentions: ['--seed', "'4294967296'", '4294967295'] },
  // real-valued options
  { name: 'zero --lr', args: ['--lr', '0'], code: 2, mentions: ['--lr', "'0'", '> 0'] },
  { name: 'negative --lr', args: ['--lr', '-1'], code: 2, mentions: ['--lr', "'-1'", '> 0'] },
  { name: 'NaN --lr', args: ['--lr', 'NaN'], code: 2, mentions: ['--lr', "'NaN'", 'finite number'] },
  { name: 'a hexadecimal --lr (Number() reads 0x10 as 16)', args: ['--lr', '0x10'], code: 2, mentions: ['--lr', "'0x10'", 'finite number'] },
  { name: 'a binary --momentum', args: ['--optimizer', 'momentum', '--momentum', '0b1'], code: 2, mentions: ['--momentum', "'0b1'"] },
  { name: 'non-numeric --lr', args: ['--lr', 'abc'], code: 2, mentions: ['--lr', "'abc'", 'finite number'] },
  { name: 'Infinity --lr', args: ['--lr', 'Infinity'], code: 2, mentions: ['--lr', "'Infinity'", 'finite number'] },
  { name: 'zero --weight-init-std', args: ['--weight-init-std', '0'], code: 2, mentions: ['--weight-init-std', "'0'", '> 0'] },
  { name: '--min-test-acc above 1', args: ['--min-test-acc', '1.5'], code: 2, mentions: ['--min-test-acc', "'1.5'", '<= 1'] },
  { name: 'negative --min-train-acc', args: ['--min-train-acc', '-0.1'], code: 2, mentions: ['--min-train-acc', "'-0.1'", '>= 0'] },
  { name: 'negative --max-loss', args: ['--max-loss', '-1'], code: 2, mentions: ['--max-loss', "'-1'", '>= 0'] },
  { name: 'empty --data', args: ['--data', ''], code: 2, mentions: ['--data', 'empty'] },
  { name: '--plot not ending in .svg', args: ['--plot', 'chart.png', '--iters', '1'], code: 2, mentions: ['--plot', "'chart.png'", 'Expected a file name ending in .svg.'] },
  { name: 'eval --plot not ending in .svg', args: ['eval', '--model', 'm.safetensors', '--plot', 'matrix'], code: 2, mentions: ['--plot', "'matrix'", 'Expected a file name ending in .svg.'] },
  // combinations, unknown options, arguments
  { name: '--iters with --epochs', args: ['--iters', '10', '--epochs', '2'], code: 2, mentions: ['--iters', '--epochs'] },
  { name: 'unknown option', args: ['--bogus'], code: 2, mentions: ["'--bogus'"] },
  { name: 'unknown option in --json mode', args: ['--json', '--hiden', '5'], code: 2, mentions: ["'--hiden'"] },
  { name: 'unknown command', args: ['extra'], code: 2, mentions: ["unknown command 'extra'", 'gradcheck'] },
  { name: 'extra argument after train', args: ['train', 'extra'], code: 2, mentions: ["unexpected argument 'extra'"] },
  { name: 'help for an unknown command', args: ['help', 'extra'], code: 2, mentions: ["unknown command 'extra'", 'gradcheck'] },
  { name: 'an unknown data command', args: ['data', 'extra'], code: 2, mentions: ["unknown command 'extra' (commands: list, fetch, verify, path)"], help: 'data' },
  { name: 'help for an unknown data command', args: ['help', 'data', 'extra'], code: 2, mentions: ["unknown command 'extra' (commands: list, fetch, verify, path)"], help: 'data' },
  { name: "training's option before a command's name", args: ['--iters', '5', 'gradcheck'], code: 2, mentions: ["--iters before 'gradcheck' would be ignored"], help: 'gradcheck' },
  { name: "training's options before 'train'", args: ['--hidden', '5', '--lr', '1', 'train'], code: 2, mentions: ["--hidden, --lr before 'train' would be ignored"] },
  { name: '--batch-size x --hidden too large', args: ['--hidden', '4096', '--batch-size', '60000', '--iters', '1'], code: 2, mentions: ['--batch-size 60000', '--hidden 4096', '67,108,864'] },
  {
    name: '--batch-size larger than --train-limit',
    args: () => ({ args: ['--data', fixture(), '--train-limit', '50', '--batch-size', '60', '--iters', '1'], mentions: [] }),
    code: 2,
    mentions: ['--batch-size', '60', '50'],
  },
  {
    name: '--batch-size larger than the dataset',
    args: () => ({ args: ['--data', fixture(), '--batch-size', '101', '--iters', '1'], mentions: [] }),
    code: 2,
    mentions: ['--batch-size', '101', '100'],
  },
  {
    name: '--metrics in a missing folder',
    args: () => {
      const file = join(root, 'no-such-folder', 'metrics.json');
      return { args: ['--metrics', file, '--iters', '1'], mentions: [file] };
    },
    code: 2,
    mentions: ['--metrics'],
  },
  {
    name: '--metrics naming a folder',
    args: () => ({ args: ['--metrics', root, '--iters', '1'], mentions: [root, 'directory'] }),
    code: 2,
    mentions: ['--metrics'],
  },
  // the network and the optimizer (chapter 6)
  { name: 'a hidden width of 0 in a list', args: ['--hidden', '100,0,100'], code: 2, mentions: ['--hidden', "'100,0,100'", INT_HIDDEN, 'comma-separated list of 1 to 16'] },
  { name: 'an empty width in --hidden', args: ['--hidden', '100,,100'], code: 2, mentions: ['--hidden', "'100,,100'", INT_HIDDEN] },
  { name: '17 hidden layers', args: ['--hidden', Array(17).fill('10').join(',')], code: 2, mentions: ['--hidden', '1 to 16 of them'] },
  { name: 'unknown --activation', args: ['--activation', 'gelu'], code: 2, mentions: ['--activation', "'gelu'", 'relu, sigmoid, tanh'] },
  { name: 'unknown --init', args: ['--init', 'lecun'], code: 2, mentions: ['--init', "'lecun'", 'std, xavier, he'] },
  { name: 'unknown --optimizer', args: ['--optimizer', 'lion'], code: 2, mentions: ['--optimizer', "'lion'", 'sgd, momentum, nesterov, adagrad, rmsprop, adam'] },
  { name: '--weight-init-std with --init he', args: ['--init', 'he', '--weight-init-std', '0.1'], code: 2, mentions: ['--weight-init-std 0.1', '--init std only', '--init he', 'sqrt(2 / n)'] },
  { name: '--weight-init-std with --init xavier', args: ['--weight-init-std', '0.1', '--init', 'xavier'], code: 2, mentions: ['--weight-init-std 0.1', '--init xavier', 'sqrt(1 / n)'] },
  { name: '--momentum with adam', args: ['--optimizer', 'adam', '--momentum', '0.5'], code: 2, mentions: ['--momentum 0.5 is for --optimizer momentum or nesterov, not adam'] },
  { name: '--momentum with the default sgd', args: ['--momentum', '0.5'], code: 2, mentions: ['--momentum 0.5', 'not sgd'] },
  { name: '--beta1 with momentum', args: ['--optimizer', 'momentum', '--beta1', '0.8'], code: 2, mentions: ['--beta1 0.8 is for --optimizer adam, not momentum'] },
  { name: '--beta2 with rmsprop', args: ['--optimizer', 'rmsprop', '--beta2', '0.8'], code: 2, mentions: ['--beta2 0.8 is for --optimizer adam, not rmsprop'] },
  { name: '--decay-rate with adagrad', args: ['--optimizer', 'adagrad', '--decay-rate', '0.9'], code: 2, mentions: ['--decay-rate 0.9 is for --optimizer rmsprop, not adagrad'] },
  { name: '--momentum 1 (not below 1)', args: ['--optimizer', 'momentum', '--momentum', '1'], code: 2, mentions: ['--momentum', "'1'", 'a number >= 0 and < 1'] },
  { name: 'negative --beta2', args: ['--optimizer', 'adam', '--beta2', '-0.1'], code: 2, mentions: ['--beta2', "'-0.1'", 'a number >= 0 and < 1'] },
  { name: 'gradcheck --weight-init-std with --init he', args: ['gradcheck', '--init', 'he', '--weight-init-std', '0.1'], code: 2, mentions: ['--weight-init-std 0.1', '--init he'] },
  { name: 'gradcheck takes no --optimizer', args: ['gradcheck', '--optimizer', 'adam'], code: 2, mentions: ["'--optimizer'"] },
  // gradcheck
  { name: 'gradcheck --dtype float16', args: ['gradcheck', '--dtype', 'float16'], code: 2, mentions: ['--dtype', "'float16'", 'float64', 'float32'] },
  { name: 'gradcheck --samples 0', args: ['gradcheck', '--samples', '0'], code: 2, mentions: ['--samples', "'0'", 'an integer from 1 to 100'] },
  { name: 'gradcheck --samples 101', args: ['gradcheck', '--samples', '101'], code: 2, mentions: ['--samples', "'101'", 'an integer from 1 to 100'] },
  { name: 'gradcheck --tolerance -1', args: ['gradcheck', '--tolerance', '-1'], code: 2, mentions: ['--tolerance', "'-1'", '> 0'] },
  { name: 'gradcheck unknown option', args: ['gradcheck', '--iters', '5'], code: 2, mentions: ["'--iters'"] },
  { name: 'gradcheck extra argument', args: ['gradcheck', 'extra'], code: 2, mentions: ['argument'] },
  // data errors
  {
    name: '--data a missing folder',
    args: () => {
      const dir = join(root, 'nonexistent');
      return { args: ['--data', dir, '--iters', '1'], mentions: [dir] };
    },
    code: 3,
  },
  { name: '--data /nonexistent', args: ['--data', '/nonexistent', '--iters', '1'], code: 3, mentions: ['/nonexistent'] },
  { name: '--data mnistlite (a typo)', args: ['--data', 'mnistlite', '--iters', '1'], code: 3, mentions: ['mnistlite: no such directory (built-in sources: mnist, mnist-lite, fashion-mnist, kmnist)'] },
  {
    name: '--data a file, not a folder',
    args: () => {
      const file = join(root, 'plain-file.txt');
      writeFileSync(file, 'not a dataset\n');
      return { args: ['--data', file, '--iters', '1'], mentions: [file] };
    },
    code: 3,
  },
  {
    name: '--data folder missing a file',
    args: () => {
      const dir = fixture();
      rmSync(join(dir, IDX_FILE_NAMES.testLabels));
      return { args: ['--data', dir, '--iters', '1'], mentions: [dir, IDX_FILE_NAMES.testLabels] };
    },
    code: 3,
  },
  {
    name: 'wrong magic number',
    args: () => {
      const file = join(fixture(), IDX_FILE_NAMES.trainImages);
      const bytes = readFileSync(file);
      bytes.writeUInt32BE(0xdeadbeef, 0);
      writeFileSync(file, bytes);
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file, 'magic'] };
    },
    code: 3,
  },
  {
    name: 'labels file where images belong (magic 0x801)',
    args: () => {
      const dir = fixture();
      const file = join(dir, IDX_FILE_NAMES.testImages);
      writeFileSync(file, readFileSync(join(dir, IDX_FILE_NAMES.testLabels)));
      return { args: ['--data', dir, '--iters', '1'], mentions: [file] };
    },
    code: 3,
  },
  {
    name: 'truncated images file',
    args: () => {
      const file = join(fixture(), IDX_FILE_NAMES.trainImages);
      truncateSync(file, 16 + 50 * 784 + 7);
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file, 'truncated'] };
    },
    code: 3,
  },
  {
    name: 'label out of range',
    args: () => {
      const file = join(fixture(), IDX_FILE_NAMES.trainLabels);
      const bytes = readFileSync(file);
      bytes[8 + 42] = 12;
      writeFileSync(file, bytes);
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file, '12', '42'] };
    },
    code: 3,
  },
  {
    name: 'image/label count mismatch',
    args: () => {
      const file = join(fixture(), IDX_FILE_NAMES.testLabels);
      writeFileSync(file, encodeIdxLabels(new Uint8Array(19).map((_, i) => i % 10)));
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file, '19', '20'] };
    },
    code: 3,
  },
  {
    name: 'corrupt .gz file',
    args: () => {
      const file = join(fixture({ gzip: true }), `${IDX_FILE_NAMES.trainImages}.gz`);
      const bytes = readFileSync(file);
      // keep the gzip header, garble the deflate stream
      for (let i = 12; i < bytes.length; i++) bytes[i] ^= 0x5a;
      writeFileSync(file, bytes);
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file] };
    },
    code: 3,
  },
  {
    name: 'truncated .gz file',
    args: () => {
      const file = join(fixture({ gzip: true }), `${IDX_FILE_NAMES.testLabels}.gz`);
      truncateSync(file, 15);
      return { args: ['--data', dirname(file), '--iters', '1'], mentions: [file] };
    },
    code: 3,
  },
  {
    name: 'gradcheck on a missing folder',
    args: () => {
      const dir = join(root, 'nonexistent-gradcheck');
      return { args: ['gradcheck', '--data', dir], mentions: [dir] };
    },
    code: 3,
  },
];

const SUGGESTION = /^\(Did you mean --[\w-]+\?\)$/;

describe('bp-train bad invocations', () => {
  it('has a table of at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name exits $code', async ({ args, code, mentions = [], help }) => {
    const built = typeof args === 'function' ? args() : { args, mentions: [] };
    const run = await runCli(built.args);
    const context = `bp-train ${built.args.join(' ')}\n--- stderr:\n${run.stderr}--- stdout:\n${run.stdout}`;

    expect(run.code, context).toBe(code);
    expect(run.signal, context).toBeNull();
    expect(run.stdout, context).toBe('');

    // no stack trace, no raw Error dump
    expect(run.stderr, context).not.toMatch(/^\s+at\s/m);
    expect(run.stderr, context).not.toMatch(/\b(?:[A-Z]\w*)?Error:/);
    expect(run.stderr, context).not.toMatch(/node:internal|\.js:\d+/);

    const lines = outputLines(run.stderr);
    expect(lines[0], context).toMatch(/^bp-train: /);
    if (code === 2) {
      expect(lines[0], context).toMatch(/^bp-train: error: /);
      // commander may add its spelling suggestion between the message and the hint
      const rest = lines.slice(1).filter((line) => !SUGGESTION.test(line));
      expect(rest, context).toHaveLength(1);
      const command = help ?? (['gradcheck', 'eval'].includes(built.args[0]) ? built.args[0] : undefined);
      expect(rest[0], context).toBe(`Run 'bp-train${command === undefined ? '' : ` ${command}`} --help' for the options.`);
    } else {
      expect(lines[0], context).toMatch(/^bp-train: data error: /);
      expect(lines.length, context).toBe(1);
    }
    for (const text of [...mentions, ...built.mentions]) {
      expect(lines[0], context).toContain(text);
    }
  });
});
