/**
 * Adam (book 6.1.6; Kingma & Ba, arXiv 1412.6980): moving averages m of g and v of g g,
 * the step m / sqrt(v) with the bias of their zero start corrected. Once per update call:
 *   t <- t + 1;  lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * then for every entry of every parameter:
 *   m <- m + (1 - beta1)(g - m);  v <- v + (1 - beta2)(g g - v)
 *   p <- p - lr_t m / (sqrt(v) + 1e-7)
 * NOTE: as in the book's code, the correction is folded into lr_t and the 1e-7 is added to
 * sqrt of the uncorrected v: the paper's algorithm with eps = 1e-7 / sqrt(1 - beta2^t)
 * (3.2e-6 at t = 1, tending to 1e-7). PyTorch adds its eps after correcting v, so its first
 * steps differ slightly.
 */
import type { FloatArray } from '../kernels/matrix.js';
import { SlotOptimizer, checkHyper } from './optimizer.js';

export const ADAM_EPSILON = 1e-7;

export class Adam extends SlotOptimizer {
  readonly name = 'adam';
  protected readonly slotNames: readonly string[] = ['m', 'v'];
  /** Update calls so far (the book's `iter`). */
  private t = 0;
  private lrT = 0;

  /** The book's defaults: lr 0.001, beta1 0.9, beta2 0.999. */
  constructor(
    readonly lr = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
  ) {
    super();
    checkHyper('Adam', 'lr', lr, 0, Infinity, true);
    checkHyper('Adam', 'beta1', beta1, 0, 1);
    checkHyper('Adam', 'beta2', beta2, 0, 1);
  }

  hyper(): Record<string, number> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2 };
  }

  protected override beginUpdate(): void {
    this.t += 1;
    this.lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t);
  }

  protected override scalarState(): Record<string, number> {
    return { t: this.t };
  }

  protected override loadScalars(scalars: Record<string, number>): void {
    const { t, ...extra } = scalars;
    const unexpected = Object.keys(extra);
    if (unexpected.length > 0) throw new RangeError(`Adam.loadState: unexpected scalar '${unexpected[0]}'`);
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`Adam.loadState: t must be an integer >= 0, got ${t}`);
    this.t = t;
  }

  protected step(p: FloatArray, g: FloatArray, [m, v]: FloatArray[]): void {
    const { beta1, beta2, lrT } = this;
    const mRate = 1 - beta1;
    const vRate = 1 - beta2;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      m[i] += mRate * (gi - m[i]);
      v[i] += vRate * (gi * gi - v[i]);
      p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + ADAM_EPSILON);
    }
  }
}
