/**
 * Initial weights (book 6.2): W_i = scale_i * N(0, 1), b_i = 0 (batch norm: gamma_i = 1, beta_i = 0), with
 *   a number s     scale_i = s for every layer (the book's 0.01 of chapter 5)
 *   'he', 'relu'   scale_i = sqrt(2 / n_{i-1})   (He et al., for ReLU)
 *   'xavier', 'sigmoid'  scale_i = sqrt(1 / n_{i-1})   (Glorot & Bengio, for sigmoid and tanh)
 * NOTE: both named scales use the fan-in only (the previous layer's width n_{i-1}), the output
 * layer included, as the book does; Glorot's paper averages fan-in and fan-out.
 *
 * The weights are drawn in plan order, W1 row by row, then W2, ...; b_i draws nothing. So a
 * one-hidden-layer net with a numeric scale gets exactly TwoLayerNet's weights for a seed.
 */
import { Matrix, type DType } from '../kernels/matrix.js';
import type { Random } from '../data/random.js';
import type { NetPlan } from './plan.js';
import type { WeightInit } from './spec.js';

/** The standard deviation of a layer's weights, given the width of the layer before it. */
export function initScale(weightInitStd: WeightInit, fanIn: number): number {
  if (typeof weightInitStd === 'number') return weightInitStd;
  switch (weightInitStd.toLowerCase()) {
    case 'he':
    case 'relu':
      return Math.sqrt(2 / fanIn);
    case 'xavier':
    case 'sigmoid':
      return Math.sqrt(1 / fanIn);
    default:
      throw new RangeError(`weightInitStd must be a number or one of he, relu, xavier, sigmoid, got '${weightInitStd}'`);
  }
}

/** Every parameter of the plan, keyed by name in plan order, weights drawn from `random`. */
export function initParams(plan: NetPlan, weightInitStd: WeightInit, random: Random, dtype: DType): Record<string, Matrix> {
  const params: Record<string, Matrix> = {};
  for (const p of plan.params) {
    const m = Matrix.zeros(p.rows, p.cols, dtype);
    if (p.role === 'weight') {
      const scale = initScale(weightInitStd, p.fanIn);
      for (let i = 0; i < m.size; i++) m.data[i] = scale * random.nextGaussian();
    }
    if (p.role === 'gamma') m.data.fill(1); // batch norm's scale starts at 1, its beta at 0
    params[p.name] = m;
  }
  return params;
}
