/**
 * Sigmoid (book 5.5.2): y = 1 / (1 + exp(-x)). Its derivative needs only the output:
 * dy/dx = y (1 - y), so forward keeps y.
 */
import { Matrix } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import { BufferPool, type Layer } from './layer.js';

export class Sigmoid implements Layer {
  out: Matrix | null = null;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();

  forward(x: Matrix): Matrix {
    const y = this.outputs.get(x.rows, x.cols, x.dtype);
    kernels().sigmoidForward(y.data, x.data, x.size);
    this.out = y;
    return y;
  }

  backward(dout: Matrix): Matrix {
    const y = this.out;
    if (y === null || y.size !== dout.size) {
      throw new Error('Sigmoid.backward: call forward with a batch of the same shape first');
    }
    const dx = this.grads.get(dout.rows, dout.cols, dout.dtype);
    kernels().sigmoidBackward(dx.data, dout.data, y.data, dout.size);
    return dx;
  }
}
