/**
 * A Snapshot (protocol.ts) of a model: its file's bytes without the optimizer's state, and its
 * confusion matrix and first mistakes on a test split (train/confusion.ts, as `bp-train eval`).
 */
import type { Split } from '../data/dataset.js';
import { encodeModel, type ModelMeta } from '../model/model-file.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { ConfusionResult } from '../train/confusion.js';
import { isDigitNames } from '../report/class-names.js';
import { MAX_MISTAKES, type Snapshot } from './protocol.js';

/** The bytes the page is given: the model file without the optimizer's tensors (the page only predicts). */
export function pageModelBytes(net: MultiLayerNet, meta: ModelMeta): Uint8Array {
  return encodeModel(net, meta);
}

export function makeSnapshot(
  model: Uint8Array,
  at: { epoch: number; iteration: number },
  test: Split,
  source: string,
  result: ConfusionResult,
  classNames?: readonly string[],
): Snapshot {
  const pixels = test.rows * test.cols;
  return {
    epoch: at.epoch,
    iteration: at.iteration,
    model: Buffer.from(model.buffer, model.byteOffset, model.byteLength).toString('base64'),
    test: { source, count: result.count, correct: result.correct, accuracy: result.accuracy, rows: test.rows, cols: test.cols, ...(isDigitNames(classNames) ? {} : { classNames }) },
    confusion: result.confusion,
    mistakes: result.misclassified.slice(0, MAX_MISTAKES).map((m) => ({
      index: m.index,
      label: m.label,
      predicted: m.predicted,
      pixels: Buffer.from(test.images.subarray(m.index * pixels, (m.index + 1) * pixels)).toString('base64'),
    })),
  };
}
