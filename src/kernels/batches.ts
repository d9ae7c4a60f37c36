/**
 * Turns byte images into float batches, in one preallocated buffer. Pixels are scaled to
 * [0, 1] here, at the last moment; the dataset itself stays as bytes.
 */
import { Matrix, type DType } from './matrix.js';
import type { Random } from '../data/random.js';
import type { Split } from '../data/dataset.js';

/** byte -> byte / 255, computed once (the exact float32 of each division). */
const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

export class BatchBuilder {
  readonly x: Matrix;
  readonly t: Uint8Array;
  readonly pixels: number;

  constructor(
    readonly split: Split,
    readonly capacity: number,
    dtype: DType = 'float32',
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BatchBuilder: capacity must be a positive integer, got ${capacity}`);
    this.pixels = split.rows * split.cols;
    this.x = Matrix.zeros(capacity, this.pixels, dtype);
    this.t = new Uint8Array(capacity);
  }

  /** Fills the whole batch with examples drawn uniformly with replacement (the book's np.random.choice). */
  sample(random: Random): Matrix {
    const n = this.split.count;
    for (let r = 0; r < this.capacity; r++) this.copyRow(r, random.nextInt(n));
    return this.x;
  }

  /**
   * The examples rows[0 .. n) (each drawn by the caller; 1 <= n <= capacity) as the batch's
   * first n rows, their labels in t[0 .. n); returns those rows (the whole batch when n is the
   * capacity).
   */
  gather(rows: ArrayLike<number>): Matrix {
    const n = rows.length;
    if (!(n >= 1 && n <= this.capacity)) throw new RangeError(`BatchBuilder.gather: ${n} rows for a batch of 1 to ${this.capacity}`);
    for (let r = 0; r < n; r++) this.copyRow(r, rows[r]);
    return n === this.capacity ? this.x : this.x.topRows(n);
  }

  /** Examples start .. start + count - 1 in order; returns a view of the first `count` rows. */
  range(start: number, count: number): { x: Matrix; t: Uint8Array } {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) throw new RangeError(`BatchBuilder.range: ${count} examples for a batch of ${this.capacity}`);
    for (let r = 0; r < count; r++) this.copyRow(r, start + r);
    return { x: this.x.topRows(count), t: this.t.subarray(0, count) };
  }

  private copyRow(row: number, example: number): void {
    const { pixels } = this;
    const src = this.split.images;
    const dst = this.x.data;
    if (!(Number.isInteger(example) && example >= 0 && example < this.split.count)) {
      throw new RangeError(`BatchBuilder: example ${example} is not in the split's 0..${this.split.count - 1}`);
    }
    const s = example * pixels;
    const d = row * pixels;
    for (let j = 0; j < pixels; j++) dst[d + j] = SCALE[src[s + j]];
    this.t[row] = this.split.labels[example];
  }
}
