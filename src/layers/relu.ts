/**
 * Relu (book 5.5.1): y = 0 where x <= 0, else x. Backward stops dout where x <= 0. As in the
 * book, a NaN input is not <= 0: it goes through, and so does its gradient.
 */
import { Matrix } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import { BufferPool, MaskPool, type Layer } from './layer.js';

export class Relu implements Layer {
  /** mask[i] = 1 where the forward input was not <= 0 (the book keeps the complement, x <= 0). */
  mask: Uint8Array | null = null;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();
  private readonly masks = new MaskPool();

  forward(x: Matrix): Matrix {
    const y = this.outputs.get(x.rows, x.cols, x.dtype);
    this.mask = this.masks.get(x.size);
    kernels().reluForward(y.data, this.mask, x.data, x.size);
    return y;
  }

  backward(dout: Matrix): Matrix {
    if (this.mask === null || this.mask.length !== dout.size) {
      throw new Error('Relu.backward: call forward with a batch of the same shape first');
    }
    // Written into a buffer of our own: dout belongs to the caller (the book overwrites it).
    const dx = this.grads.get(dout.rows, dout.cols, dout.dtype);
    kernels().reluBackward(dx.data, dout.data, this.mask, dout.size);
    return dx;
  }
}
