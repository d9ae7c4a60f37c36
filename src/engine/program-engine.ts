/**
 * The engine of the wasm program executor (wasm-program.ts): any fully connected float32 net
 * (any depth, relu / sigmoid / tanh, weight decay, batch norm, dropout), with any of the six
 * optimizers, trained by one wasm call a step. The parameters, batch norm's running statistics
 * and the optimizer's state live in program memory from open() on; sync() copies them (and
 * the net's iteration, the dropout masks' clock) back to the run's net and optimizer.
 *
 * Threads: a team (team-size.ts, by the widest layer and the free cores) shares every step and
 * in-line count; a measurement the trainer lets run alongside is counted by the helpers on a
 * copy of the weights (team-measurer.ts) while this thread trains.
 * The weights after any step are the same bits for every team size.
 */
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { Hyperparameters } from '../optim/make-optimizer.js';
import { freeCores } from '../kernels/free-cores.js';
import type { Dataset, Split } from '../data/dataset.js';
import type { Engine, EngineInit, MeasureRequest, Measurement } from './engine.js';
import { teamSize } from './team-size.js';
import { measurementOf } from './measurement.js';
import { TeamMeasurer } from './team-measurer.js';
import { bufferArrays, paramArrays, programRuns, WasmProgram } from './wasm-program.js';

/** The optimizer's hyperparameters, under the names WasmProgram takes. */
function hyperOf(optimizer: Optimizer): Hyperparameters {
  const { lr, momentum, decayRate, beta1, beta2 } = optimizer.hyper();
  return { lr, momentum, decayRate, beta1, beta2 };
}

/**
 * The program's optimizer state with its tensors in the reference optimizer's order, parameter
 * by parameter (m.W1, v.W1, m.b1, ...): model files list them in the order state() gives them.
 */
function paramMajor(state: OptimizerState, params: readonly string[]): OptimizerState {
  const slots = [...new Set(Object.keys(state.tensors).map((key) => key.split('.')[0]))];
  const tensors: OptimizerState['tensors'] = {};
  for (const name of params) {
    for (const slot of slots) {
      const tensor = state.tensors[`${slot}.${name}`];
      if (tensor !== undefined) tensors[`${slot}.${name}`] = tensor;
    }
  }
  return { scalars: state.scalars, tensors };
}

export class ProgramEngine implements Engine {
  readonly executor = 'program';
  /** Steps that updated the weights: the net's iteration at sync() is its first one plus these. */
  private steps = 0;
  private readonly firstIteration: number;
  private readonly measurer: TeamMeasurer;

  private constructor(
    private readonly program: WasmProgram,
    private readonly net: MultiLayerNet,
    private readonly optimizer: Optimizer,
    private readonly train: Split,
    private readonly maxLoss: number,
    dataset: Dataset,
  ) {
    this.firstIteration = net.iteration;
    this.measurer = new TeamMeasurer(program, dataset);
  }

  /**
   * Loads the net's params and the optimizer's state into a program, starts its team and makes
   * the splits' sparse copies. `free`: the cores others leave free (freeCores() by default).
   */
  static async open(init: EngineInit, free?: number): Promise<ProgramEngine> {
    const { net, optimizer, dataset } = init;
    if (!programRuns(net)) throw new Error('ProgramEngine: the wasm program runs float32 nets only');
    const program = new WasmProgram({
      ...net.spec,
      optimizer: optimizer.name,
      hyper: hyperOf(optimizer),
      weightDecayLambda: net.weightDecayLambda,
      maxBatch: init.batchSize,
      seed: net.seed,
    });
    try {
      const widest = Math.max(...net.spec.hiddenSizeList, net.spec.outputSize);
      const threads = teamSize(init.threads, widest, free ?? (init.threads > 1 ? freeCores() : 1));
      // The helpers start first (useThreads rewrites the layout), then the state goes in.
      const ready = program.useThreads(threads);
      try {
        program.prepare(dataset.train);
        program.prepare(dataset.test);
        if (dataset.validation !== undefined) program.prepare(dataset.validation);
      } catch (e) {
        await ready.catch(() => {}); // the first error is the one to tell
        throw e;
      }
      await ready;
      program.setParams(paramArrays(net));
      program.setBuffers(bufferArrays(net));
      program.loadOptimizerState(optimizer.state());
      program.iteration = net.iteration;
    } catch (e) {
      await program.release();
      throw e;
    }
    return new ProgramEngine(program, net, optimizer, dataset.train, init.maxLoss, dataset);
  }

  get threads(): number {
    return this.program.threads;
  }

  step(rows: Int32Array): number {
    const loss = this.program.step(this.train, rows, this.maxLoss);
    if (loss <= this.maxLoss) this.steps++;
    return loss;
  }

  measure(request: MeasureRequest): Measurement {
    const alongside = request.alongside && this.measurer.countsAlongside;
    return measurementOf(this.measurer.accuracies(alongside ? undefined : request.yielder, alongside), alongside, () => this.measurer.finish());
  }

  sync(): void {
    const params = this.program.getParams();
    for (const [name, m] of Object.entries(this.net.params)) m.data.set(params[name]);
    const buffers = this.program.getBuffers();
    for (const [name, m] of Object.entries(this.net.buffers)) m.data.set(buffers[name]);
    this.optimizer.loadState(paramMajor(this.program.optimizerState(), Object.keys(this.net.params)));
    this.net.iteration = this.firstIteration + this.steps;
  }

  async close(): Promise<void> {
    await this.program.release();
    await this.measurer.close();
  }
}
