/**
 * A validation split held out of the training set, as the book's hyperparameter search does it
 * (section 6.5): shuffle the training examples with a seeded permutation (one permutation for
 * images and labels), then the first floor(count x fraction) examples are the validation split
 * and the others, in the shuffled order, the new training split.
 *
 * The permutation is a Fisher-Yates shuffle drawn from its own stream of the run's seed, so the
 * same seed gives the same split. Both splits are copies in shared memory (the evaluation
 * workers read them where they are).
 */
import type { Dataset, Split } from './dataset.js';
import { Random } from './random.js';

/** Mixed into the run's seed: the shuffle's stream differs from the weights' and the batches'. */
const SHUFFLE_STREAM = 0x76a1_1d5e;

/** Validation examples out of `count` for `fraction` (the book's int(count * rate); the epsilon keeps 0.29 x 100 at 29). */
export function validationCount(count: number, fraction: number): number {
  return Math.floor(count * fraction + 1e-9);
}

/** The seeded permutation of 0 .. count - 1 that the split takes its order from. */
export function shuffledOrder(count: number, seed: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  new Random((seed ^ SHUFFLE_STREAM) >>> 0).shuffle(order);
  return order;
}

/** The examples of `split` at `indices`, in that order, copied into shared memory. */
export function gatherSplit(split: Split, indices: ArrayLike<number>): Split {
  const pixels = split.rows * split.cols;
  const images = new Uint8Array(new SharedArrayBuffer(indices.length * pixels));
  const labels = new Uint8Array(new SharedArrayBuffer(indices.length));
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i];
    images.set(split.images.subarray(from * pixels, (from + 1) * pixels), i * pixels);
    labels[i] = split.labels[from];
  }
  return { images, labels, count: indices.length, rows: split.rows, cols: split.cols };
}

/**
 * Holds out `fraction` of the training split (0 < fraction < 1) after the seeded shuffle.
 * @throws RangeError when the fraction is outside (0, 1) or leaves either split empty.
 */
export function holdOut(train: Split, fraction: number, seed: number): { train: Split; validation: Split } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`the validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  const held = validationCount(train.count, fraction);
  if (held < 1 || held >= train.count) {
    throw new RangeError(`a validation fraction of ${fraction} of ${train.count} training examples holds out ${held}: both splits need at least one example`);
  }
  const order = shuffledOrder(train.count, seed);
  return { validation: gatherSplit(train, order.subarray(0, held)), train: gatherSplit(train, order.subarray(held)) };
}

/** The dataset with `fraction` of its training split held out as its validation split. */
export function withValidation(dataset: Dataset, fraction: number, seed: number): Dataset {
  const { train, validation } = holdOut(dataset.train, fraction, seed);
  return { ...dataset, train, validation };
}
