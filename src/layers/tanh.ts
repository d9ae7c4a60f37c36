/**
 * Tanh: y = tanh(x), the zero-centred S-curve that chapter 6 of the book sets beside the
 * sigmoid when it discusses weight initialisation. Like the sigmoid, its derivative needs only
 * the output: dy/dx = 1 - y^2, so forward keeps y and backward gives dx = dout (1 - y^2).
 *
 * The kernel interface has no tanh yet, so the two loops live here; when a fast backend gains
 * one, this layer calls it the way Sigmoid calls sigmoidForward/sigmoidBackward.
 */
import type { Matrix } from '../kernels/matrix.js';
import { BufferPool, type Layer } from './layer.js';

export class Tanh implements Layer {
  out: Matrix | null = null;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();

  forward(x: Matrix): Matrix {
    const y = this.outputs.get(x.rows, x.cols, x.dtype);
    for (let i = 0; i < x.size; i++) y.data[i] = Math.tanh(x.data[i]);
    this.out = y;
    return y;
  }

  backward(dout: Matrix): Matrix {
    const y = this.out;
    if (y === null || y.size !== dout.size) {
      throw new Error('Tanh.backward: call forward with a batch of the same shape first');
    }
    // Written into a buffer of our own: dout belongs to the caller.
    const dx = this.grads.get(dout.rows, dout.cols, dout.dtype);
    for (let i = 0; i < dout.size; i++) dx.data[i] = dout.data[i] * (1 - y.data[i] * y.data[i]);
    return dx;
  }
}
