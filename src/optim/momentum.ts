/**
 * Momentum SGD (book 6.1.4): a velocity v that the gradient accelerates and `momentum`
 * slows, like a ball rolling down the loss:
 *   v <- momentum v - lr g
 *   p <- p + v
 */
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export class Momentum extends SlotOptimizer {
  readonly name = 'momentum';
  protected readonly slotNames: readonly string[] = ['v'];

  /** The book's defaults: lr 0.01, momentum 0.9. */
  constructor(
    readonly lr = 0.01,
    readonly momentum = 0.9,
  ) {
    super();
    checkHyper('Momentum', 'lr', lr, 0, Infinity, true);
    checkHyper('Momentum', 'momentum', momentum, 0, 1);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr, momentum: this.momentum };
  }

  protected step(p: FloatArray, g: FloatArray, [v]: FloatArray[]): void {
    const { lr, momentum } = this;
    for (let i = 0; i < p.length; i++) {
      v[i] = momentum * v[i] - lr * g[i];
      p[i] += v[i];
    }
  }
}
