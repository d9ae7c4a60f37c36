/**
 * Counts the correctly classified images of a range of a split, with the active backend: on
 * wasm, the wasm program's count (one thread) for every net it runs (program-engine.ts
 * programRuns), else the layers (MultiLayerNet.countCorrect on float chunks of EVAL_CHUNK
 * rows, test mode).
 * The main thread and every evaluation worker (eval-pool.ts) count their share of a split with
 * one of these.
 *
 * Each image's prediction depends on that image and the weights only, never on which chunk or
 * thread it was counted in: the count of a split is the same for any split into ranges.
 */
import type { Split } from '../data/dataset.js';
import { BatchBuilder } from '../kernels/batches.js';
import { kernels } from '../kernels/backend.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Yield } from './engine.js';
import { bufferArrays, paramArrays, programRuns, WasmProgram } from './wasm-program.js';

/** Rows per float chunk on the layer path: memory stays small, the event loop gets its turns. */
export const EVAL_CHUNK = 1000;

/** Images per program call between two chances to yield (about 5 ms of work). */
const PROGRAM_CHUNK = 5000;

export class RangeCounter {
  private readonly program: WasmProgram | null;
  private builder: BatchBuilder | null = null;

  /** Counts for the weights (and batch norm's running stats) that `net` holds at the time of each `count` call. */
  constructor(
    readonly split: Split,
    readonly net: MultiLayerNet,
  ) {
    this.program = kernels().name === 'wasm' && programRuns(net) ? new WasmProgram({ ...net.spec, maxBatch: 1, seed: net.seed }) : null;
  }

  /** Gives the program's wasm memory back; the counter must not be used afterwards. */
  async release(): Promise<void> {
    await this.program?.release();
  }

  /** Correct predictions among images start .. start + count - 1. */
  async count(start: number, count: number, yielder?: Yield): Promise<number> {
    const { split, program } = this;
    let correct = 0;
    if (program !== null) {
      program.setParams(paramArrays(this.net));
      program.setBuffers(bufferArrays(this.net));
      for (let done = 0; done < count; done += PROGRAM_CHUNK) {
        correct += program.countCorrect(split, start + done, Math.min(PROGRAM_CHUNK, count - done));
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
