/**
 * A model's test results in detail: accuracy, accuracy per class, the confusion matrix
 * (rows: true class, columns: predicted class) and the first misclassified examples.
 * For `bp-train eval`; the trainer itself only needs the accuracy (engine/count-correct.ts).
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../kernels/batches.js';
import { argmax } from '../kernels/js.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { EVAL_CHUNK } from '../engine/count-correct.js';

export interface ClassResult {
  label: number;
  count: number;
  correct: number;
  /** correct / count, or null for a class with no example. */
  accuracy: number | null;
}

export interface ConfusionResult {
  count: number;
  correct: number;
  accuracy: number;
  perClass: ClassResult[];
  /** confusion[t][p]: examples of true class t predicted as p. */
  confusion: number[][];
  /** The first `maxWrong` misclassified examples, in split order. */
  misclassified: { index: number; label: number; predicted: number }[];
}

export function confusionMatrix(net: MultiLayerNet, split: Split, maxWrong = 40): ConfusionResult {
  const C = net.spec.outputSize;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const misclassified: ConfusionResult['misclassified'] = [];
  const builder = new BatchBuilder(split, Math.min(EVAL_CHUNK, Math.max(1, split.count)));
  for (let start = 0; start < split.count; start += builder.capacity) {
    const n = Math.min(builder.capacity, split.count - start);
    const { x, t } = builder.range(start, n);
    const scores = net.predict(x);
    for (let i = 0; i < n; i++) {
      const predicted = argmax(scores.data, i * C, C);
      const label = t[i];
      if (label >= C) continue; // a label the model cannot output: counted as wrong below
      confusion[label][predicted]++;
      if (predicted !== label && misclassified.length < maxWrong) misclassified.push({ index: start + i, label, predicted });
    }
  }
  const perClass = confusion.map((row, label) => {
    const count = row.reduce((a, b) => a + b, 0);
    return { label, count, correct: row[label], accuracy: count === 0 ? null : row[label] / count };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return { count: split.count, correct, accuracy: split.count === 0 ? 0 : correct / split.count, perClass, confusion, misclassified };
}
