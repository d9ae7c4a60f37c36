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
  // Every image in the order given: its picture, or (already reported on stderr) why it cannot be read.
  const read: (({ file: string } & DigitImage) | { file: string; error: string })[] = images.map((file) => {
    try {
      return { file, ...readDigitPng(file, opts.invert === true) };
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      reportError(err, opts.debug === true, processOutput.err);
      return { file, error: err.problem };
    }
  });
  const digits = read.filter((r): r is { file: string } & DigitImage => !('error' in r));
  const failed = read.length - digits.length;
  const names = classNamesOf(meta.data.source); // the model's own data: 'fashion-mnist' classes are clothes
  const predictions: Prediction[] = [];
  if (digits.length > 0) {
    const x = Matrix.zeros(digits.length, FIELD * FIELD);
    digits.forEach((d, i) => d.pixels.forEach((v, j) => x.set(i, j, v / 255)));
    const scores = net.predict(x);
    digits.forEach((d, i) => predictions.push(predictionOf(d.file, scores.data.subarray(i * scores.cols, (i + 1) * scores.cols), names)));
  }
  const shown = (c: number): string => (isDigitNames(names) ? String(c) : `${c} ${className(names, c)}`);
  let next = 0; // predictions[next] is the next readable image's
  for (const r of read) {
    if ('error' in r) {
      if (opts.json) processOutput.out(JSON.stringify(r));
      continue;
    }
    const prediction = predictions[next++];
    if (opts.json) processOutput.out(JSON.stringify(prediction));
    else processOutput.out(`${r.file}: ${chalk.bold.green(shown(prediction.class))}  (${prediction.top.map((t) => `${shown(t.class)} ${t.probability.toFixed(3)}`).join(', ')})`);
    if (!opts.invert && r.borderInk > 0.5) processOutput.err(`bp-train: ${r.file} looks like dark ink on light paper: try --invert`);
  }
  return failed > 0 ? EXIT.data : EXIT.ok;
}

/** The class and the top-3 probabilities of one image's scores (with class names for a dataset not of digits). */
function predictionOf(file: string, scores: ArrayLike<number>, names: ReturnType<typeof classNamesOf>): Prediction {
  const top = probabilities(scores)
    .map((probability, c) => ({ class: c, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, 3);
  return isDigitNames(names)
    ? { file, class: top[0].class, top }
    : { file, class: top[0].class, name: className(names, top[0].class), top: top.map((t) => ({ ...t, name: className(names, t.class) })) };
}
