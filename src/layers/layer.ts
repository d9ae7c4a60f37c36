/**
 * What a network layer is: forward(x) keeps what backward needs, backward(dout) returns the
 * derivative of the loss with respect to x. Backward is called in the reverse order of
 * forward, with dout = dL/d(this layer's output).
 *
 * Outputs live in buffers the layer owns and reuses (one per batch size), so a training
 * loop allocates nothing after its first iteration. A returned Matrix is valid until the
 * layer's next call with the same batch size: copy it to keep it.
 */
import { Matrix, type DType } from '../kernels/matrix.js';

export interface Layer {
  forward(x: Matrix): Matrix;
  backward(dout: Matrix): Matrix;
}

/** Output buffers keyed by row count: training batches and evaluation chunks each get one. */
export class BufferPool {
  private readonly byRows = new Map<number, Matrix>();

  get(rows: number, cols: number, dtype: DType): Matrix {
    let m = this.byRows.get(rows);
    if (m === undefined || m.cols !== cols || m.dtype !== dtype) {
      m = Matrix.zeros(rows, cols, dtype);
      this.byRows.set(rows, m);
    }
    return m;
  }
}

/** Byte masks keyed by length (Relu). */
export class MaskPool {
  private readonly byLength = new Map<number, Uint8Array>();

  get(length: number): Uint8Array {
    let m = this.byLength.get(length);
    if (m === undefined) {
      m = new Uint8Array(length);
      this.byLength.set(length, m);
    }
    return m;
  }
}
