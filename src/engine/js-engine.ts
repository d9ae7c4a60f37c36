/**
 * The reference engine: MultiLayerNet's layers and the optimizer's update, on the kernels of
 * the active backend (js, or wasm's kernels one call per layer), training the run's own net and
 * optimizer in place. Any network and optimizer.
 *
 * Measurements: with `threads` > 1, threads - 1 workers count (eval-pool.ts) while this thread
 * trains on, when the trainer allows it (MeasureRequest.alongside); else this thread counts in
 * line. The step is single-threaded, so the other cores are free to measure meanwhile.
 */
import { availableParallelism } from 'node:os';
import { BatchBuilder } from '../kernels/batches.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Engine, EngineInit, MeasureRequest, Measurement } from './engine.js';
import { EvalPool } from './eval-pool.js';
import { measurementOf } from './measurement.js';

export class JsEngine implements Engine {
  readonly executor = 'layers';
  private readonly net: MultiLayerNet;
  private readonly optimizer: Optimizer;
  private readonly batch: BatchBuilder;
  private readonly pool: EvalPool;
  private readonly maxLoss: number;
  /** Batch norm's running stats before the step, to put back when it changes nothing (empty without batch norm). */
  private readonly savedBuffers: { live: Float32Array | Float64Array; saved: Float32Array | Float64Array }[];

  constructor(init: EngineInit) {
    const { net, optimizer, dataset, batchSize, maxLoss, threads } = init;
    this.net = net;
    this.optimizer = optimizer;
    this.maxLoss = maxLoss;
    this.batch = new BatchBuilder(dataset.train, batchSize, net.dtype);
    this.savedBuffers = Object.values(net.buffers).map((m) => ({ live: m.data, saved: m.data.slice() }));
    this.pool = new EvalPool(dataset, net, Math.min(threads, availableParallelism())); // no more counting threads than cores, as the wasm team
  }

  get threads(): number {
    return this.pool.threads;
  }

  step(rows: Int32Array): number {
    const { net } = this;
    const x = this.batch.gather(rows);
    for (const b of this.savedBuffers) b.saved.set(b.live);
    const grads = net.gradient(x, x.rows === this.batch.t.length ? this.batch.t : this.batch.t.subarray(0, x.rows));
    if (grads.loss <= this.maxLoss) {
      this.optimizer.update(net.params, grads);
    } else {
      // Nothing changes: the running stats moved in the forward pass, the masks' iteration advanced.
      for (const b of this.savedBuffers) b.live.set(b.saved);
      net.iteration -= 1;
    }
    return grads.loss;
  }

  measure(request: MeasureRequest): Measurement {
    const alongside = request.alongside && this.pool.countsAlongside;
    return measurementOf(this.pool.accuracies(alongside ? undefined : request.yielder), alongside);
  }

  sync(): void {}

  async close(): Promise<void> {
    await this.pool.close();
  }
}
