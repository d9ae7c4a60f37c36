/**
 * An optimiser by name, as the book's Trainer picks one: 'sgd', 'momentum', 'nesterov',
 * 'adagrad', 'rmsprop' or 'adam' (any case), with hyperparameters by the book's names and
 * the book's defaults for the rest. `makeOptimizer(o.name, o.hyper())` rebuilds optimiser o.
 */
import { AdaGrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Momentum } from './momentum.js';
import { Nesterov } from './nesterov.js';
import { OPTIMIZER_NAMES, type Optimizer, type OptimizerName } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export interface Hyperparameters {
  lr?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
}

/** Which hyperparameters each optimiser takes, in its constructor's order. */
export const OPTIMIZER_HYPERPARAMETERS: Readonly<Record<OptimizerName, readonly (keyof Hyperparameters)[]>> = {
  sgd: ['lr'],
  momentum: ['lr', 'momentum'],
  nesterov: ['lr', 'momentum'],
  adagrad: ['lr'],
  rmsprop: ['lr', 'decayRate'],
  adam: ['lr', 'beta1', 'beta2'],
};

/**
 * @throws RangeError for an unknown name, a hyperparameter the optimiser does not take, or a
 * value out of range (each message names it).
 */
export function makeOptimizer(name: string, hyper: Hyperparameters = {}): Optimizer {
  const key = String(name).toLowerCase();
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(key)) {
    throw new RangeError(`optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got '${name}'`);
  }
  const kind = key as OptimizerName;
  const allowed: readonly string[] = OPTIMIZER_HYPERPARAMETERS[kind];
  for (const [h, value] of Object.entries(hyper)) {
    if (value !== undefined && !allowed.includes(h)) {
      throw new RangeError(`optimizer ${kind} takes ${allowed.join(', ')}; got '${h}'`);
    }
  }
  const { lr, momentum, decayRate, beta1, beta2 } = hyper;
  switch (kind) {
    case 'sgd':
      return new SGD(lr);
    case 'momentum':
      return new Momentum(lr, momentum);
    case 'nesterov':
      return new Nesterov(lr, momentum);
    case 'adagrad':
      return new AdaGrad(lr);
    case 'rmsprop':
      return new RMSprop(lr, decayRate);
    case 'adam':
      return new Adam(lr, beta1, beta2);
  }
}
