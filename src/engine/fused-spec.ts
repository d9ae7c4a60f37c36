/**
 * Which networks the fused wasm TwoLayerNet (kernels/fused.ts) can run: it hard-codes
 * Affine1 -> Relu1 -> Affine2 with SoftmaxWithLoss, so it counts any one-hidden-layer ReLU net
 * without batch norm or dropout (the initialisation only sets where the weights start), and it
 * trains only those with plain SGD and no weight decay (its update is SGD, written in). Every
 * other network runs on the wasm program (program-engine.ts), or on the layers (js-engine.ts)
 * with batch norm or dropout; the program is to replace the fused net (it gives the same bits).
 */
import type { FusedNetShape } from '../kernels/fused.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Optimizer } from '../optim/optimizer.js';

/** The fused net's shape for counting with `net`'s weights, or null when it cannot run this net. */
export function fusedCountShape(net: MultiLayerNet, maxBatch: number): FusedNetShape | null {
  const { spec } = net;
  if (net.dtype !== 'float32' || spec.hiddenSizeList.length !== 1 || spec.activation !== 'relu') return null;
  if (spec.useBatchnorm || spec.useDropout) return null;
  return { inputSize: spec.inputSize, hiddenSize: spec.hiddenSizeList[0], outputSize: spec.outputSize, maxBatch };
}

/** The fused net's shape for training `net` with `optimizer`, or null when it cannot. */
export function fusedTrainShape(net: MultiLayerNet, optimizer: Optimizer, maxBatch: number): FusedNetShape | null {
  if (optimizer.name !== 'sgd' || net.weightDecayLambda !== 0) return null;
  return fusedCountShape(net, maxBatch);
}
