/**
 * AdaGrad (book 6.1.5): each entry's step shrinks with the sum h of its squared gradients,
 * so often-moved entries slow down first.
 *   h <- h + g g
 *   p <- p - lr g / (sqrt(h) + 1e-7)
 * NOTE: the 1e-7 keeps the first step finite where g = 0 (h = 0).
 */
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export const ADAGRAD_EPSILON = 1e-7;

export class AdaGrad extends SlotOptimizer {
  readonly name = 'adagrad';
  protected readonly slotNames: readonly string[] = ['h'];

  /** The book's default: lr 0.01. */
  constructor(readonly lr = 0.01) {
    super();
    checkHyper('AdaGrad', 'lr', lr, 0, Infinity, true);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr };
  }

  protected step(p: FloatArray, g: FloatArray, [h]: FloatArray[]): void {
    const { lr } = this;
    for (let i = 0; i < p.length; i++) {
      h[i] += g[i] * g[i];
      p[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + ADAGRAD_EPSILON);
    }
  }
}
