/** Tests for src/data/idx.ts: exact parsing of hand-built IDX files and one DataError per kind of damage. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { parseIdx, readIdxFile, readIdxPair } from '../../src/data/idx.js';
import { encodeIdxImages, encodeIdxLabels } from '../helpers/idx-fixtures.js';

// Two 2 x 3 images holding 1..12, written out byte by byte.
const IMAGES = Uint8Array.from([
  0x00, 0x00, 0x08, 0x03, // magic: unsigned bytes, 3 dims
  0, 0, 0, 2, // count
  0, 0, 0, 2, // rows
  0, 0, 0, 3, // cols
  1, 2, 3, 4, 5, 6, // image 0
  7, 8, 9, 10, 11, 12, // image 1
]);
const LABELS = Uint8Array.from([0x00, 0x00, 0x08, 0x01, 0, 0, 0, 2, 7, 9]);

const tmp = mkdtempSync(join(tmpdir(), 'bp-train-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCounter = 0;
/** Write bytes to a fresh file in the temp dir (gzipped when the name ends in .gz). */
function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, `${fileCounter++}-${name}`);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return path;
}

function withBytes(base: Uint8Array, edits: Record<number, number>): Uint8Array {
  const out = Uint8Array.from(base);
  for (const [at, value] of Object.entries(edits)) out[Number(at)] = value;
  return out;
}

/** Run fn, expect a DataError for `file` whose problem matches `problem`. */
function expectDataError(fn: () => unknown, file: string, problem: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  expect(err.file).toBe(file);
  expect(err.message).toBe(`${file}: ${err.problem}`);
  expect(err.problem).toMatch(problem);
}

describe('parseIdx on good files', () => {
  it('parses hand-built images to exact dims and pixels, without copying', () => {
    const { dims, data } = parseIdx(IMAGES, 'images.idx', 3);
    expect(dims).toEqual([2, 2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(data.buffer).toBe(IMAGES.buffer);
    expect(data.byteOffset).toBe(16);
  });

  it('parses hand-built labels', () => {
    const { dims, data } = parseIdx(LABELS, 'labels.idx', 1);
    expect(dims).toEqual([2]);
    expect(Array.from(data)).toEqual([7, 9]);
  });

  it('reads the header correctly from a view that does not start at byte 0', () => {
    const big = new Uint8Array(5 + IMAGES.length + 4);
    big.set(IMAGES, 5);
    const { dims, data } = parseIdx(big.subarray(5, 5 + IMAGES.length), 'x', 3);
    expect(dims).toEqual([2, 2, 3]);
    expect(data[11]).toBe(12);
  });

  it('agrees with the test encoders', () => {
    expect(encodeIdxImages(Uint8Array.from(IMAGES.subarray(16)), 2, 2, 3)).toEqual(IMAGES);
    expect(encodeIdxLabels(Uint8Array.from([7, 9]))).toEqual(LABELS);
  });
});

describe('readIdxFile / readIdxPair on good files', () => {
  it('reads a raw pair into a Split with exact values', () => {
    const split = readIdxPair(writeTemp('img', IMAGES), writeTemp('lbl', LABELS));
    expect(split.count).toBe(2);
    expect(split.rows).toBe(2);
    expect(split.cols).toBe(3);
    expect(Array.from(split.images)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(split.labels)).toEqual([7, 9]);
  });

  it('round-trips through .gz', () => {
    const raw = readIdxFile(writeTemp('img', IMAGES), 3);
    const gz = readIdxFile(writeTemp('img.gz', IMAGES), 3);
    expect(gz.dims).toEqual(raw.dims);
    expect(gz.data).toEqual(raw.data);

    const split = readIdxPair(writeTemp('img.gz', IMAGES), writeTemp('lbl.gz', LABELS));
    expect(Array.from(split.labels)).toEqual([7, 9]);
    expect(split.images[5]).toBe(6);
  });

  it('accepts labels 0 and 9 at the edges of the range', () => {
    const labels = encodeIdxLabels(Uint8Array.from([0, 9]));
    const split = readIdxPair(writeTemp('img', IMAGES), writeTemp('lbl', labels));
    expect(Array.from(split.labels)).toEqual([0, 9]);
  });
});

describe('broken files throw a DataError naming the file and the problem', () => {
  it('truncated', () => {
    const file = writeTemp('img', IMAGES.subarray(0, IMAGES.length - 1));
    expectDataError(
      () => readIdxFile(file, 3),
      file,
      /^truncated: expected 28 bytes \(16-byte header \+ 2 x 2 x 3\), found 27$/,
    );
  });

  it('trailing bytes', () => {
    const longer = new Uint8Array(IMAGES.length + 3);
    longer.set(IMAGES);
    const file = writeTemp('img', longer);
    expectDataError(
      () => readIdxFile(file, 3),
      file,
      /^trailing bytes: expected 28 bytes .*, found 31 \(3 extra\)$/,
    );
  });

  it('wrong magic number, in hex', () => {
    const file = writeTemp('img', withBytes(IMAGES, { 0: 0x12, 1: 0x34 }));
    expectDataError(
      () => readIdxFile(file, 3),
      file,
      /^wrong magic number: expected 0x00000803, found 0x12340803$/,
    );
  });

  it('a raw-named file that is really gzip gets a hint', () => {
    const file = join(tmp, 'gzip-in-disguise');
    writeFileSync(file, gzipSync(IMAGES));
    expectDataError(
      () => readIdxFile(file, 3),
      file,
      /wrong magic number: expected 0x00000803, found 0x1f8b.*name it \.gz/,
    );
  });

  it('wrong type code', () => {
    const file = writeTemp('img', withBytes(IMAGES, { 2: 0x0d }));
    expectDataError(
      () => readIdxFile(file, 3),
      file,
      /^wrong type code 0x0d, expected 0x08 \(unsigned byte\)/,
    );
  });

  it('wrong number of dimensions', () => {
    const labels = writeTemp('lbl', LABELS);
    expectDataError(
      () => readIdxFile(labels, 3),
      labels,
      /^wrong number of dimensions: expected 3 .*found 1$/,
    );
    const images = writeTemp('img', IMAGES);
    expectDataError(
      () => readIdxFile(images, 1),
      images,
      /^wrong number of dimensions: expected 1 .*found 3$/,
    );
  });

  it('too short for a header', () => {
    expectDataError(
      () => parseIdx(new Uint8Array(0), 'empty', 1),
      'empty',
      /^too short for an IDX header: 0 bytes$/,
    );
    expectDataError(
      () => parseIdx(IMAGES.subarray(0, 10), 'short', 3),
      'short',
      /^too short .*10 bytes, the header needs 16$/,
    );
  });

  it('zero dimension', () => {
    const bytes = withBytes(IMAGES, { 11: 0 }); // rows = 0
    expectDataError(() => parseIdx(bytes, 'f', 3), 'f', /^dimension 1 is zero \(dims 2 x 0 x 3\)$/);
  });

  it('absurd dimensions, rejected before any length is trusted', () => {
    const hugeCount = withBytes(IMAGES, { 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff });
    expectDataError(() => parseIdx(hugeCount, 'f', 3), 'f', /^absurd dimensions 4294967295 x 2 x 3/);
    const hugeSide = withBytes(IMAGES, { 13: 0x01 }); // cols = 0x00010003
    expectDataError(
      () => parseIdx(hugeSide, 'f', 3),
      'f',
      /^absurd image size 2 x 65539 \(largest accepted side is 4096\)$/,
    );
  });

  it('image count differs from label count', () => {
    const images = writeTemp('img', IMAGES);
    const labels = writeTemp('lbl', encodeIdxLabels(Uint8Array.from([1, 2, 3])));
    expectDataError(
      () => readIdxPair(images, labels),
      labels,
      new RegExp(`^holds 3 labels but ${escape(images)} holds 2 images$`),
    );
  });

  it('label 10 (index and value of the first bad label)', () => {
    const images = writeTemp('img', IMAGES);
    const labels = writeTemp('lbl', encodeIdxLabels(Uint8Array.from([3, 10])));
    expectDataError(() => readIdxPair(images, labels), labels, /^label at index 1 is 10, expected 0\.\.9$/);
  });

  it('corrupt gzip', () => {
    const damaged = gzipSync(IMAGES);
    damaged[damaged.length - 6] ^= 0xff; // inside the CRC32 trailer
    const file = join(tmp, 'damaged.gz');
    writeFileSync(file, damaged);
    expectDataError(() => readIdxFile(file, 3), file, /^corrupt gzip data/);

    const notGzip = join(tmp, 'not-gzip.gz');
    writeFileSync(notGzip, IMAGES);
    expectDataError(() => readIdxFile(notGzip, 3), notGzip, /^corrupt gzip data/);
  });

  it('gzip that expands past the 256 MB cap', () => {
    const member = gzipSync(new Uint8Array(16 << 20)); // 16 MB of zeros, ~16 KB compressed
    const file = join(tmp, 'bomb.gz');
    writeFileSync(file, Buffer.concat(Array.from({ length: 17 }, () => member))); // 272 MB once inflated
    expectDataError(() => readIdxFile(file, 3), file, /^decompresses to more than 256 MB$/);
  });

  it('missing file, and a directory where a file should be', () => {
    const missing = join(tmp, 'does-not-exist');
    expectDataError(() => readIdxFile(missing, 3), missing, /^no such file$/);
    const dir = join(tmp, 'a-directory');
    mkdirSync(dir);
    expectDataError(() => readIdxFile(dir, 1), dir, /^is a directory/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
