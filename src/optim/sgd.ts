/**
 * Plain stochastic gradient descent (book 6.1.2): p <- p - lr * dL/dp, in place. No state.
 * The step is the kernels' sgdStep, the very arithmetic the training path has always used.
 */
import { kernels } from '../kernels/backend.js';
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export class SGD extends SlotOptimizer {
  readonly name = 'sgd';
  protected readonly slotNames: readonly string[] = [];

  /** lr: the learning rate, the book's default 0.01. */
  constructor(readonly lr = 0.01) {
    super();
    checkHyper('SGD', 'lr', lr, 0, Infinity, true);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr };
  }

  protected step(p: FloatArray, g: FloatArray): void {
    kernels().sgdStep(p, g, this.lr, p.length);
  }
}
