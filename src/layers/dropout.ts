/**
 * Dropout (book 6.4.3), not inverted, exactly as the book's:
 *   train: out = x * mask, mask = u > dropoutRatio (kept with probability 1 - ratio);
 *          backward: dx = dout * mask, with the mask of the last forward
 *   test:  out = x * (1 - dropoutRatio), no mask
 * NOTE: PyTorch and Keras scale by 1 / (1 - ratio) while training and do nothing at test:
 * equal in expectation, but every activation differs by that factor.
 *
 * The u come from dropout-mask.ts, a hash of (seed, iteration, layer, row, unit), not from a
 * running generator. The network sets that context before each training forward with
 * setMaskContext; the same context gives the same mask. Without one, each training forward
 * takes the next iteration of a private counter (seed `seed`), so `new Dropout(0.5)` draws a
 * new mask per forward as the book's does, and each Dropout its own masks: the n-th made in a
 * process draws as layer n (two made alike would otherwise drop the same units, in every
 * layer of a net built by hand).
 */
import type { Matrix } from '../kernels/matrix.js';
import { dropoutMask } from './dropout-mask.js';
import { BufferPool, MaskPool } from './layer.js';

/** Dropouts made so far in this process: the next one's layer number, without a context. */
let made = 0;

export class Dropout {
  /** mask[k] = 1 where the last training forward kept entry k, else 0 (rows x cols, row-major). */
  mask: Uint8Array | null = null;
  private context: { seed: number; iteration: number; layer: number } | null = null;
  private counter = 0;
  /** The layer number of the masks drawn without a context (see the header). */
  private readonly stream = ++made;
  private trained = false;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();
  private readonly masks = new MaskPool();

  constructor(
    readonly dropoutRatio = 0.5,
    private readonly seed = 0,
  ) {
    if (!(Number.isFinite(dropoutRatio) && dropoutRatio >= 0 && dropoutRatio < 1)) {
      throw new RangeError(`Dropout: dropoutRatio must be a number in [0, 1), got ${dropoutRatio}`);
    }
    if (!Number.isInteger(seed)) throw new RangeError(`Dropout: seed must be an integer, got ${seed}`);
  }

  /** Fixes the (seed, iteration, layer) of the masks of the following training forwards. */
  setMaskContext(seed: number, iteration: number, layer: number): void {
    for (const [name, v] of Object.entries({ seed, iteration, layer })) {
      if (!Number.isInteger(v) || (name !== 'seed' && v < 0)) {
        throw new RangeError(`Dropout.setMaskContext: ${name} must be ${name === 'seed' ? 'an integer' : 'an integer >= 0'}, got ${v}`);
      }
    }
    this.context = { seed, iteration, layer };
  }

  forward(x: Matrix, train = true): Matrix {
    const out = this.outputs.get(x.rows, x.cols, x.dtype);
    this.trained = train;
    if (!train) {
      const scale = 1 - this.dropoutRatio;
      for (let k = 0; k < x.size; k++) out.data[k] = x.data[k] * scale;
      return out;
    }
    const { seed, iteration, layer } = this.context ?? { seed: this.seed, iteration: this.counter++, layer: this.stream };
    const mask = this.masks.get(x.size);
    dropoutMask(mask, seed, iteration, layer, x.rows, x.cols, this.dropoutRatio);
    this.mask = mask;
    for (let k = 0; k < x.size; k++) out.data[k] = x.data[k] * mask[k];
    return out;
  }

  backward(dout: Matrix): Matrix {
    const mask = this.mask;
    if (!this.trained || mask === null || mask.length !== dout.size) {
      throw new Error('Dropout.backward: call forward in train mode with a batch of the same shape first');
    }
    // Written into a buffer of our own: dout belongs to the caller.
    const dx = this.grads.get(dout.rows, dout.cols, dout.dtype);
    for (let k = 0; k < dout.size; k++) dx.data[k] = dout.data[k] * mask[k];
    return dx;
  }
}
