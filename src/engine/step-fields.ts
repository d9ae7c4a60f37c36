/**
 * What the team block carries of the optimizer for each step (layout.ts's LR .. LAMBDA, read
 * by src/wasm/optim.as.ts), and the slots each optimizer keeps, by their names in the
 * reference's state (optim/*.ts).
 */
import type { OptimizerName } from '../optim/optimizer.js';

export const SLOT_NAMES: Readonly<Record<OptimizerName, readonly string[]>> = {
  sgd: [],
  momentum: ['v'],
  nesterov: ['v'],
  adagrad: ['h'],
  rmsprop: ['h'],
  adam: ['m', 'v'],
};

/**
 * The float32 hyperparameter fields of a step, by team field name: the products of
 * hyperparameters computed in float64 (as the reference does), t Adam's update count for this
 * step (lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), BOOK6.md).
 */
export function stepHyper(optimizer: OptimizerName, hyper: Readonly<Record<string, number>>, weightDecayLambda: number, t: number): Record<string, number> {
  const { lr = 0, momentum = 0, decayRate = 0, beta1 = 0, beta2 = 0 } = hyper;
  return {
    LR: lr,
    MOMENTUM: momentum,
    V_SCALE: momentum * momentum,
    G_SCALE: (1 + momentum) * lr,
    DECAY_RATE: decayRate,
    H_RATE: 1 - decayRate,
    M_RATE: 1 - beta1,
    V_RATE: 1 - beta2,
    LR_T: optimizer === 'adam' ? (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t) : 0,
    LAMBDA: weightDecayLambda,
  };
}
