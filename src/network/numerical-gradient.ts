/**
 * Numerical differentiation (book 4.3): the central difference
 *   df/dp ~ (f(p + h) - f(p - h)) / 2h,   h = 1e-4,
 * one entry of p at a time. Slow (two evaluations of f per entry) and exactly why backprop
 * exists; kept as the independent check of every backward pass.
 */
import { Matrix } from '../kernels/matrix.js';

export const NUMERICAL_H = 1e-4;

/**
 * The gradient of f with respect to p, perturbing p in place and restoring each entry.
 * f must read p (shared storage), not a copy of it.
 */
export function numericalGradient(f: () => number, p: Matrix, h = NUMERICAL_H): Matrix {
  const grad = Matrix.zeros(p.rows, p.cols, p.dtype);
  const { data } = p;
  for (let i = 0; i < data.length; i++) {
    const saved = data[i];
    data[i] = saved + h;
    const fPlus = f();
    data[i] = saved - h;
    const fMinus = f();
    data[i] = saved;
    grad.data[i] = (fPlus - fMinus) / (2 * h);
  }
  return grad;
}
