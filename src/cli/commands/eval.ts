/**
 * `bp-train eval --model FILE`: a saved model on the test split: accuracy, accuracy per
 * class and the confusion matrix (coloured on a terminal), or one JSON object with --json;
 * --plot draws the matrix and the misclassified digits as an SVG.
 * The data defaults to the model's own (source and --test-limit), so the accuracy printed
 * here is the one its training run printed.
 */
import chalk from 'chalk';
import { loadDataset } from '../../data/sources.js';
import { checkModelInput, loadModel } from '../../model/model-file.js';
import { confusionMatrix, type ConfusionResult } from '../../train/confusion.js';
import { netClassName, networkText } from '../../train/names.js';
import { decideColor, initColor } from '../../report/color.js';
import { acc, thousands } from '../../report/format.js';
import { evalChart, writeChart } from '../../report/plots.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT } from '../errors.js';
import { requireDistinctFiles, requireWritable } from '../setup.js';
import { prepareData } from '../prepare-data.js';
import { DIGIT_CLASS_NAMES } from '../../data/catalog.js';
import { className, displayWidth, isDigitNames, padEndColumns } from '../../report/class-names.js';
import { modelDataSource } from '../model-data.js';
import { limitNotes } from '../data-limits.js';

export interface EvalCliOptions {
  model: string;
  data?: string;
  offline?: boolean;
  testLimit?: number;
  plot?: string;
  json?: boolean;
  debug?: boolean;
}

export async function evalCommand(opts: EvalCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stdout.isTTY === true && !opts.json));
  requireDistinctFiles([
    { flag: '--model', file: opts.model, writes: false },
    { flag: '--plot', file: opts.plot, writes: true },
  ]);
  requireWritable('--plot', opts.plot);
  const { net, meta } = loadModel(opts.model);
  const source = modelDataSource(opts.model, meta.data.source, opts.data);
  const testLimit = opts.testLimit ?? (opts.data === undefined ? (meta.data.testLimit ?? undefined) : undefined);
  await prepareData(source, opts); // downloads fashion-mnist or kmnist on first use
  const dataset = loadDataset(source, { testLimit, trainLimit: 1 });
  for (const line of limitNotes(dataset, { testLimit: opts.testLimit })) processOutput.err(line);
  const { test } = dataset;
  const classNames = dataset.classNames ?? DIGIT_CLASS_NAMES;
  checkModelInput(opts.model, meta, test.rows * test.cols, source);
  const result = confusionMatrix(net, test);
  if (opts.json) {
    const perClass = result.perClass.map((c) => ({ ...c, name: className(classNames, c.label) }));
    processOutput.out(JSON.stringify({ event: 'eval', model: opts.model, source, testLimit: testLimit ?? null, iteration: meta.iteration, ...result, perClass, classNames }));
  } else {
    const { network } = meta;
    const name = netClassName(network, network.weightDecayLambda);
    const sizes = [network.inputSize, ...network.hiddenSizeList, network.outputSize].join('-');
    const details = name === 'TwoLayerNet' ? '' : ` ${networkText(net.spec, net.weightDecayLambda).slice(sizes.length + 1)}`; // the activation, init, batch norm...
    processOutput.out(
      chalk.dim(
        `model ${opts.model}: ${name} ${sizes}${details}, ${thousands(meta.iteration)} iterations on ${meta.data.source}`,
      ),
    );
    processOutput.out(
      `test accuracy ${chalk.green.bold(acc(result.accuracy))} (${thousands(result.correct)} of ${thousands(result.count)} ${source} test images` +
        // a limit above the split's size limits nothing
        `${testLimit !== undefined && testLimit <= result.count ? `, the first ${thousands(testLimit)}` : ''})`,
    );
    for (const line of confusionLines(result, classNames)) processOutput.out(line);
  }
  if (opts.plot !== undefined) {
    const pixels = test.rows * test.cols;
    const wrong = result.misclassified.map((m) => ({
      pixels: test.images.subarray(m.index * pixels, (m.index + 1) * pixels),
      rows: test.rows,
      cols: test.cols,
      label: m.label,
      predicted: m.predicted,
    }));
    await writeChart(opts.plot, evalChart(result.confusion, wrong, `bp-train eval: ${opts.model} on ${source} (test accuracy ${acc(result.accuracy)})`, classNames));
    if (!opts.json) processOutput.err(`bp-train: chart written to ${opts.plot}`);
  }
  return EXIT.ok;
}

/**
 * Per-class accuracy and the matrix: the diagonal green, mistakes red, zeros dim. Classes with
 * names other than their digits (Fashion-MNIST, KMNIST) get one line each in the per-class
 * list, and their names beside the matrix's rows.
 */
export function confusionLines(r: ConfusionResult, classNames: readonly string[] = DIGIT_CLASS_NAMES): string[] {
  const width = Math.max(4, String(Math.max(...r.confusion.flat())).length + 1);
  const cell = (text: string): string => text.padStart(width);
  const named = !isDigitNames(classNames);
  const nameWidth = named ? Math.max(...r.confusion.map((_, c) => displayWidth(className(classNames, c)))) + 1 : 0;
  const rowName = (c: number): string => (named ? ` ${padEndColumns(className(classNames, c), nameWidth)}` : '');
  const accText = (a: number | null): string => (a === null ? '-' : acc(a));
  const lines = [''];
  if (named) {
    lines.push('per class:');
    for (const c of r.perClass) lines.push(`${String(c.label).padStart(4)}${rowName(c.label)} ${accText(c.accuracy)}  (${thousands(c.correct)} of ${thousands(c.count)})`);
  } else {
    lines.push('per class:  ' + r.perClass.map((c) => `${c.label} ${accText(c.accuracy)}`).join('  '));
  }
  lines.push('', `confusion matrix (rows: true class, columns: predicted)`);
  lines.push(`true${' '.repeat(named ? nameWidth + 1 : 0)} ${r.confusion.map((_, p) => cell(String(p))).join('')}`);
  r.confusion.forEach((row, t) => {
    const cells = row.map((n, p) => {
      const text = cell(String(n));
      return p === t ? chalk.green(text) : n === 0 ? chalk.dim(text) : chalk.red(text);
    });
    lines.push(`${String(t).padStart(4)}${rowName(t)} ${cells.join('')}`);
  });
  return lines;
}
