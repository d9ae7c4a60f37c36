/**
 * Train and test accuracy counted by the fused training net itself, with its weights as they
 * are and its team of threads (kernels/fused.ts, useThreads): the measurement of the fused
 * path. Training waits for it, and it has every core: a measurement on one worker alongside
 * training (eval-pool.ts) would take a core from the training step's team.
 */
import type { Dataset, Split } from '../data/dataset.js';
import type { FusedTwoLayerNet } from '../kernels/fused.js';
import type { Accuracies, Measurer } from './eval-pool.js';
import type { Yielder } from './yielder.js';

/** Images per count between two chances to yield (a few ms of work). */
const CHUNK = 5000;

export class TeamMeasurer implements Measurer {
  readonly countsAlongside = false;

  constructor(
    private readonly fused: FusedTwoLayerNet,
    private readonly dataset: Dataset,
  ) {}

  async accuracies(yielder?: Yielder): Promise<Accuracies> {
    const { train, test } = this.dataset;
    return { trainAcc: await this.accuracy(train, yielder), testAcc: await this.accuracy(test, yielder) };
  }

  private async accuracy(split: Split, yielder?: Yielder): Promise<number> {
    let correct = 0;
    for (let done = 0; done < split.count; done += CHUNK) {
      correct += this.fused.countCorrect(split.images, split.labels, done, Math.min(CHUNK, split.count - done));
      await yielder?.maybeYield();
    }
    return split.count === 0 ? 0 : correct / split.count;
  }

  async close(): Promise<void> {}
}
