/**
 * One training iteration, two ways:
 *
 * - LayerStep, the reference: a float batch from BatchBuilder, net.gradient (the layers'
 *   forward and backward), then SGD. Used by the 'js' backend and whenever the backend has no
 *   fused net.
 * - FusedStep: the same iteration as one backend call on the byte images (kernels/fused.ts),
 *   with the weights kept inside the backend and copied back to `net` by `sync()`.
 *
 * Both draw the batch the same way (BatchBuilder.sample: rows random.nextInt(count), in order),
 * so from the same sampler state they train on the same images. Neither updates the weights
 * when the loss is above `maxLoss` or NaN: the trainer then reports the divergence with the
 * weights as they were.
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../data/batches.js';
import type { Random } from '../data/random.js';
import { fusedTwoLayerNet } from '../kernels/backend.js';
import type { FusedTwoLayerNet, ParamArrays } from '../kernels/fused.js';
import type { TwoLayerNet } from '../network/two-layer-net.js';
import { SGD } from '../optim/sgd.js';

export interface TrainStep {
  /** 'layers' or 'fused': which path runs. */
  readonly path: 'layers' | 'fused';
  /** Draws a batch, backprops, updates (unless the loss is above maxLoss or NaN); returns the batch's mean loss. */
  step(sampler: Random): number;
  /** Makes net.params hold the current weights (a no-op on the layer path). */
  sync(): void;
  /** Frees what the step holds outside the JS heap (the fused net's wasm memory and helper threads). */
  release(): void | Promise<void>;
}

export class LayerStep implements TrainStep {
  readonly path = 'layers';
  private readonly batch: BatchBuilder;
  private readonly optimizer: SGD;

  constructor(
    private readonly net: TwoLayerNet,
    split: Split,
    batchSize: number,
    lr: number,
    private readonly maxLoss: number,
  ) {
    this.batch = new BatchBuilder(split, batchSize, net.dtype);
    this.optimizer = new SGD(lr);
  }

  step(sampler: Random): number {
    const x = this.batch.sample(sampler);
    const grads = this.net.gradient(x, this.batch.t);
    if (grads.loss <= this.maxLoss) this.optimizer.update(this.net.params, grads);
    return grads.loss;
  }

  sync(): void {}

  release(): void {}
}

export class FusedStep implements TrainStep {
  readonly path = 'fused';
  private readonly rows: Int32Array;

  constructor(
    private readonly net: TwoLayerNet,
    readonly fused: FusedTwoLayerNet,
    private readonly split: Split,
    batchSize: number,
    private readonly lr: number,
    private readonly maxLoss: number,
  ) {
    this.rows = new Int32Array(batchSize);
    fused.setParams(paramArrays(net));
  }

  step(sampler: Random): number {
    const { rows, split } = this;
    for (let r = 0; r < rows.length; r++) rows[r] = sampler.nextInt(split.count); // as BatchBuilder.sample
    return this.fused.trainStep(split.images, split.labels, rows, this.lr, this.maxLoss);
  }

  sync(): void {
    this.fused.getParams(paramArrays(this.net));
  }

  async release(): Promise<void> {
    await this.fused.useThreads(1);
    this.fused.release();
  }
}

/** The fused step when the active backend has one for this net, else the layer step. */
export function makeTrainStep(net: TwoLayerNet, split: Split, batchSize: number, lr: number, maxLoss = Infinity): TrainStep {
  const { W1, W2 } = net.params;
  const fused = fusedTwoLayerNet({ inputSize: W1.rows, hiddenSize: W1.cols, outputSize: W2.cols, maxBatch: batchSize }, net.dtype);
  return fused === null ? new LayerStep(net, split, batchSize, lr, maxLoss) : new FusedStep(net, fused, split, batchSize, lr, maxLoss);
}

/** The net's parameter arrays themselves (no copy). */
export function paramArrays(net: TwoLayerNet): ParamArrays {
  const { W1, b1, W2, b2 } = net.params;
  return { W1: W1.data, b1: b1.data, W2: W2.data, b2: b2.data };
}
