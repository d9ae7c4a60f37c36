/**
 * The computational-graph layers on plain numbers (book section 5.4): MulLayer and AddLayer.
 * They show backprop at its smallest: each node multiplies the incoming derivative by its
 * local derivative. See the apple example in the tests and the README.
 */

export class MulLayer {
  private x = 0;
  private y = 0;

  /** out = x * y; keeps x and y for backward. */
  forward(x: number, y: number): number {
    this.x = x;
    this.y = y;
    return x * y;
  }

  /** d(x*y)/dx = y and d(x*y)/dy = x, each times dout. Returns [dx, dy]. */
  backward(dout: number): [number, number] {
    return [dout * this.y, dout * this.x];
  }
}

export class AddLayer {
  /** out = x + y. */
  forward(x: number, y: number): number {
    return x + y;
  }

  /** Addition passes the derivative through unchanged: [dout, dout]. */
  backward(dout: number): [number, number] {
    return [dout, dout];
  }
}
