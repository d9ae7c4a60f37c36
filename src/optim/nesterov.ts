/**
 * Nesterov's accelerated gradient in the form of Bengio et al. (arXiv 1212.0901), as the
 * book's code has it: p holds the look-ahead point theta + momentum v, so the gradient the
 * caller computed at p is already the gradient at the look-ahead.
 *   p <- p + momentum^2 v - (1 + momentum) lr g
 *   v <- momentum v - lr g
 * NOTE: v is updated after p, with the old v in p's update (the book's code was fixed to this
 * order in January 2021; copies from before update v first, which is wrong).
 */
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export class Nesterov extends SlotOptimizer {
  readonly name = 'nesterov';
  protected readonly slotNames: readonly string[] = ['v'];

  /** The book's defaults: lr 0.01, momentum 0.9. */
  constructor(
    readonly lr = 0.01,
    readonly momentum = 0.9,
  ) {
    super();
    checkHyper('Nesterov', 'lr', lr, 0, Infinity, true);
    checkHyper('Nesterov', 'momentum', momentum, 0, 1);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr, momentum: this.momentum };
  }

  protected step(p: FloatArray, g: FloatArray, [v]: FloatArray[]): void {
    const { lr, momentum } = this;
    const vScale = momentum * momentum;
    const gScale = (1 + momentum) * lr;
    // The book's operations one at a time, so float64 results match its NumPy code.
    for (let i = 0; i < p.length; i++) {
      p[i] += vScale * v[i];
      p[i] -= gScale * g[i];
      v[i] *= momentum;
      v[i] -= lr * g[i];
    }
  }
}
