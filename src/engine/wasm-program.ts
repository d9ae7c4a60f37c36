/**
 * The fast executor of a network plan: one region of program memory (layout.ts) holding the
 * parameters, their gradients, the optimizer's slots and every activation, and the programs
 * of program.ts that src/wasm/program.as.ts runs over them. A training step is one call over
 * what is already in wasm memory (the split's sparse copy, made once, and the batch's image
 * numbers); nothing is copied in or out per step. Parameters and optimizer state go in and
 * out only through setParams / getParams and loadOptimizerState / optimizerState, in the
 * reference's terms (network/multi-layer-net.ts and optim/*.ts: row-major, unpadded, named
 * W1, b1, ..., and `<slot>.<param>`).
 *
 * Steps and counts can be shared by a team of threads (useThreads, program-team.ts): the
 * weights after any step are the same bits for every team size.
 *
 * What it is not: a second definition of the network. It runs the plan's layers with the
 * reference's formulas; test/engine/ compares the two weight by weight.
 */
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { planNet, type NetPlan } from '../network/plan.js';
import { resolveSpec, type NetSpec } from '../network/spec.js';
import { makeOptimizer, type Hyperparameters } from '../optim/make-optimizer.js';
import type { OptimizerName, OptimizerState } from '../optim/optimizer.js';
import { COMMANDS, MAX_TEAM, TEAM, programLayout, type ProgramLayout } from './layout.js';
import { addressOf, encodeOps } from './encode.js';
import { countOps, stepOps, type FusionRule } from './program.js';
import { programFields, runsTables, updateRegions, w1ShiftsTable } from './tables.js';
import { programMemory, type ProgramMemory } from './program-memory.js';
import { ProgramTeam } from './program-team.js';
import { CountsAlongside, type Chunk, type CountingTeam } from './counts-alongside.js';
import { sparseSplit, type LabelledImages, type SparseSplit } from './sparse-split.js';
import { SLOT_NAMES, stepHyper } from './step-fields.js';
import { readStats, readTensors, writeStats, writeTensors, type TensorBuffer, type TensorRegion } from './tensors.js';

export type { LabelledImages } from './sparse-split.js';

export interface WasmProgramOptions extends NetSpec {
  /** 'sgd' (the default), 'momentum', 'nesterov', 'adagrad', 'rmsprop' or 'adam'. */
  optimizer?: OptimizerName;
  /** The optimizer's hyperparameters (the book's defaults for the rest). */
  hyper?: Hyperparameters;
  weightDecayLambda?: number;
  /** The largest batch a step will get. */
  maxBatch: number;
  /** The seed the dropout masks hash (the net's seed; default 1). */
  seed?: number;
  /** Fusion rules to leave out (tests). */
  without?: readonly FusionRule[];
  /**
   * With helpers: whether thread 0 times the steps and takes them alone when sharing does not
   * pay (kernels/team-pacer.ts; the default), or shares every step (false). No bit depends on it.
   */
  pace?: boolean;
}


/** Whether the program runs this net: any float32 net (any depth, activation, optimizer, weight decay, batch norm, dropout). */
export function programRuns(net: MultiLayerNet): boolean {
  return net.dtype === 'float32';
}

/** Batch norm's momentum in MultiLayerNet (the book's BatchNormalization default). */
const BN_MOMENTUM = 0.9;

/** The net's parameters' own arrays (no copy), by name, as setParams takes them. */
export function paramArrays(net: MultiLayerNet): Record<string, Float32Array | Float64Array> {
  return Object.fromEntries(Object.entries(net.params).map(([name, m]) => [name, m.data]));
}

/** The net's buffers' own arrays (batch norm's running statistics), by name, as setBuffers takes them. */
export function bufferArrays(net: MultiLayerNet): Record<string, Float32Array | Float64Array> {
  return Object.fromEntries(Object.entries(net.buffers).map(([name, m]) => [name, m.data]));
}

export class WasmProgram {
  readonly plan: NetPlan;
  readonly optimizer: OptimizerName;
  /** The hyperparameters, every one filled in (the optimizer's hyper()). */
  readonly hyper: Readonly<Record<string, number>>;
  readonly weightDecayLambda: number;
  readonly maxBatch: number;
  private readonly memory: ProgramMemory;
  private readonly without: readonly FusionRule[];
  private readonly slotNames: readonly string[];
  /** The region's start and size (room for the layout of any team size). */
  private readonly base: number;
  private readonly bytes: number;
  private layout: ProgramLayout;
  private readonly team: ProgramTeam;
  /** Adam's update count (the book's iter). */
  private adamT = 0;
  /** The iteration the next step's dropout masks hash: the net's iteration (+1 per step taken). */
  iteration = 0;
  private readonly seed: number;
  private released = false;
  /** Counts by the helpers alongside the steps (startCounts), until taken. */
  private alongside: CountsAlongside | null = null;
  /** The books' view of the team (counts-alongside.ts). */
  private readonly countingTeam: CountingTeam;
  private views: ReturnType<WasmProgram['currentViews']> | null = null;

  constructor(options: WasmProgramOptions) {
    const memory = programMemory();
    if (memory instanceof Error) throw memory;
    this.memory = memory;
    const { optimizer = 'sgd', hyper = {}, weightDecayLambda = 0, maxBatch, without = [], pace = true, seed = 1 } = options;
    this.seed = seed;
    this.plan = planNet(resolveSpec(options, 'WasmProgram'));
    this.optimizer = optimizer;
    this.hyper = makeOptimizer(optimizer, hyper).hyper(); // checks the names and values
    if (!Number.isFinite(weightDecayLambda) || weightDecayLambda < 0) {
      throw new RangeError(`WasmProgram: weightDecayLambda must be a finite number >= 0, got ${weightDecayLambda}`);
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`WasmProgram: maxBatch must be a positive integer, got ${maxBatch}`);
    this.weightDecayLambda = weightDecayLambda;
    this.maxBatch = maxBatch;
    this.without = without;
    this.slotNames = SLOT_NAMES[optimizer];
    let bytes = 0;
    for (let t = 1; t <= MAX_TEAM; t++) bytes = Math.max(bytes, this.layoutFor(t).bytes);
    this.bytes = bytes;
    this.base = memory.alloc(bytes);
    this.layout = this.layoutFor(1);
    this.team = new ProgramTeam(memory, this.base + this.layout.at.team, pace);
    this.writePrograms();
    this.countingTeam = {
      idle: () => this.team.idle(),
      helperCounts: () => this.team.helperCounts(),
      sendToHelpers: (chunk) => this.sendCount('copyCountProgram', 1, chunk.sparse, chunk.first, chunk.count),
      countNow: (chunk: Chunk) => {
        this.sendCount('copyCountProgram', 0, chunk.sparse, chunk.first, chunk.count);
        const correct = this.ownPart('count');
        this.team.check();
        return correct;
      },
    };
  }

  /** Where the tensors sit now (tensors.ts). */
  private get region(): TensorRegion {
    return { memory: this.memory, layout: this.layout, base: this.base, plan: this.plan };
  }

  private layoutFor(threads: number): ProgramLayout {
    return programLayout(this.plan, { threads, maxBatch: this.maxBatch, slots: this.slotNames.length, w1ByColumns: !this.without.includes('sparseInput') });
  }

  /** Zeroes the region (but the team block) and writes the programs and tables of the current layout. */
  private writePrograms(): void {
    const { memory, layout, base, plan } = this;
    const from = base + layout.at.stepProgram;
    memory.u8(from, base + this.bytes - from).fill(0);
    const options = { optimizer: this.optimizer, weightDecayLambda: this.weightDecayLambda, without: this.without };
    const a = (name: string): number => addressOf(layout, base, name);
    const write = (address: number, words: Int32Array): void => memory.i32(address, words.length).set(words);
    write(a('stepProgram'), encodeOps(stepOps(plan, layout, options), layout, base));
    write(a('countProgram'), encodeOps(countOps(plan, layout, 'params'), layout, base));
    write(a('copyCountProgram'), encodeOps(countOps(plan, layout, 'paramsCopy'), layout, base));
    write(a('runs'), runsTables(layout));
    write(a('w1Shifts'), w1ShiftsTable(layout));
    write(a('regions'), updateRegions(layout, false));
    write(a('regionsWithoutW1'), updateRegions(layout, true));
    memory.exports.fillScaleTable(a('table'));
    this.views = null;
    const { i32, f32, f64 } = this.currentViews();
    for (const [offset, value] of programFields(layout, base)) i32[offset / 4] = value;
    // The hyperparameters (Adam's LR_T changes at every step).
    for (const [field, value] of Object.entries(stepHyper(this.optimizer, this.hyper, this.weightDecayLambda, 1))) f32[TEAM[field] / 4] = value;
    f64[TEAM.HALF_LAMBDA / 8] = 0.5 * this.weightDecayLambda;
    f64[TEAM.BN_MOMENTUM / 8] = BN_MOMENTUM;
    const dropout = plan.layers.find((l) => l.kind === 'dropout');
    // u = m / 2^24 > ratio exactly when the integer m > floor(ratio 2^24).
    i32[TEAM.DROP_THRESHOLD / 4] = dropout === undefined ? 0 : Math.floor(dropout.dropoutRatio * 2 ** 24);
    i32[TEAM.DROP_SEED / 4] = this.seed | 0;
    for (const l of plan.layers) {
      if (l.kind !== 'dropout') continue;
      const { width, units, column } = layout.layers[l.index - 1];
      const words = new Int32Array(width).fill(-1);
      for (let j = 0; j < units; j++) words[column[j]] = j;
      write(a(`units${l.index}`), words);
    }
  }

  /** The threads that share each step and count. */
  get threads(): number {
    return this.team.threads;
  }

  /** Steps so far with helpers: shared, and taken by this thread alone. */
  get teamSteps(): { readonly shared: number; readonly alone: number } {
    return this.team.steps;
  }

  // ------------------------------------------------------------ parameters and state

  /** Copies the parameters in (row-major, unpadded, by plan name: W1, b1, ...). */
  setParams(params: Readonly<Record<string, ArrayLike<number>>>): void {
    this.team.quiesce();
    writeTensors(this.region, 'params', (name) => params[name], 'setParams');
  }

  /** A copy of the parameters, by plan name. */
  getParams(): Record<string, Float32Array> {
    this.team.quiesce();
    return readTensors(this.region, 'params');
  }

  /** Copies batch norm's running statistics in (by the net's buffer names: running_mean1, running_var1, ...). */
  setBuffers(buffers: Readonly<Record<string, ArrayLike<number>>>): void {
    this.team.quiesce();
    writeStats(this.region, (name) => buffers[name], 'setBuffers');
  }

  /** A copy of batch norm's running statistics, by the net's buffer names. */
  getBuffers(): Record<string, Float32Array> {
    this.team.quiesce();
    return readStats(this.region);
  }

  /** A copy of the last step's gradients (dW with weight decay, db), by plan name; W1's is not kept under rule 4. */
  getGrads(): Record<string, Float32Array> {
    this.team.quiesce();
    return readTensors(this.region, 'grads');
  }

  /** The optimizer's state as the reference optimizer gives it (`<slot>.<param>` tensors; Adam's t). */
  optimizerState(): OptimizerState {
    const tensors: Record<string, Float32Array> = {};
    this.team.quiesce();
    this.slotNames.forEach((slot, s) => {
      for (const [name, data] of Object.entries(readTensors(this.region, `slot${s}` as TensorBuffer))) tensors[`${slot}.${name}`] = data;
    });
    return { scalars: this.optimizer === 'adam' ? { t: this.adamT } : {}, tensors };
  }

  /** Replaces the optimizer's state (the reference optimizer's state(); a slot missing is zeros, as before a first update). */
  loadOptimizerState(state: OptimizerState): void {
    for (const key of Object.keys(state.tensors)) {
      const [slot, name] = key.split('.');
      if (!this.slotNames.includes(slot) || !this.plan.params.some((p) => p.name === name)) {
        throw new RangeError(`WasmProgram.loadOptimizerState: unexpected tensor '${key}' for ${this.optimizer}`);
      }
    }
    const { t = 0, ...extra } = state.scalars;
    const unexpected = Object.keys(extra)[0] ?? (this.optimizer !== 'adam' && 't' in state.scalars ? 't' : undefined);
    if (unexpected !== undefined) throw new RangeError(`WasmProgram.loadOptimizerState: unexpected scalar '${unexpected}'`);
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`WasmProgram.loadOptimizerState: t must be an integer >= 0, got ${t}`);
    this.team.quiesce();
    this.slotNames.forEach((slot, s) => {
      writeTensors(this.region, `slot${s}` as TensorBuffer, (name) => state.tensors[`${slot}.${name}`] ?? null, 'loadOptimizerState');
    });
    this.adamT = t;
  }

  // ------------------------------------------------------------ steps and counts

  /** Readies a split for step and countCorrect now (its sparse copy is made on first use otherwise). */
  prepare(split: LabelledImages): void {
    sparseSplit(this.memory, split, this.plan.sizes[0]);
  }

  /**
   * One training step on the images rows[0 .. n) of `split`: forward, backward, the
   * optimizer's update. Returns the batch's mean loss (with weight decay's term); when it is
   * above maxLoss or NaN, nothing was updated (Adam's t neither).
   */
  step(split: LabelledImages, rows: ArrayLike<number>, maxLoss = Infinity): number {
    this.checkLive();
    const N = rows.length;
    if (N < 1 || N > this.maxBatch) throw new RangeError(`WasmProgram.step: a batch of ${N} rows, room for 1 .. ${this.maxBatch}`);
    const sparse = sparseSplit(this.memory, split, this.plan.sizes[0]);
    const { i32, f32, f64, idx } = this.currentViews();
    for (let r = 0; r < N; r++) {
      const row = rows[r];
      if (!(Number.isInteger(row) && row >= 0 && row < sparse.count)) throw new RangeError(`WasmProgram.step: row ${row} outside the split's ${sparse.count} images`);
      idx[r] = row;
    }
    i32[TEAM.N / 4] = N;
    i32[TEAM.IDX / 4] = idx.byteOffset;
    i32[TEAM.STARTS / 4] = sparse.starts;
    i32[TEAM.LABELS / 4] = sparse.labels;
    i32[TEAM.PARITY / 4] ^= 1;
    i32[TEAM.DROP_ITER / 4] = this.iteration | 0;
    const t = this.adamT + 1;
    if (this.optimizer === 'adam') f32[TEAM.LR_T / 4] = stepHyper(this.optimizer, this.hyper, this.weightDecayLambda, t).LR_T;
    f64[TEAM.MAXLOSS / 8] = maxLoss;
    this.alongside?.advance(this.countingTeam);
    if (this.team.beginStep(this.alongside?.counting ?? false)) {
      i32[TEAM.ACTIVE / 4] = this.team.threads;
      this.team.send(COMMANDS.STEP);
    } else {
      i32[TEAM.ACTIVE / 4] = 1; // alone: this thread takes every thread's share
    }
    const loss = this.ownPart('step');
    this.team.endStep();
    this.team.check();
    if (loss <= maxLoss) {
      this.adamT = t;
      this.iteration++;
    }
    return loss;
  }

  /** Views of the team block and of the batch's image numbers, made again only when the memory grew or the layout changed. */
  private currentViews(): { buffer: ArrayBufferLike; i32: Int32Array; f32: Float32Array; f64: Float64Array; idx: Int32Array } {
    const buffer = this.memory.exports.memory.buffer;
    if (this.views === null || this.views.buffer !== buffer) {
      const i32 = this.team.fields();
      this.views = {
        buffer,
        i32,
        f32: new Float32Array(i32.buffer, i32.byteOffset, i32.length),
        f64: new Float64Array(i32.buffer, i32.byteOffset, i32.length / 2),
        idx: this.memory.i32(addressOf(this.layout, this.base, 'idx'), this.maxBatch),
      };
    }
    return this.views;
  }

  /** How many of the images start .. start + count - 1 of `split` the net classifies as their label (argmax, first on ties), every thread counting. */
  countCorrect(split: LabelledImages, start: number, count: number): number {
    this.checkLive();
    if (count <= 0) return 0;
    const sparse = sparseSplit(this.memory, split, this.plan.sizes[0]);
    if (!(Number.isInteger(start) && start >= 0 && start + count <= sparse.count)) {
      throw new RangeError(`WasmProgram.countCorrect: images ${start} .. ${start + count - 1} outside the split's ${sparse.count}`);
    }
    this.finishCounts();
    this.team.quiesce();
    // The helpers count on a copy of the weights made now: two cores reading the same weights
    // counted 7.3 us an image each here, on copies 5.9 (the copy takes ~0.1% of 5,000 images).
    if (this.team.threads > 1) this.copyWeights();
    this.sendCount('countProgram', 0, sparse, start, count);
    const correct = this.ownPart('count');
    this.team.check();
    return correct;
  }

  /**
   * Writes a count's fields (program.as.ts's count) and sends it: `from` 0 for the whole team,
   * 1 for the helpers alone; thread 0 runs `program`, the helpers the copy's.
   */
  private sendCount(program: 'countProgram' | 'copyCountProgram', from: number, sparse: SparseSplit, start: number, count: number): void {
    const fields = this.team.fields();
    fields[TEAM.CPROGRAM / 4] = addressOf(this.layout, this.base, program);
    fields[TEAM.CPROGRAM_HELPERS / 4] = addressOf(this.layout, this.base, 'copyCountProgram');
    fields[TEAM.CSTARTS / 4] = sparse.starts;
    fields[TEAM.CLABELS / 4] = sparse.labels;
    fields[TEAM.FIRST / 4] = start;
    fields[TEAM.END / 4] = start + count;
    fields[TEAM.CFROM / 4] = from;
    this.team.send(COMMANDS.COUNT);
  }

  /**
   * Starts counting, on the helper threads, how many images of each split (whole) the net as
   * it is now classifies as their label, on a copy of the weights, while step goes on on this
   * thread alone; steps are shared again once the counts are done. Returns false, starting
   * nothing, without helpers. Throws while the counts of the last call have not been taken.
   */
  startCounts(splits: readonly LabelledImages[]): boolean {
    this.checkLive();
    if (this.alongside !== null) throw new Error('WasmProgram.startCounts: the counts of the last startCounts were not taken');
    if (this.team.threads === 1 || splits.length === 0) return false;
    const sparse = splits.map((split) => sparseSplit(this.memory, split, this.plan.sizes[0]));
    this.team.quiesce();
    this.copyWeights();
    this.alongside = new CountsAlongside(sparse);
    this.alongside.advance(this.countingTeam);
    return true;
  }

  /** The weights and batch norm's running statistics into their copies (what copyCountProgram reads). */
  private copyWeights(): void {
    const { layout, base, memory } = this;
    memory.u8(addressOf(layout, base, 'paramsCopy'), layout.paramBytes).set(memory.u8(addressOf(layout, base, 'params'), layout.paramBytes));
    memory.u8(addressOf(layout, base, 'statsCopy'), layout.statsBytes).set(memory.u8(addressOf(layout, base, 'stats'), layout.statsBytes));
  }

  /**
   * The counts of startCounts, split by split, once all are done, else null (always null when
   * none were started). `wait`: finish them now, this thread counting with the helpers.
   */
  takeCounts(wait = false): number[] | null {
    this.team.check();
    if (wait) this.finishCounts();
    else this.alongside?.advance(this.countingTeam);
    const taken = this.alongside;
    if (taken === null || taken.counting) return null;
    this.alongside = null;
    return taken.counts;
  }

  /** Finishes the counts alongside, if any, now (they stay for takeCounts). */
  private finishCounts(): void {
    const alongside = this.alongside;
    if (alongside === null || !alongside.counting) return;
    this.team.quiesce();
    alongside.finish(this.countingTeam);
  }

  /** Runs thread 0's part; if it traps, the helpers are told before the error goes on. */
  private ownPart(part: 'step' | 'count'): number {
    try {
      return this.memory.exports[part](this.team.address, 0);
    } catch (e) {
      this.team.fail();
      throw e;
    }
  }

  // ------------------------------------------------------------ threads and life

  /**
   * Shares every later step and count among `threads` threads (at most 8; 1 stops the
   * helpers); resolves with the number used once they are ready. The weights after a step are
   * the same bits for any thread count. Use no more threads than cores.
   */
  async useThreads(threads: number): Promise<number> {
    this.checkLive();
    const n = Math.max(1, Math.min(Math.floor(threads), MAX_TEAM));
    if (this.team.failed) {
      await this.team.stop();
      if (n > 1) this.team.check();
      return 1;
    }
    if (n === this.team.threads) return n;
    this.finishCounts();
    const params = this.getParams();
    const state = this.optimizerState();
    const buffers = this.getBuffers();
    if (this.team.threads > 1) await this.team.resize(1);
    this.layout = this.layoutFor(n);
    this.writePrograms();
    this.setParams(params);
    this.loadOptimizerState(state);
    this.setBuffers(buffers);
    await this.team.resize(n);
    return n;
  }

  /** Stops the helpers and gives the memory back; the program is not to be used afterwards. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.alongside = null;
    const broken = this.team.failed;
    await this.team.stop();
    if (!broken) this.memory.release(this.base, this.bytes); // a failed team may have left a helper writing
  }

  private checkLive(): void {
    if (this.released) throw new Error('WasmProgram: used after release()');
  }
}
