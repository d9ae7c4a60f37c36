/**
 * A split's images in program memory, once, in the sparse form of src/wasm/sparse.as.ts
 * (runs of nonzero pixels: 12 MB for MNIST's 60,000 training images, 47 MB dense): what the
 * steps (through the pixel lists) and the counts read. Made on a split's first use and kept as
 * long as the thread, keyed by its image array; a step then writes only its image numbers in.
 */
import type { ProgramMemory } from './program-memory.js';

/** Images (bytes, inputSize each) and their labels. */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
}

/** A split in program memory: where each image's runs start (count + 1 u32: the last is the end), its labels. */
export interface SparseSplit {
  count: number;
  starts: number;
  labels: number;
  /** The label bytes the copy was made from, to notice a split given with other labels. */
  labelSource: Uint8Array;
}

/** Images copied in at a time while encoding. */
const CHUNK_IMAGES = 500;

const copies = new WeakMap<ProgramMemory, WeakMap<Uint8Array, SparseSplit>>();
const scratches = new WeakMap<ProgramMemory, { address: number; bytes: number }>();

/** The sparse copy of these images (D bytes each) and labels, made now if there is none. */
export function sparseSplit(memory: ProgramMemory, split: LabelledImages, D: number): SparseSplit {
  const { images, labels } = split;
  let known = copies.get(memory);
  if (known === undefined) copies.set(memory, (known = new WeakMap()));
  const copy = known.get(images);
  if (copy !== undefined && copy.labelSource === labels) return copy;
  const count = Math.floor(images.length / D);
  if (labels.length < count) throw new RangeError(`wasm program: ${count} images but ${labels.length} labels`);
  const scratch = scratchFor(memory, Math.min(count, CHUNK_IMAGES) * D + 16);
  const sparse: SparseSplit = { count, starts: memory.alloc((count + 1) * 4), labels: memory.alloc(count + 16), labelSource: labels };
  memory.u8(sparse.labels, count).set(labels.subarray(0, count));
  // The runs grow from the free byte: room for a chunk's worst case (3 D bytes an image) is
  // reserved before each chunk, and what was written is committed at the end (the encoder
  // writes and reads up to 15 bytes past: 16 spare bytes on both sides).
  let end = memory.free;
  for (let first = 0; first < count; first += CHUNK_IMAGES) {
    const n = Math.min(CHUNK_IMAGES, count - first);
    memory.reserve(end - memory.free + n * 3 * D + 16);
    memory.u8(scratch, n * D).set(images.subarray(first * D, (first + n) * D));
    end = memory.exports.encodeSparse(end, sparse.starts + first * 4, scratch, n, D);
  }
  memory.reserve(end - memory.free + 16);
  memory.commit(end + 16);
  known.set(images, sparse);
  return sparse;
}

/** A scratch buffer of at least `bytes`, one per memory. */
function scratchFor(memory: ProgramMemory, bytes: number): number {
  const known = scratches.get(memory);
  if (known !== undefined && known.bytes >= bytes) return known.address;
  const address = memory.alloc(bytes);
  scratches.set(memory, { address, bytes });
  return address;
}
