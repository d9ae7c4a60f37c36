/**
 * The fused TwoLayerNet of the wasm backend (see fused.ts for why it exists): weights and
 * scratch buffers allocated once in wasm memory, the teamStep and teamCount exports of
 * simd.as.ts doing the arithmetic, on this thread alone or shared with helper threads
 * (wasm-team.ts, useThreads). This file only lays out memory and copies numbers in and out.
 *
 * Memory (allocated at construction, never grown afterwards, except the lanes of more threads;
 * the arena never frees, so a released net waits in `idle` for the next net of its shape):
 *   descriptor (NET_FIELDS i32, read by simd.as.ts) | byte -> float table | W1 D x Hp | b1 Hp |
 *   W2 Hp x Cp | b2 Cp | lane table | each image's loss | hidden, dscores, dhidden rows | dW2 |
 *   db1 | db2 | W2^T | scratch for making sparse copies | the image numbers of one batch |
 *   the team block | lanes: per thread, lists of nonzero pixels (lane 0: two batches' worth,
 *   shared by the team) and one hidden and one score row | on the first count alongside
 *   (startCounts), a copy of the weights and a descriptor for it.
 * Hp: the hidden layout's width for the current team size (hidden-layout.ts; room is kept for
 * the widest); Cp: C rounded up to a multiple of 4, so every row starts on a SIMD boundary.
 *
 * Steps and counts read a sparse copy of their split kept in wasm memory (sparseSplit below),
 * not the byte rows: copying the 100 sampled rows of 784 bytes into wasm memory at every step
 * and listing their nonzero pixels again and again took a quarter of the step's time (12-15%
 * and ~11% in the profile). The copy is made once per split, as runs of nonzero pixels (12 MB
 * for MNIST's 60,000 training images; as (pixel, value) pairs it took 18 MB and the book's run
 * peaked at up to 149 MB RSS of its 150 MB budget). A step then only writes the 100 image
 * numbers in.
 */
import type { FusedNetShape, FusedTwoLayerNet, LabelledImages, ParamArrays } from './fused.js';
import type { WasmArena } from './wasm-module.js';
import { hiddenLayout, type HiddenLayout } from './hidden-layout.js';
import { COMMAND, MAX_TEAM, TEAM, TEAM_BYTES, WasmTeam } from './wasm-team.js';

/**
 * Images the helpers count per command alongside the steps (startCounts): thread 0 sends the
 * next chunk at its next step, and counts what is left with them when it has to wait.
 */
const COUNT_CHUNK = 10000;

/** A count alongside the steps: the descriptor it counts with (a copy of the weights), its chunks, and the counts so far, by split. */
interface Alongside {
  net: number;
  chunks: Chunk[];
  /** Chunks counted, and whether the next one is with the helpers. */
  done: number;
  sent: boolean;
  counts: number[];
}

/** Images first .. first + count - 1 of split number `split` (its sparse copy). */
interface Chunk {
  sparse: SparseSplit;
  split: number;
  first: number;
  count: number;
}

/** Images a scratch chunk holds when a split's sparse copy is made. */
const SCRATCH_IMAGES = 500;

/** Fields of the descriptor, in the order of the offsets at the top of simd.as.ts's fused part. */
const NET_FIELDS = 18;
/** The descriptor's field HP (the hidden layout's width). */
const HP_FIELD = 5;
/** Fields of a lane (one thread's scratch), as LANE_BYTES in simd.as.ts, and the one of its hidden row. */
const LANE_FIELDS = 5;
const LANE_H = 3;

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Released nets by shape, ready for reuse. */
const idle = new Map<string, WasmTwoLayerNet[]>();
const shapeKey = (s: FusedNetShape): string => `${s.inputSize}x${s.hiddenSize}x${s.outputSize}/${s.maxBatch}`;

/** A fused net of this shape: a released one when there is one, else a new one. */
export function acquireWasmTwoLayerNet(arena: WasmArena, shape: FusedNetShape): WasmTwoLayerNet {
  return idle.get(shapeKey(shape))?.pop() ?? new WasmTwoLayerNet(arena, shape);
}

export class WasmTwoLayerNet implements FusedTwoLayerNet {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** The hidden units' layout for the current team (hidden-layout.ts); its width is the Hp of simd.as.ts. */
  private layout: HiddenLayout;
  /** Room for the widest layout, in floats. */
  private readonly maxWidth: number;
  private readonly Cp: number;
  private readonly net: number;
  private readonly W1: number;
  private readonly b1: number;
  private readonly W2: number;
  private readonly b2: number;
  private readonly lanes: number;
  /** Lanes allocated so far (lane t is thread t's scratch). */
  private laneCount = 0;
  private readonly scratch: number;
  private readonly hidden: number;
  private readonly idx: number;
  private readonly team: WasmTeam;
  /** Set when a helper failed: the weights are not to be trusted, the net is not reused. */
  private broken = false;
  /** The count alongside the steps (startCounts), if any, until its counts are taken. */
  private alongside: Alongside | null = null;
  /** The copy of the weights that a count alongside uses: a descriptor like the net's, pointing at them (allocated on first use). */
  private copy: { net: number; W1: number; b1: number; W2: number; b2: number } | null = null;
  /** Views of idx and of the team block's fields, made again only when the memory has grown. */
  private views: { buffer: ArrayBufferLike; idx: Int32Array; i32: Int32Array; f32: Float32Array; f64: Float64Array } | null = null;

  constructor(
    private readonly arena: WasmArena,
    private readonly shape: FusedNetShape,
  ) {
    const { inputSize: D, hiddenSize: H, outputSize: C, maxBatch: N } = shape;
    this.inputSize = D;
    this.hiddenSize = H;
    this.outputSize = C;
    this.layout = hiddenLayout(H, 1);
    let Hp = 0;
    for (let t = 1; t <= MAX_TEAM; t++) Hp = Math.max(Hp, hiddenLayout(H, t).width);
    this.maxWidth = Hp;
    const Cp = (this.Cp = roundUp4(C));
    // Floats on cache lines of their own (the arena aligns to 16 bytes): a thread's run of
    // columns then starts a line in every row (hidden-layout.ts).
    const f32s = (n: number): number => lineAligned(arena, n * 4);
    this.net = arena.alloc(NET_FIELDS * 4);
    const table = f32s(256);
    this.W1 = f32s(D * Hp);
    this.b1 = f32s(Hp);
    this.W2 = f32s(Hp * Cp);
    this.b2 = f32s(Cp);
    this.lanes = arena.alloc(MAX_TEAM * LANE_FIELDS * 4);
    const fields = [
      this.W1, this.b1, this.W2, this.b2, D, this.layout.width, C, Cp, table, this.lanes,
      arena.alloc(N * 8), // each image's loss, f64
      (this.hidden = f32s(N * Hp)), f32s(N * Cp), f32s(N * Hp), // hidden, dscores, dhidden
      f32s(Hp * Cp), f32s(Hp), f32s(Cp), f32s(C * Hp), // dW2, db1, db2, W2 transposed
    ];
    this.scratch = arena.alloc(SCRATCH_IMAGES * D);
    this.idx = arena.alloc(N * 4);
    this.team = new WasmTeam(arena, this.net, lineAligned(arena, TEAM_BYTES));
    this.team.fields()[TEAM.MAXN] = N;
    arena.i32(this.net, fields.length).set(fields);
    arena.exports.fillScaleTable(table);
    this.addLanes(1);
    this.writeLayout();
  }

  /** Puts the layout's width in the descriptor and each thread's run in its slot; clears what padding is read. */
  private writeLayout(): void {
    const { arena, layout } = this;
    arena.i32(this.net, NET_FIELDS)[HP_FIELD] = layout.width;
    const slots = this.team.fields();
    layout.runs.forEach(([j0, j1], t) => {
      slots[TEAM.SLOTS + t * TEAM.SLOT + TEAM.COL0] = j0;
      slots[TEAM.SLOTS + t * TEAM.SLOT + TEAM.COL1] = j1;
    });
    arena.f32(this.hidden, this.shape.maxBatch * this.maxWidth).fill(0);
    const lanes = arena.i32(this.lanes, this.laneCount * LANE_FIELDS);
    for (let t = 0; t < this.laneCount; t++) arena.f32(lanes[t * LANE_FIELDS + LANE_H], this.maxWidth).fill(0);
  }

  /** Allocates the scratch of threads laneCount .. threads - 1. */
  private addLanes(threads: number): void {
    const { inputSize: D, maxWidth: Hp, Cp, arena } = this;
    const N = this.shape.maxBatch;
    for (; this.laneCount < threads; this.laneCount++) {
      // Lane 0 lists the pixels of two batches (the team's, alternately: each image's worst
      // case, and 8 spare entries a thread, as listEntries in simd.as.ts), or of one image when
      // counting; the other lanes, of one image. decodeSparse writes up to 7 entries past a list.
      const first = this.laneCount === 0;
      const entries = first ? 2 * (N * D + 8 * MAX_TEAM) : D + 8;
      const lane = [
        arena.alloc(entries * 4), arena.alloc(entries * 4), // nonzero pixels' W1 rows, values
        first ? arena.alloc(2 * N * 8) : 0, // each image's span of them
        lineAligned(arena, Hp * 4), arena.alloc(Cp * 4), // one hidden row, one score row
      ];
      arena.i32(this.lanes + this.laneCount * LANE_FIELDS * 4, LANE_FIELDS).set(lane);
    }
  }

  get threads(): number {
    return this.team.threads;
  }

  async useThreads(threads: number): Promise<number> {
    const n = Math.max(1, Math.min(threads, MAX_TEAM));
    try {
      this.finishCounts();
    } catch (e) {
      if (!this.team.failed) throw e; // a helper that failed meanwhile: stopped below
    }
    if (this.team.failed) {
      // Its weights may be half updated: stop what is left of the team, and never reuse the net.
      this.broken = true;
      await this.team.stop();
      if (n > 1) this.team.check();
      return 1;
    }
    if (n === this.team.threads) return n;
    const H = this.hiddenSize;
    const params: ParamArrays = {
      W1: new Float32Array(this.inputSize * H),
      b1: new Float32Array(H),
      W2: new Float32Array(H * this.outputSize),
      b2: new Float32Array(this.outputSize),
    };
    this.getParams(params);
    if (this.team.threads > 1) await this.team.resize(1);
    this.addLanes(n);
    this.layout = hiddenLayout(H, n);
    this.writeLayout();
    this.setParams(params);
    await this.team.resize(n); // with no helpers yet, they start before this awaits
    return n;
  }

  /** Runs thread 0's part of a command (on the net's weights, or those of `net`); if it fails (a trap), the helpers are told before the error goes on. */
  private ownPart(part: 'teamStep' | 'teamCount', net = this.net): number {
    try {
      return this.arena.exports[part](net, this.team.address, 0);
    } catch (e) {
      this.team.fail();
      throw e;
    }
  }

  prepare(images: Uint8Array, labels: Uint8Array): void {
    sparseSplit(this.arena, images, labels, this.inputSize, this.scratch, SCRATCH_IMAGES);
  }

  release(): void {
    this.alongside = null; // counts never taken: not for the next user of this net
    if (this.team.threads > 1 || this.broken) {
      void this.team.stop(); // helpers still quitting: this net is not reused
      return;
    }
    const key = shapeKey(this.shape);
    const list = idle.get(key) ?? [];
    if (!list.includes(this)) list.push(this);
    idle.set(key, list);
  }

  setParams(p: ParamArrays): void {
    this.team.quiesce();
    const { inputSize: D, hiddenSize: H, outputSize: C, Cp, arena } = this;
    const { width: Hp, column } = this.layout;
    const W1 = arena.f32(this.W1, D * Hp).fill(0);
    const b1 = arena.f32(this.b1, Hp).fill(0);
    const W2 = arena.f32(this.W2, Hp * Cp).fill(0);
    const b2 = arena.f32(this.b2, Cp).fill(0);
    for (let i = 0; i < D; i++) for (let j = 0; j < H; j++) W1[i * Hp + column[j]] = p.W1[i * H + j];
    for (let j = 0; j < H; j++) b1[column[j]] = p.b1[j];
    for (let j = 0; j < H; j++) for (let c = 0; c < C; c++) W2[column[j] * Cp + c] = p.W2[j * C + c];
    for (let c = 0; c < C; c++) b2[c] = p.b2[c];
  }

  getParams(p: ParamArrays): void {
    this.team.quiesce();
    const { inputSize: D, hiddenSize: H, outputSize: C, Cp, arena } = this;
    const { width: Hp, column } = this.layout;
    const W1 = arena.f32(this.W1, D * Hp);
    const b1 = arena.f32(this.b1, Hp);
    const W2 = arena.f32(this.W2, Hp * Cp);
    const b2 = arena.f32(this.b2, Cp);
    for (let i = 0; i < D; i++) for (let j = 0; j < H; j++) p.W1[i * H + j] = W1[i * Hp + column[j]];
    for (let j = 0; j < H; j++) p.b1[j] = b1[column[j]];
    for (let j = 0; j < H; j++) for (let c = 0; c < C; c++) p.W2[j * C + c] = W2[column[j] * Cp + c];
    for (let c = 0; c < C; c++) p.b2[c] = b2[c];
  }

  /** No allocation per step: the views are remade only after the memory grew. */
  private currentViews(): NonNullable<WasmTwoLayerNet['views']> {
    const buffer = this.arena.exports.memory.buffer;
    if (this.views === null || this.views.buffer !== buffer) {
      const i32 = this.team.fields();
      this.views = {
        buffer,
        idx: this.arena.i32(this.idx, this.shape.maxBatch),
        i32,
        f32: new Float32Array(i32.buffer, i32.byteOffset, i32.length),
        f64: new Float64Array(i32.buffer, i32.byteOffset, i32.length / 2),
      };
    }
    return this.views;
  }

  trainStep(images: Uint8Array, labels: Uint8Array, rows: Int32Array, lr: number, maxLoss = Infinity): number {
    const N = rows.length;
    if (N > this.shape.maxBatch) throw new RangeError(`trainStep: batch of ${N} rows, room for ${this.shape.maxBatch}`);
    const sparse = sparseSplit(this.arena, images, labels, this.inputSize, this.scratch, SCRATCH_IMAGES);
    const { idx, i32, f32, f64 } = this.currentViews();
    for (let r = 0; r < N; r++) {
      const row = rows[r];
      if (!(row >= 0 && row < sparse.count)) throw new RangeError(`trainStep: row ${row} outside the split's ${sparse.count} images`);
      idx[r] = row;
    }
    i32[TEAM.STARTS] = sparse.starts;
    i32[TEAM.LABELS] = sparse.labels;
    i32[TEAM.IDX] = this.idx;
    i32[TEAM.N] = N;
    f32[TEAM.LR] = lr;
    f64[TEAM.MAXLOSS] = maxLoss;
    i32[TEAM.PARITY] ^= 1;
    this.advanceCounts();
    if (this.team.beginStep(this.counting())) {
      i32[TEAM.ACTIVE] = this.team.threads;
      this.team.send(COMMAND.STEP);
    } else {
      i32[TEAM.ACTIVE] = 1; // the helpers count, or sharing does not pay (team-pacer.ts): this thread steps alone, in every thread's columns
    }
    const loss = this.ownPart('teamStep');
    this.team.endStep();
    this.team.check();
    return loss / N;
  }

  countCorrect(images: Uint8Array, labels: Uint8Array, start: number, count: number): number {
    if (count <= 0) return 0;
    const sparse = sparseSplit(this.arena, images, labels, this.inputSize, this.scratch, SCRATCH_IMAGES);
    if (!(start >= 0 && start + count <= sparse.count)) throw new RangeError(`countCorrect: images ${start} .. ${start + count - 1} outside the split's ${sparse.count}`);
    this.finishCounts();
    this.team.quiesce();
    this.sendCount(this.net, 0, sparse, start, count);
    const correct = this.ownPart('teamCount');
    this.team.check();
    return correct;
  }

  /** Writes a COUNT's arguments (simd.as.ts's teamCount) and sends it. */
  private sendCount(net: number, from: number, sparse: SparseSplit, start: number, count: number): void {
    const { i32 } = this.currentViews();
    i32[TEAM.CNET] = net;
    i32[TEAM.CFROM] = from;
    i32[TEAM.CSTARTS] = sparse.starts;
    i32[TEAM.CLABELS] = sparse.labels;
    i32[TEAM.FIRST] = start;
    i32[TEAM.END] = start + count;
    this.team.send(COMMAND.COUNT);
  }

  startCounts(splits: readonly LabelledImages[]): boolean {
    if (this.alongside !== null) throw new Error('startCounts: the counts of the last startCounts were not taken');
    if (this.team.threads === 1 || splits.length === 0) return false;
    const chunks: Chunk[] = [];
    splits.forEach(({ images, labels }, split) => {
      const sparse = sparseSplit(this.arena, images, labels, this.inputSize, this.scratch, SCRATCH_IMAGES);
      for (let first = 0; first < sparse.count; first += COUNT_CHUNK) {
        chunks.push({ sparse, split, first, count: Math.min(COUNT_CHUNK, sparse.count - first) });
      }
    });
    this.team.quiesce();
    const net = this.weightsCopy();
    this.alongside = { net, chunks, done: 0, sent: false, counts: splits.map(() => 0) };
    this.advanceCounts();
    return true;
  }

  /** A copy of the weights as they are now, with a descriptor of its own (the net's, but for the weights' addresses); returns the descriptor. */
  private weightsCopy(): number {
    const { arena, inputSize: D, maxWidth, Cp } = this;
    const copy = (this.copy ??= {
      net: arena.alloc(NET_FIELDS * 4),
      W1: lineAligned(arena, D * maxWidth * 4),
      b1: lineAligned(arena, maxWidth * 4),
      W2: lineAligned(arena, maxWidth * Cp * 4),
      b2: lineAligned(arena, Cp * 4),
    });
    const Hp = this.layout.width;
    arena.f32(copy.W1, D * Hp).set(arena.f32(this.W1, D * Hp));
    arena.f32(copy.b1, Hp).set(arena.f32(this.b1, Hp));
    arena.f32(copy.W2, Hp * Cp).set(arena.f32(this.W2, Hp * Cp));
    arena.f32(copy.b2, Cp).set(arena.f32(this.b2, Cp));
    const fields = arena.i32(copy.net, NET_FIELDS);
    fields.set(arena.i32(this.net, NET_FIELDS));
    fields.set([copy.W1, copy.b1, copy.W2, copy.b2], 0); // the descriptor's first four fields
    return copy.net;
  }

  takeCounts(wait = false): number[] | null {
    this.team.check();
    if (wait) this.finishCounts();
    else this.advanceCounts();
    const taken = this.alongside;
    if (taken === null || this.counting()) return null;
    this.alongside = null;
    return taken.counts;
  }

  /** True while a count alongside has chunks not counted yet. */
  private counting(): boolean {
    return this.alongside !== null && this.alongside.done < this.alongside.chunks.length;
  }

  /**
   * Moves a count alongside on, without waiting: once the helpers have counted the chunk sent
   * to them, adds their count to its split's and sends them the next chunk, if any.
   */
  private advanceCounts(): void {
    const a = this.alongside;
    if (a === null || (a.sent && !this.team.idle())) return;
    this.collectChunk(a);
    const next = a.chunks[a.done];
    if (next === undefined) return;
    this.sendCount(a.net, 1, next.sparse, next.first, next.count);
    a.sent = true;
  }

  /** Adds the helpers' count of the chunk sent to them, if any (they must be idle). */
  private collectChunk(a: Alongside): void {
    if (!a.sent) return;
    a.counts[a.chunks[a.done].split] += this.team.helperCounts();
    a.done++;
    a.sent = false;
  }

  /** Finishes a count alongside, if any, now: waits for the helpers' chunk and counts the rest with every thread (its counts stay for takeCounts). */
  private finishCounts(): void {
    const a = this.alongside;
    if (a === null || a.done === a.chunks.length) return;
    this.team.quiesce();
    this.collectChunk(a);
    for (; a.done < a.chunks.length; a.done++) {
      const { sparse, split, first, count } = a.chunks[a.done];
      this.sendCount(a.net, 0, sparse, first, count);
      a.counts[split] += this.ownPart('teamCount', a.net);
      this.team.check();
    }
  }
}

/** `bytes` at a 64-byte boundary: a cache line (the arena aligns to 16). */
function lineAligned(arena: WasmArena, bytes: number): number {
  return (arena.alloc(bytes + 48) + 63) & ~63;
}

/** A split's images in wasm memory in encodeSparse's form: the address of each image's pairs (count + 1 u32), its labels. */
interface SparseSplit {
  count: number;
  starts: number;
  labels: number;
  /** The label bytes the copy was made from, to notice a split given with other labels. */
  labelSource: Uint8Array;
}

/**
 * Sparse copies by image array and arena (one per thread). The arena never frees, so a copy
 * lives as long as the thread: one per training split, made on its first step.
 */
const sparseCopies = new WeakMap<Uint8Array, SparseSplit>();

/**
 * The sparse copy of these images (count x D bytes) and labels, made now if there is none.
 * One pass, through `scratch` (room for `chunk` images): the runs grow at the top of the
 * arena, which is re-reserved before each chunk with room for its worst case and trimmed to
 * what was written at the end (no gap between chunks: an image ends where the next starts).
 */
function sparseSplit(arena: WasmArena, images: Uint8Array, labels: Uint8Array, D: number, scratch: number, chunk: number): SparseSplit {
  const known = sparseCopies.get(images);
  if (known !== undefined && known.labelSource === labels) return known;
  const count = Math.floor(images.length / D);
  if (labels.length < count) throw new RangeError(`fused net: ${count} images but ${labels.length} labels`);
  const sparse: SparseSplit = { count, starts: arena.alloc((count + 1) * 4), labels: arena.alloc(count), labelSource: labels };
  arena.u8(sparse.labels, count).set(labels.subarray(0, count));
  const base = arena.mark();
  let end = base;
  for (let first = 0; first < count; first += chunk) {
    const n = Math.min(chunk, count - first);
    arena.u8(scratch, n * D).set(images.subarray(first * D, (first + n) * D));
    arena.release(base);
    arena.alloc(end - base + n * 3 * D); // encodeSparse's worst case
    end = arena.exports.encodeSparse(end, sparse.starts + first * 4, scratch, n, D);
  }
  arena.release(base);
  arena.alloc(end - base + 16); // decodeSparse reads up to 7 bytes past the end
  sparseCopies.set(images, sparse);
  return sparse;
}
