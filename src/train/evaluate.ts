/**
 * Accuracy on a whole split, in chunks of rows so that memory stays small and the event
 * loop gets a turn between chunks (progress bars redraw, Ctrl-C is heard).
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../data/batches.js';
import type { TwoLayerNet } from '../network/two-layer-net.js';
import type { Yielder } from './yielder.js';

export const EVAL_CHUNK = 1000;

export class Evaluator {
  private readonly builder: BatchBuilder;

  constructor(readonly split: Split) {
    this.builder = new BatchBuilder(split, Math.min(EVAL_CHUNK, Math.max(1, split.count)));
  }

  async accuracy(net: TwoLayerNet, yielder: Yielder): Promise<number> {
    const { count } = this.split;
    let correct = 0;
    for (let start = 0; start < count; start += this.builder.capacity) {
      const n = Math.min(this.builder.capacity, count - start);
      const { x, t } = this.builder.range(start, n);
      correct += net.countCorrect(x, t);
      await yielder.maybeYield();
    }
    return count === 0 ? 0 : correct / count;
  }
}
