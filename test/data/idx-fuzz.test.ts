/**
 * Seeded fuzz test for src/data/idx.ts: hundreds of truncated, bit-flipped, overwritten and
 * random-header variants of small valid files. Each must either parse to a self-consistent result
 * or throw a DataError naming the file; any other exception, or a slow parse, fails the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { parseIdx, readIdxFile, readIdxPair, type IdxFile } from '../../src/data/idx.js';
import { Random } from '../../src/data/random.js';
import { encodeIdxImages, encodeIdxLabels } from '../helpers/idx-fixtures.js';

type Outcome = 'parsed' | 'rejected';
const FILE = 'fuzz.idx';

const random = new Random(20_240_601);
const baseImages = encodeIdxImages(randomBytes(6 * 5 * 4, 256), 6, 5, 4);
const baseLabels = encodeIdxLabels(randomBytes(6, 10));

function randomBytes(length: number, below: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.nextInt(below));
}

/** Parse, then check what came back: a consistent result or a DataError for FILE. */
function parseOutcome(bytes: Uint8Array, expectDims: 1 | 3): Outcome {
  let result: IdxFile;
  try {
    result = parseIdx(bytes, FILE, expectDims);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    expect(err.file).toBe(FILE);
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    return 'rejected';
  }
  const { dims, data } = result;
  expect(dims).toHaveLength(expectDims);
  expect(dims.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
  expect(data.length).toBe(dims.reduce((a, b) => a * b, 1));
  expect(4 + 4 * expectDims + data.length).toBe(bytes.length);
  expect(data.buffer).toBe(bytes.buffer);
  return 'parsed';
}

function truncations(base: Uint8Array): Uint8Array[] {
  return Array.from({ length: base.length }, (_, n) => base.slice(0, n));
}

function bitFlips(base: Uint8Array, variants: number): Uint8Array[] {
  return Array.from({ length: variants }, () => {
    const out = base.slice();
    const flips = 1 + random.nextInt(4);
    for (let f = 0; f < flips; f++) out[random.nextInt(out.length)] ^= 1 << random.nextInt(8);
    return out;
  });
}

function overwrites(base: Uint8Array, variants: number): Uint8Array[] {
  return Array.from({ length: variants }, () => {
    const out = base.slice();
    const writes = 1 + random.nextInt(8);
    for (let w = 0; w < writes; w++) out[random.nextInt(Math.min(out.length, 24))] = random.nextInt(256);
    return out;
  });
}

/** Valid magic, then dims drawn from zero, small, large and 0xffffffff, then a short random body. */
function randomHeaders(ndims: 1 | 3, variants: number): Uint8Array[] {
  const pickDim = (): number => {
    const choices = [0, 1 + random.nextInt(8), random.nextUint32(), 0xffffffff, 60_000, 1 << 28];
    return choices[random.nextInt(choices.length)];
  };
  return Array.from({ length: variants }, () => {
    const body = random.nextInt(200);
    const out = new Uint8Array(4 + 4 * ndims + body);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x00000800 | ndims);
    for (let d = 0; d < ndims; d++) view.setUint32(4 + 4 * d, pickDim());
    return out;
  });
}

function randomFiles(variants: number): Uint8Array[] {
  return Array.from({ length: variants }, () => randomBytes(random.nextInt(64), 256));
}

describe('IDX fuzz', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bp-train-fuzz-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  // A hang guard, not a speed claim: the timeout (third argument) fails a parser that loops.
  it('every damaged in-memory file parses consistently or throws DataError, and never hangs', () => {
    const tally = (cases: Uint8Array[], dims: 1 | 3): Record<Outcome, number> => {
      const counts = { parsed: 0, rejected: 0 };
      for (const bytes of cases) counts[parseOutcome(bytes, dims)]++;
      return counts;
    };

    // Every strict prefix is rejected.
    expect(tally(truncations(baseImages), 3)).toEqual({ parsed: 0, rejected: baseImages.length });
    expect(tally(truncations(baseLabels), 1)).toEqual({ parsed: 0, rejected: baseLabels.length });

    // Flips in the data region leave a valid file, flips in the header mostly do not.
    const flipped = tally(bitFlips(baseImages, 200), 3);
    expect(flipped.parsed).toBeGreaterThan(0);
    expect(flipped.rejected).toBeGreaterThan(0);
    const flippedLabels = tally(bitFlips(baseLabels, 100), 1);
    expect(flippedLabels.parsed + flippedLabels.rejected).toBe(100);

    // Overwrites aimed at the header.
    const overwritten = tally(overwrites(baseImages, 100), 3);
    expect(overwritten.rejected).toBeGreaterThan(50);

    // Random headers: almost all must be rejected, none may allocate or hang.
    const headers = tally(randomHeaders(3, 100), 3);
    expect(headers.rejected).toBeGreaterThan(90);
    const labelHeaders = tally(randomHeaders(1, 100), 1);
    expect(labelHeaders.rejected).toBeGreaterThan(90);

    // Random bytes, read as either kind.
    expect(tally(randomFiles(50), 3).parsed).toBe(0);
    expect(tally(randomFiles(50), 1).parsed).toBe(0);
  }, 20_000);

  it('damaged files on disk, raw and gzipped, only ever throw DataError', () => {
    const variants = [...bitFlips(baseLabels, 40), ...truncations(baseLabels), ...randomHeaders(1, 20)];
    let labelsPassed = 0;
    variants.forEach((bytes, i) => {
      const images = join(tmp, `images-${i}`);
      const labels = join(tmp, `labels-${i}`);
      writeFileSync(images, baseImages);
      writeFileSync(labels, bytes);
      try {
        const split = readIdxPair(images, labels);
        expect(split.count).toBe(6);
        expect(split.labels.every((label) => label <= 9)).toBe(true);
        labelsPassed++;
      } catch (err) {
        expect(err).toBeInstanceOf(DataError);
        expect((err as DataError).file).toBe(labels);
      }
    });
    expect(labelsPassed).toBeLessThan(variants.length);

    const gzipped = gzipSync(baseImages);
    const gzVariants = [...bitFlips(gzipped, 60), ...truncations(gzipped).slice(0, 40), ...randomFiles(20)];
    let gzParsed = 0;
    gzVariants.forEach((bytes, i) => {
      const file = join(tmp, `images-${i}.gz`);
      writeFileSync(file, bytes);
      try {
        const { dims, data } = readIdxFile(file, 3);
        expect(data.length).toBe(dims.reduce((a, b) => a * b, 1));
        gzParsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(DataError);
        expect((err as DataError).file).toBe(file);
      }
    });
    expect(gzParsed).toBeLessThan(gzVariants.length);
  }, 20_000);
});
