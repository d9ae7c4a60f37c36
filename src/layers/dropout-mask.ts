/**
 * The dropout mask as a pure function of (seed, iteration, layer, row, unit): no generator
 * state, so a mask is the same on every executor (this reference and the wasm one), at any
 * thread count (any split of rows or units), and after a resume (set the iteration back).
 *
 * The formula, to be reproduced bit for bit by any other executor:
 *
 *   h = MurmurHash3_x86_32(key, seed)   (Appleby's 32-bit MurmurHash3, public domain)
 *       where key is the 16 bytes of four little-endian uint32 words
 *       [iteration, layer, row, unit], and every integer is taken mod 2^32 (x >>> 0)
 *   u = (h >>> 8) / 2^24                 the top 24 bits: in [0, 1), exact in float32 too
 *   kept = u > dropoutRatio              compared in float64, as the book's
 *                                        `np.random.rand(*x.shape) > dropout_ratio`
 *
 * Spelled out (all arithmetic mod 2^32, imul = the low 32 bits of the product):
 *   absorb(h, k): k = imul(k, 0xcc9e2d51); k = rotl(k, 15); k = imul(k, 0x1b873593);
 *                 h ^= k; h = rotl(h, 13); h = imul(h, 5) + 0xe6546b64
 *   fmix32(h):    h ^= h >>> 16; h = imul(h, 0x85ebca6b); h ^= h >>> 13;
 *                 h = imul(h, 0xc2b2ae35); h ^= h >>> 16
 *   h = fmix32(absorb(absorb(absorb(absorb(seed, iteration), layer), row), unit) ^ 16)
 *
 * `layer` is i of Dropout_i (1, 2, ...) and `row` the row within the batch. Not for
 * cryptography; its statistics (uniformity, independence of neighbours) are checked in tests.
 */

/** One 32-bit block of MurmurHash3_x86_32: mixes k into the running hash h. */
function absorb(h: number, k: number): number {
  k = Math.imul(k >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

/** MurmurHash3's finaliser, after the key length (16 bytes) is xored in; returns the top 24 bits as u. */
function finish(h: number): number {
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 8) / 16777216;
}

/** The uniform u in [0, 1) of one unit of one row, for one layer at one iteration. */
export function dropoutUniform(seed: number, iteration: number, layer: number, row: number, unit: number): number {
  return finish(absorb(absorb(absorb(absorb(seed >>> 0, iteration), layer), row), unit));
}

/**
 * Fills mask (rows x cols, row-major) with 1 where u > dropoutRatio (kept) and 0 elsewhere,
 * for rows 0..rows-1 of the batch: exactly dropoutUniform for every entry, the shared prefix
 * (seed, iteration, layer) and each row's state hashed once.
 */
export function dropoutMask(
  mask: Uint8Array,
  seed: number,
  iteration: number,
  layer: number,
  rows: number,
  cols: number,
  dropoutRatio: number,
): void {
  if (mask.length < rows * cols) throw new RangeError(`dropoutMask: mask has ${mask.length} entries, needs ${rows * cols}`);
  const prefix = absorb(absorb(seed >>> 0, iteration), layer);
  for (let i = 0; i < rows; i++) {
    const h = absorb(prefix, i);
    const r = i * cols;
    for (let j = 0; j < cols; j++) mask[r + j] = finish(absorb(h, j)) > dropoutRatio ? 1 : 0;
  }
}
