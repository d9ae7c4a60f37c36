/**
 * The fused TwoLayerNet of the wasm backend (see fused.ts for why it exists): weights and
 * scratch buffers allocated once in wasm memory, the trainStep and countCorrectBytes exports
 * of simd.as.ts doing the arithmetic. This file only lays out memory and copies bytes in.
 *
 * Memory layout (one block, allocated at construction, never grown afterwards; the arena never
 * frees, so a released net waits in `idle` for the next net of its shape):
 *   descriptor (NET_FIELDS i32, read by simd.as.ts) | byte -> float table | W1 D x Hp | b1 Hp |
 *   W2 Hp x Cp | b2 Cp | per-image nonzero pixels (maxBatch x D W1 row addresses and values) |
 *   their counts |
 *   hidden, dscores, dhidden rows | dW2 | db | W2^T | image bytes and labels of one evaluation
 *   chunk | the image numbers of one batch.
 * Hp, Cp: H and C rounded up to a multiple of 4, so every row starts on a SIMD boundary.
 *
 * Training reads a sparse copy of its split kept in wasm memory (sparseSplit below), not the
 * byte rows: copying the 100 sampled rows of 784 bytes into wasm memory at every step and
 * listing their nonzero pixels again and again took a quarter of the step's time (12-15% and
 * ~11% in the profile). The copy is made once, on the first step on a split, as runs of
 * nonzero pixels (12 MB for MNIST's 60,000 training images; as (pixel, value) pairs it took
 * 18 MB and the book's run peaked at up to 149 MB RSS of its 150 MB budget), and lists each
 * image's pixels in the order the byte scan did, so the numbers are those of the byte path. A step then only writes the 100 image numbers in.
 */
import type { FusedNetShape, FusedTwoLayerNet, ParamArrays } from './fused.js';
import type { WasmArena } from './wasm-module.js';

/** Images per countCorrectBytes call: one chunk of image bytes is copied in at a time. */
export const WASM_EVAL_CHUNK = 500;

/** Fields of the descriptor, in the order of the offsets at the top of simd.as.ts's fused part. */
const NET_FIELDS = 18;

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
  private readonly Hp: number;
  private readonly Cp: number;
  private readonly net: number;
  private readonly W1: number;
  private readonly b1: number;
  private readonly W2: number;
  private readonly b2: number;
  private readonly x: number;
  private readonly t: number;
  private readonly idx: number;
  /** A view of idx, made again only when the memory has grown (a grown memory detaches old views). */
  private idxView: Int32Array | null = null;
  private readonly capacity: number;

  constructor(
    private readonly arena: WasmArena,
    private readonly shape: FusedNetShape,
  ) {
    const { inputSize: D, hiddenSize: H, outputSize: C, maxBatch: N } = shape;
    this.inputSize = D;
    this.hiddenSize = H;
    this.outputSize = C;
    const Hp = (this.Hp = roundUp4(H));
    const Cp = (this.Cp = roundUp4(C));
    this.capacity = Math.max(N, WASM_EVAL_CHUNK);
    const f32s = (n: number): number => arena.alloc(n * 4);
    this.net = arena.alloc(NET_FIELDS * 4);
    const table = f32s(256);
    this.W1 = f32s(D * Hp);
    this.b1 = f32s(Hp);
    this.W2 = f32s(Hp * Cp);
    this.b2 = f32s(Cp);
    const fields = [
      this.W1, this.b1, this.W2, this.b2, D, Hp, C, Cp, table,
      f32s(N * D + 8), f32s(N * D + 8), f32s(N), // nonzero pixels' W1 rows, values (room for 8 more: decodeSparse), counts
      f32s(N * Hp), f32s(N * Cp), f32s(N * Hp), // hidden, dscores, dhidden
      f32s(Hp * Cp), f32s(Math.max(Hp, Cp)), f32s(C * Hp), // dW2, db, W2 transposed
    ];
    this.x = arena.alloc(this.capacity * D);
    this.t = arena.alloc(this.capacity);
    this.idx = arena.alloc(N * 4);
    arena.i32(this.net, fields.length).set(fields);
    arena.exports.fillScaleTable(table);
  }

  release(): void {
    const key = shapeKey(this.shape);
    const list = idle.get(key) ?? [];
    if (!list.includes(this)) list.push(this);
    idle.set(key, list);
  }

  setParams(p: ParamArrays): void {
    const { inputSize: D, hiddenSize: H, outputSize: C, Hp, Cp, arena } = this;
    padRows(arena.f32(this.W1, D * Hp), p.W1, D, H, Hp);
    padRows(arena.f32(this.b1, Hp), p.b1, 1, H, Hp);
    padRows(arena.f32(this.W2, Hp * Cp), p.W2, H, C, Cp);
    padRows(arena.f32(this.b2, Cp), p.b2, 1, C, Cp);
  }

  getParams(p: ParamArrays): void {
    const { inputSize: D, hiddenSize: H, outputSize: C, Hp, Cp, arena } = this;
    unpadRows(p.W1, arena.f32(this.W1, D * Hp), D, H, Hp);
    unpadRows(p.b1, arena.f32(this.b1, Hp), 1, H, Hp);
    unpadRows(p.W2, arena.f32(this.W2, Hp * Cp), H, C, Cp);
    unpadRows(p.b2, arena.f32(this.b2, Cp), 1, C, Cp);
  }

  trainStep(images: Uint8Array, labels: Uint8Array, rows: Int32Array, lr: number, maxLoss = Infinity): number {
    const N = rows.length;
    if (N > this.shape.maxBatch) throw new RangeError(`trainStep: batch of ${N} rows, room for ${this.shape.maxBatch}`);
    const sparse = sparseSplit(this.arena, images, labels, this.inputSize, this.x, this.capacity);
    if (this.idxView === null || this.idxView.buffer !== this.arena.exports.memory.buffer) {
      this.idxView = this.arena.i32(this.idx, this.shape.maxBatch);
    }
    const idx = this.idxView; // no allocation per step
    for (let r = 0; r < N; r++) {
      const row = rows[r];
      if (!(row >= 0 && row < sparse.count)) throw new RangeError(`trainStep: row ${row} outside the split's ${sparse.count} images`);
      idx[r] = row;
    }
    return this.arena.exports.trainStep(this.net, sparse.starts, sparse.labels, this.idx, N, lr, maxLoss) / N;
  }

  countCorrect(images: Uint8Array, labels: Uint8Array, start: number, count: number): number {
    const D = this.inputSize;
    let correct = 0;
    for (let done = 0; done < count; done += this.capacity) {
      const n = Math.min(this.capacity, count - done);
      const first = start + done;
      this.arena.u8(this.x, n * D).set(images.subarray(first * D, (first + n) * D));
      this.arena.u8(this.t, n).set(labels.subarray(first, first + n));
      correct += this.arena.exports.countCorrectBytes(this.net, this.x, this.t, n);
    }
    return correct;
  }
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
  if (labels.length < count) throw new RangeError(`trainStep: ${count} images but ${labels.length} labels`);
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

/** dst (rows x stride) = src (rows x cols) with zeros in the columns cols .. stride - 1. */
function padRows(dst: Float32Array, src: ArrayLike<number>, rows: number, cols: number, stride: number): void {
  dst.fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) dst[i * stride + j] = src[i * cols + j];
  }
}

function unpadRows(dst: { [i: number]: number }, src: Float32Array, rows: number, cols: number, stride: number): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) dst[i * cols + j] = src[i * stride + j];
  }
}
