/**
 * Affine (book 5.6.1): Y = X W + b, b added to every row.
 *   X: N x D, W: D x H, b: 1 x H, Y: N x H.
 * Backward, from dY = dL/dY:
 *   dX = dY W^T    (N x D)
 *   dW = X^T dY    (D x H)
 *   db = sum over the N rows of dY   (1 x H)
 *
 * W and b are the very matrices the network lists as its parameters (shared, not copied):
 * the optimiser updates them in place and the numerical gradient perturbs them here.
 */
import { Matrix, assertShape } from '../kernels/matrix.js';
import { kernels } from '../kernels/backend.js';
import { BufferPool, type Layer } from './layer.js';

export class Affine implements Layer {
  readonly dW: Matrix;
  readonly db: Matrix;
  private x: Matrix | null = null;
  private readonly outputs = new BufferPool();
  private readonly grads = new BufferPool();

  constructor(
    readonly W: Matrix,
    readonly b: Matrix,
  ) {
    assertShape('Affine: b', b, 1, W.cols);
    if (b.dtype !== W.dtype) throw new TypeError('Affine: W and b must have the same dtype');
    this.dW = Matrix.zeros(W.rows, W.cols, W.dtype);
    this.db = Matrix.zeros(1, W.cols, W.dtype);
  }

  forward(x: Matrix): Matrix {
    const { W, b } = this;
    assertShape('Affine.forward: x', x, x.rows, W.rows);
    this.x = x;
    const y = this.outputs.get(x.rows, W.cols, W.dtype);
    kernels().matmul(y.data, x.data, W.data, x.rows, W.rows, W.cols);
    kernels().addRowVector(y.data, b.data, x.rows, W.cols);
    return y;
  }

  /** Computes dW, db and returns dX. */
  backward(dout: Matrix): Matrix {
    this.backwardParams(dout);
    const { W } = this;
    const dx = this.grads.get(dout.rows, W.rows, W.dtype);
    kernels().matmulTransB(dx.data, dout.data, W.data, dout.rows, W.cols, W.rows);
    return dx;
  }

  /**
   * Computes dW and db only. The network calls this on its first layer, whose dX (the
   * derivative with respect to the pixels) nothing would use.
   */
  backwardParams(dout: Matrix): void {
    const x = this.x;
    if (x === null || x.rows !== dout.rows) {
      throw new Error('Affine.backward: call forward with a batch of the same size first');
    }
    assertShape('Affine.backward: dout', dout, x.rows, this.W.cols);
    kernels().matmulTransA(this.dW.data, x.data, dout.data, x.rows, this.W.rows, this.W.cols);
    kernels().sumColumns(this.db.data, dout.data, dout.rows, this.W.cols);
  }
}
