/**
 * RMSprop (book 6.1.5, Tieleman & Hinton): AdaGrad with a leaky h, an exponential moving
 * average of g g, so old gradients fade and the step does not shrink to nothing.
 *   h <- decayRate h + (1 - decayRate) g g
 *   p <- p - lr g / (sqrt(h) + 1e-7)
 */
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export const RMSPROP_EPSILON = 1e-7;

export class RMSprop extends SlotOptimizer {
  readonly name = 'rmsprop';
  protected readonly slotNames: readonly string[] = ['h'];

  /** The book's defaults: lr 0.01, decayRate 0.99. */
  constructor(
    readonly lr = 0.01,
    readonly decayRate = 0.99,
  ) {
    super();
    checkHyper('RMSprop', 'lr', lr, 0, Infinity, true);
    checkHyper('RMSprop', 'decayRate', decayRate, 0, 1);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr, decayRate: this.decayRate };
  }

  protected step(p: FloatArray, g: FloatArray, [h]: FloatArray[]): void {
    const { lr, decayRate } = this;
    const gScale = 1 - decayRate;
    for (let i = 0; i < p.length; i++) {
      h[i] *= decayRate;
      h[i] += gScale * g[i] * g[i];
      p[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + RMSPROP_EPSILON);
    }
  }
}
