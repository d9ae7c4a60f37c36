/**
 * Tests for the dropout mask function (src/layers/dropout-mask.ts) and the Dropout layer
 * (src/layers/dropout.ts): the hash is MurmurHash3_x86_32 of the 16-byte key (checked against a
 * byte-wise MurmurHash3 written here, itself checked on the published test vectors), pinned
 * values, uniformity and independence of neighbours, masks that do not depend on how the rows
 * are split; the layer's train and test modes, backward with the same mask, the context.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { Dropout } from '../../src/layers/dropout.js';
import { dropoutMask, dropoutUniform } from '../../src/layers/dropout-mask.js';

/** MurmurHash3_x86_32 over any bytes (blocks, tail, length), as Appleby's reference C. */
function murmur3(key: Uint8Array, seed: number): number {
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  const scramble = (k: number): number => Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  let h = seed >>> 0;
  const blocks = key.length >> 2;
  for (let i = 0; i < blocks; i++) {
    const k = key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24);
    h = (Math.imul(rotl(h ^ scramble(k), 13), 5) + 0xe6546b64) >>> 0;
  }
  let tail = 0;
  for (let i = key.length - 1; i >= blocks * 4; i--) tail = (tail << 8) | key[i];
  if (key.length % 4 !== 0) h ^= scramble(tail);
  h ^= key.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The 16 bytes of [iteration, layer, row, unit] as little-endian uint32 words. */
function key(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * words.length);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  return bytes;
}

describe('dropoutUniform: MurmurHash3_x86_32 of (iteration, layer, row, unit) with the seed, top 24 bits / 2^24', () => {
  it('the byte-wise MurmurHash3 here reproduces the published test vectors', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    const vectors: [Uint8Array, number, number][] = [
      [new Uint8Array(0), 0, 0],
      [new Uint8Array(0), 1, 0x514e28b7],
      [new Uint8Array(0), 0xffffffff, 0x81f16f39],
      [new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0, 0x76293b50],
      [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0, 0xf55b516b],
      [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0x5082edee, 0x2362f9de],
      [new Uint8Array([0x21, 0x43, 0x65]), 0, 0x7e4a8634],
      [new Uint8Array([0x21]), 0, 0x72661cf4],
      [new Uint8Array(4), 0, 0x2362f9de],
      [text('Hello, world!'), 0x9747b28c, 0x24884cba],
      [text('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
    ];
    for (const [bytes, seed, hash] of vectors) expect(murmur3(bytes, seed)).toBe(hash);
  });

  it('equals (murmur3(key, seed) >>> 8) / 2^24 for a grid of seeds, iterations, layers, rows and units', () => {
    for (const seed of [0, 1, 7, -1, 2 ** 31, 123456789])
      for (const iteration of [0, 1, 2, 999, 2 ** 32 - 1])
        for (const layer of [0, 1, 5])
          for (const row of [0, 1, 99])
            for (const unit of [0, 1, 783]) {
              const u = dropoutUniform(seed, iteration, layer, row, unit);
              expect(u).toBe((murmur3(key(iteration, layer, row, unit), seed) >>> 8) / 2 ** 24);
            }
  });

  it('gives these values, computed once and written down (a change of the function fails here)', () => {
    expect(dropoutUniform(1, 0, 1, 0, 0)).toBe(4424974 / 2 ** 24); // murmur3 = 1132793596 = 4424974 * 256 + 252
    expect(dropoutUniform(1, 0, 1, 0, 1)).toBe(7593828 / 2 ** 24);
    expect(dropoutUniform(1, 5, 2, 3, 7)).toBe(3569222 / 2 ** 24);
    expect(dropoutUniform(42, 123456, 3, 99, 783)).toBe(15286350 / 2 ** 24);
    expect(dropoutUniform(0, 0, 0, 0, 0)).toBe(8467661 / 2 ** 24);
    expect(dropoutUniform(-1, 0, 0, 0, 0)).toBe(813170 / 2 ** 24);
    expect(dropoutUniform(2 ** 32 - 1, 0, 0, 0, 0)).toBe(813170 / 2 ** 24); // integers mod 2^32
  });

  it('is in [0, 1), a multiple of 2^-24 (exact in float32), mean 0.5 and flat over 100,000 draws', () => {
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let bad = 0;
    for (let k = 0; k < n; k++) {
      const u = dropoutUniform(1, k % 50, 1, Math.floor(k / 50) % 100, Math.floor(k / 5000));
      if (!(u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24) && Math.fround(u) === u)) bad++;
      sum += u;
      bins[Math.floor(u * 10)]++;
    }
    expect(bad).toBe(0);
    // the mean's standard deviation is 0.289 / sqrt(n) = 0.0009: 0.005 is 5.5 of them
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    // chi-square with 9 degrees of freedom: above 30 with probability 4e-4 for a uniform source
    const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(30);
  });

  it('neighbouring units, rows, iterations, layers and seeds are uncorrelated (|r| < 0.02 over 20,000 pairs)', () => {
    const n = 20_000; // r's standard deviation is 1 / sqrt(n) = 0.007
    const neighbours: [string, (k: number) => [number, number, number, number, number]][] = [
      ['unit', (k) => [3, 10, 1, k % 100, Math.floor(k / 100) * 2]],
      ['row', (k) => [3, 10, 1, Math.floor(k / 100) * 2, k % 100]],
      ['iteration', (k) => [3, Math.floor(k / 100) * 2, 1, 0, k % 100]],
      ['layer', (k) => [3, 10, Math.floor(k / 100) * 2, 0, k % 100]],
      ['seed', (k) => [Math.floor(k / 100) * 2, 10, 1, 0, k % 100]],
    ];
    const bump = { unit: 4, row: 3, iteration: 1, layer: 2, seed: 0 } as const;
    for (const [name, at] of neighbours) {
      let sxy = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      for (let k = 0; k < n; k++) {
        const a = at(k);
        const b = [...a] as typeof a;
        b[bump[name as keyof typeof bump]] += 1;
        const x = dropoutUniform(...a);
        const y = dropoutUniform(...b);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
      }
      const r = (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
      expect(Math.abs(r), name).toBeLessThan(0.02);
    }
  });
});

describe('dropoutMask', () => {
  it('is 1 exactly where dropoutUniform > ratio, and keeps about 1 - ratio of 100,000 units', () => {
    const mask = new Uint8Array(200 * 500);
    dropoutMask(mask, 9, 4, 2, 200, 500, 0.3);
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 500; j++) {
        const expected = dropoutUniform(9, 4, 2, i, j) > 0.3 ? 1 : 0;
        if (mask[i * 500 + j] !== expected) throw new Error(`mask differs at row ${i}, unit ${j}`);
        kept += expected;
      }
    }
    // std of the share: sqrt(0.21 / 100000) = 0.0014
    expect(Math.abs(kept / 100_000 - 0.7)).toBeLessThan(0.007);
  });

  it('a row does not depend on the batch it is in: rows 0..2 of 3 are rows 0..2 of 7', () => {
    const small = new Uint8Array(3 * 40);
    const big = new Uint8Array(7 * 40);
    dropoutMask(small, 1, 2, 1, 3, 40, 0.5);
    dropoutMask(big, 1, 2, 1, 7, 40, 0.5);
    expect(Array.from(small)).toEqual(Array.from(big.subarray(0, 3 * 40)));
  });

  it('rejects a mask too short for rows x cols', () => {
    expect(() => dropoutMask(new Uint8Array(5), 1, 0, 1, 2, 3, 0.5)).toThrow(/dropoutMask: mask has 5 entries, needs 6/);
  });
});

function randomMatrix(random: Random, rows: number, cols: number, dtype: 'float32' | 'float64' = 'float64'): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.size; i++) m.data[i] = random.nextGaussian();
  return m;
}

describe('Dropout (not inverted, as the book)', () => {
  it('train: out = x * mask with the mask of the context (seed, iteration, layer); float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = randomMatrix(new Random(3), 8, 30, dtype);
      const dropout = new Dropout(0.4);
      dropout.setMaskContext(17, 6, 2);
      const out = dropout.forward(x);
      expect(out.dtype).toBe(dtype);
      const mask = dropout.mask!;
      let dropped = 0;
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 30; j++) {
          const kept = dropoutUniform(17, 6, 2, i, j) > 0.4;
          expect(mask[i * 30 + j]).toBe(kept ? 1 : 0);
          expect(out.get(i, j)).toBe(kept ? x.get(i, j) : 0 * x.get(i, j));
          if (!kept) dropped++;
        }
      }
      expect(dropped).toBeGreaterThan(60); // about 96 of 240
      expect(dropped).toBeLessThan(130);
    }
  });

  it('backward lets dout through with the same mask, and never writes into dout', () => {
    const random = new Random(4);
    const x = randomMatrix(random, 5, 12);
    const dout = randomMatrix(random, 5, 12);
    const doutCopy = Array.from(dout.data);
    const dropout = new Dropout(0.5);
    dropout.setMaskContext(1, 0, 1);
    const out = dropout.forward(x).clone();
    const dx = dropout.backward(dout);
    expect(dx).not.toBe(dout);
    expect(Array.from(dout.data)).toEqual(doutCopy);
    for (let k = 0; k < x.size; k++) {
      expect(dx.data[k]).toBe(dout.data[k] * dropout.mask![k]);
      expect(out.data[k] === 0).toBe(dropout.mask![k] === 0);
    }
  });

  it('the same context gives the same mask; another iteration or layer another one', () => {
    const x = randomMatrix(new Random(5), 4, 50);
    const dropout = new Dropout(0.5);
    const maskAt = (iteration: number, layer: number): number[] => {
      dropout.setMaskContext(8, iteration, layer);
      dropout.forward(x);
      return Array.from(dropout.mask!);
    };
    expect(maskAt(3, 1)).toEqual(maskAt(3, 1));
    expect(maskAt(4, 1)).not.toEqual(maskAt(3, 1));
    expect(maskAt(3, 2)).not.toEqual(maskAt(3, 1));
  });

  it('test: out = x (1 - ratio), and the mask of the last training forward stays as it was', () => {
    const x = Matrix.fromArray([[1, -2, 0.5], [4, 0, -8]], 'float64');
    const dropout = new Dropout(0.2);
    dropout.forward(x);
    const mask = Array.from(dropout.mask!);
    expect(dropout.forward(x, false).toArray()).toEqual([[0.8, -1.6, 0.4], [3.2, 0, -6.4]]);
    expect(Array.from(dropout.mask!)).toEqual(mask);
    expect(() => dropout.backward(x)).toThrow(/Dropout.backward: call forward in train mode/);
  });

  it('without a context, each training forward draws a new mask, and each Dropout its own (two made alike drop other units)', () => {
    const x = randomMatrix(new Random(6), 3, 40);
    const masks = (d: Dropout): number[][] => [0, 1, 2].map(() => (d.forward(x), Array.from(d.mask!)));
    const [first, second] = [new Dropout(0.5), new Dropout(0.5)];
    const [a, b] = [masks(first), masks(second)];
    for (const k of [0, 1, 2]) expect(b[k]).not.toEqual(a[k]);
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
    // The private counter is iteration 0, 1, 2 with the constructor's seed (0), at the layer
    // number of the order they were made in: consecutive.
    const layerOf = (mask: number[], iteration: number): number => {
      for (let layer = 1; layer < 10_000; layer++) if (mask.every((m, k) => m === (dropoutUniform(0, iteration, layer, Math.floor(k / 40), k % 40) > 0.5 ? 1 : 0))) return layer;
      return -1;
    };
    const layer = layerOf(a[1], 1);
    expect(layer).toBeGreaterThan(0);
    expect(layerOf(b[2], 2)).toBe(layer + 1);
  });

  it('ratio 0 keeps everything, in train mode and test mode', () => {
    const x = randomMatrix(new Random(7), 4, 25);
    const dropout = new Dropout(0);
    expect(Array.from(dropout.forward(x).data)).toEqual(Array.from(x.data));
    expect(Array.from(dropout.forward(x, false).data)).toEqual(Array.from(x.data));
  });

  it('rejects a ratio outside [0, 1), bad contexts, and backward before a forward', () => {
    expect(() => new Dropout(1)).toThrow(/Dropout: dropoutRatio must be a number in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).toThrow(RangeError);
    expect(() => new Dropout(NaN)).toThrow(RangeError);
    expect(() => new Dropout(0.5).setMaskContext(1, -1, 0)).toThrow(/iteration must be an integer >= 0, got -1/);
    expect(() => new Dropout(0.5).setMaskContext(1.5, 0, 0)).toThrow(/seed must be an integer, got 1.5/);
    expect(() => new Dropout(0.5).backward(Matrix.zeros(1, 2))).toThrow(/Dropout.backward/);
  });
});
