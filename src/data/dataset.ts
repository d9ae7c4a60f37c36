/**
 * The in-memory shape of a dataset: a train split and a test split of 8-bit grey images with
 * labels 0..9, exactly as they sit in the IDX files. Pixels stay bytes here; turning them into
 * floats in [0, 1] is the network input code's job, not this file's.
 *
 * This file holds types and one tiny helper; reading files lives in idx.ts and sources.ts.
 */

/** One split (train or test): `count` images of rows x cols bytes, row-major, one label each. */
export interface Split {
  /** count * rows * cols bytes: image i is images.subarray(i * rows * cols, (i + 1) * rows * cols). */
  images: Uint8Array;
  /** count bytes, each 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** A whole dataset. `source` is the spec it was loaded from: 'mnist', 'mnist-lite', a catalog name or a directory. */
export interface Dataset {
  source: string;
  train: Split;
  test: Split;
  /** Examples held out of the training set (validation-split.ts, --validation): measured beside train and test. */
  validation?: Split;
  /** The names of classes 0..9 ('T-shirt/top', ...); the digits '0'..'9' when absent. */
  classNames?: readonly string[];
}

/**
 * The first `limit` examples of a split, as views on the same memory (no copy).
 * `undefined` or a limit at or above `count` gives the whole split back.
 * @throws RangeError when limit is not a positive integer.
 */
export function limitSplit(split: Split, limit: number | undefined, name = 'limit'): Split {
  if (limit === undefined) return split;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${typeof limit === 'string' ? `the string '${limit}'` : String(limit)}`);
  }
  if (limit >= split.count) return split;

  const pixels = split.rows * split.cols;
  return {
    images: split.images.subarray(0, limit * pixels),
    labels: split.labels.subarray(0, limit),
    count: limit,
    rows: split.rows,
    cols: split.cols,
  };
}
