/**
 * Counts the correctly classified images of a range of a split, with the active backend: the
 * fused net's byte kernel when the backend has one and it can run the net (fused-spec.ts),
 * else the layers (MultiLayerNet.countCorrect on float chunks of EVAL_CHUNK rows, test mode).
 * The main thread and every evaluation worker (eval-pool.ts) count their share of a split with
 * one of these.
 *
 * Each image's prediction depends on that image and the weights only, never on which chunk or
 * thread it was counted in: the count of a split is the same for any split into ranges.
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../data/batches.js';
import { fusedTwoLayerNet } from '../kernels/backend.js';
import type { FusedTwoLayerNet, ParamArrays } from '../kernels/fused.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Yield } from './engine.js';
import { fusedCountShape } from './fused-spec.js';

/** Rows per float chunk on the layer path: memory stays small, the event loop gets its turns. */
export const EVAL_CHUNK = 1000;

/** Images per fused call between two chances to yield (about 5 ms of work). */
const FUSED_CHUNK = 5000;

export class RangeCounter {
  private readonly fused: FusedTwoLayerNet | null;
  private builder: BatchBuilder | null = null;

  /** Counts for the weights (and batch norm's running stats) that `net` holds at the time of each `count` call. */
  constructor(
    readonly split: Split,
    readonly net: MultiLayerNet,
  ) {
    const shape = fusedCountShape(net, 1);
    this.fused = shape === null ? null : fusedTwoLayerNet(shape, net.dtype);
  }

  /** Frees the fused net's wasm memory; the counter must not be used afterwards. */
  release(): void {
    this.fused?.release();
  }

  /** Correct predictions among images start .. start + count - 1. */
  async count(start: number, count: number, yielder?: Yield): Promise<number> {
    const { split, fused } = this;
    let correct = 0;
    if (fused !== null) {
      fused.setParams(twoLayerArrays(this.net));
      for (let done = 0; done < count; done += FUSED_CHUNK) {
        correct += fused.countCorrect(split.images, split.labels, start + done, Math.min(FUSED_CHUNK, count - done));
        await yielder?.maybeYield();
      }
      return correct;
    }
    this.builder ??= new BatchBuilder(split, Math.min(EVAL_CHUNK, Math.max(1, split.count)), this.net.dtype);
    for (let done = 0; done < count; done += this.builder.capacity) {
      const { x, t } = this.builder.range(start + done, Math.min(this.builder.capacity, count - done));
      correct += this.net.countCorrect(x, t);
      await yielder?.maybeYield();
    }
    return correct;
  }
}

/** W1, b1, W2, b2 of a one-hidden-layer net: its own arrays (no copy), as the fused net takes them. */
export function twoLayerArrays(net: MultiLayerNet): ParamArrays {
  const { W1, b1, W2, b2 } = net.params;
  if (W1 === undefined || b1 === undefined || W2 === undefined || b2 === undefined || net.plan.params.length !== 4) {
    throw new RangeError(`twoLayerArrays: the net ${net.plan.sizes.join('-')} is not a one-hidden-layer net`);
  }
  return { W1: W1.data, b1: b1.data, W2: W2.data, b2: b2.data };
}
