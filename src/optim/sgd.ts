/**
 * Plain stochastic gradient descent (book 6.1.2): p <- p - lr * dL/dp, in place.
 */
import { kernels } from '../kernels/backend.js';
import { PARAM_NAMES, type Params } from '../network/two-layer-net.js';

export class SGD {
  constructor(readonly lr: number) {}

  update(params: Params, grads: Params): void {
    for (const name of PARAM_NAMES) {
      const p = params[name];
      kernels().sgdStep(p.data, grads[name].data, this.lr, p.size);
    }
  }
}
