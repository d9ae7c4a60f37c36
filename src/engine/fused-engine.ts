/**
 * The engine of the fused wasm TwoLayerNet (kernels/fused.ts, wasm-fused.ts): the book's
 * chapter-5 network (one hidden ReLU layer, SGD, no weight decay, batch norm or dropout:
 * fused-spec.ts) trained by one backend call a step, its weights kept in wasm memory and
 * copied back to the run's net by sync().
 *
 * Threads: every step and every measurement is shared by a team of threads (wasm-team.ts), at
 * most one per core, but for the measurements the trainer lets run alongside: the helpers count
 * them while this thread trains alone (team-measurer.ts), and the team shares the steps again
 * once they are done.
 *
 * This adapter goes once the wasm program (program-engine.ts), which gives the same bits for
 * this network, runs it as fast.
 */
import { availableParallelism } from 'node:os';
import type { Split } from '../data/dataset.js';
import { fusedTwoLayerNet } from '../kernels/backend.js';
import { freeCores } from '../kernels/free-cores.js';
import type { FusedNetShape, FusedTwoLayerNet } from '../kernels/fused.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { TeamMeasurer } from './team-measurer.js';
import { twoLayerArrays } from './count-correct.js';
import type { Engine, EngineInit, MeasureRequest, Measurement } from './engine.js';
import { measurementOf } from './measurement.js';

/**
 * The threads of the fused path's team: `threads`, but one a core at most, one per free core at
 * the start (kernels/free-cores.ts: a core another process holds makes the threads wait for each
 * other; the pacer, team-pacer.ts, handles load that comes later), and one per 3 vectors of
 * hidden units at most (4 for the book's 50: a thread's run of fewer makes its sums wait on
 * their own additions, simd.as.ts; a guess, as only 2 cores were at hand to measure).
 */
export function teamSize(threads: number, hidden: number, free = availableParallelism()): number {
  return Math.max(1, Math.min(threads, availableParallelism(), free, Math.floor(Math.ceil(hidden / 4) / 3)));
}

export class FusedEngine implements Engine {
  readonly executor = 'fused';
  private readonly measurer: TeamMeasurer;
  /** Steps that updated the weights: the net's iteration at sync() is its first one plus these. */
  private steps = 0;
  private readonly firstIteration: number;

  private constructor(
    private readonly fused: FusedTwoLayerNet,
    private readonly net: MultiLayerNet,
    private readonly train: Split,
    private readonly lr: number,
    private readonly maxLoss: number,
    measurer: TeamMeasurer,
  ) {
    this.measurer = measurer;
    this.firstIteration = net.iteration;
  }

  /** The weights go into wasm memory, the team starts and the splits' sparse copies are made. */
  static async open(init: EngineInit, shape: FusedNetShape): Promise<FusedEngine> {
    const { net, optimizer, dataset } = init;
    const fused = fusedTwoLayerNet(shape, net.dtype);
    if (fused === null) throw new Error('FusedEngine: the active backend has no fused net');
    try {
      fused.setParams(twoLayerArrays(net));
      const ready = fused.useThreads(teamSize(init.threads, shape.hiddenSize, init.threads > 1 ? freeCores() : 1));
      try {
        // While the helpers start (~30 ms), the images' copies in the fused net's form are made.
        fused.prepare(dataset.train.images, dataset.train.labels);
        fused.prepare(dataset.test.images, dataset.test.labels);
      } catch (e) {
        await ready.catch(() => {}); // the first error is the one to tell
        throw e;
      }
      await ready;
    } catch (e) {
      await fused.useThreads(1).catch(() => {});
      fused.release();
      throw e;
    }
    const { lr } = optimizer.hyper();
    return new FusedEngine(fused, net, dataset.train, lr, init.maxLoss, new TeamMeasurer(fused, dataset));
  }

  get threads(): number {
    return this.fused.threads;
  }

  step(rows: Int32Array): number {
    const { train } = this;
    const loss = this.fused.trainStep(train.images, train.labels, rows, this.lr, this.maxLoss);
    if (loss <= this.maxLoss) this.steps++;
    return loss;
  }

  measure(request: MeasureRequest): Measurement {
    const alongside = request.alongside && this.measurer.countsAlongside;
    return measurementOf(this.measurer.accuracies(alongside ? undefined : request.yielder, alongside), alongside, () => this.measurer.finish());
  }

  sync(): void {
    this.fused.getParams(twoLayerArrays(this.net));
    this.net.iteration = this.firstIteration + this.steps;
  }

  async close(): Promise<void> {
    await this.fused.useThreads(1);
    this.fused.release();
    await this.measurer.close();
  }
}
