/**
 * `bp-train predict --model FILE IMAGE...`: classify PNG pictures of digits. Each is framed
 * as MNIST frames its digits (data/png-digit.ts); prints the class and the top-3
 * probabilities, or with --json one JSON object per image, in the order given.
 * An image that cannot be read (missing, a directory, not a PNG, truncated or corrupt) is one
 * line on stderr (and with --json the object { file, error }); the others are still classified
 * and printed, and the exit code is 3 at the end.
 */
import chalk from 'chalk';
import { readDigitPng, FIELD, type DigitImage } from '../../data/png-digit.js';
import { DataError } from '../../data/data-error.js';
import { Matrix } from '../../kernels/matrix.js';
import { loadModel } from '../../model/model-file.js';
import { classNamesOf } from '../../data/sources.js';
import { className, isDigitNames } from '../../report/class-names.js';
import { probabilities } from '../../network/probabilities.js';
import { decideColor, initColor } from '../../report/color.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT, reportError } from '../errors.js';

export interface PredictCliOptions {
  model: string;
  invert?: boolean;
  json?: boolean;
  debug?: boolean;
}

export interface Prediction {
  file: string;
  class: number;
  /** The class's name, for a model of a dataset with named classes (fashion-mnist, kmnist). */
  name?: string;
  top: { class: number; name?: string; probability: number }[];
}

export async function predictCommand(images: string[], opts: PredictCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stdout.isTTY === true && !opts.json));
  const { net, meta } = loadModel(opts.model);
  if (meta.network.inputSize !== FIELD * FIELD) {
    throw new DataError(opts.model, `the model takes ${meta.network.inputSize} inputs, not 28 x 28 pictures`);
  }
  const digits: ({ file: string; at: number } & DigitImage)[] = [];
  /** With --json, the images that could not be read, by their place among the images given: their objects keep that order. */
  const unreadable = new Map<number, { file: string; error: string }>();
  images.forEach((file, i) => {
    try {
      digits.push({ file, at: i, ...readDigitPng(file, opts.invert === true) });
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      reportError(err, opts.debug === true, processOutput.err);
      unreadable.set(i, { file, error: err.problem });
    }
  });
  const failed = unreadable.size;
  /** --json: the objects of the unreadable images given before image `before` (all of them: Infinity). */
  const flushUnreadable = (before: number): void => {
    for (const [at, entry] of unreadable) {
      if (at >= before) break;
      processOutput.out(JSON.stringify(entry));
      unreadable.delete(at);
    }
  };
  if (digits.length === 0) {
    if (opts.json) flushUnreadable(Infinity);
    return EXIT.data;
  }
  const x = Matrix.zeros(digits.length, FIELD * FIELD);
  digits.forEach((d, i) => d.pixels.forEach((v, j) => x.set(i, j, v / 255)));
  const scores = net.predict(x);
  const names = classNamesOf(meta.data.source); // the model's own data: 'fashion-mnist' classes are clothes
  const named = !isDigitNames(names);
  const shown = (c: number): string => (named ? `${c} ${className(names, c)}` : String(c));
  digits.forEach((d, i) => {
    const p = probabilities(scores.data.subarray(i * scores.cols, (i + 1) * scores.cols));
    const top = p
      .map((probability, c) => ({ class: c, probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
    const prediction: Prediction = named
      ? { file: d.file, class: top[0].class, name: className(names, top[0].class), top: top.map((t) => ({ ...t, name: className(names, t.class) })) }
      : { file: d.file, class: top[0].class, top };
    if (opts.json) {
      flushUnreadable(d.at);
      processOutput.out(JSON.stringify(prediction));
    }
    else processOutput.out(`${d.file}: ${chalk.bold.green(shown(top[0].class))}  (${top.map((t) => `${shown(t.class)} ${t.probability.toFixed(3)}`).join(', ')})`);
    if (!opts.invert && d.borderInk > 0.5) processOutput.err(`bp-train: ${d.file} looks like dark ink on light paper: try --invert`);
  });
  if (opts.json) flushUnreadable(Infinity);
  return failed > 0 ? EXIT.data : EXIT.ok;
}
