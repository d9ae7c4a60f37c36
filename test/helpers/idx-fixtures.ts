/**
 * Test helpers for IDX data: encode images and labels as IDX bytes and write a small, valid,
 * deterministic four-file dataset (MNIST layout, 28 x 28) into a directory.
 *
 * Fixture images are pseudo-random noise plus a bright horizontal band whose row depends on the
 * label, so a network can actually learn them. They are for tests only, not realistic digits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Random } from '../../src/data/random.js';
import { IDX_FILE_NAMES } from '../../src/data/sources.js';

/** Side of fixture images, as in MNIST. */
export const FIXTURE_SIDE = 28;

/** Encode `count` images of rows x cols bytes as an IDX file (magic 0x00000803). */
export function encodeIdxImages(images: Uint8Array, count: number, rows: number, cols: number): Uint8Array {
  if (images.length !== count * rows * cols) {
    throw new Error(`encodeIdxImages: ${images.length} bytes is not ${count} x ${rows} x ${cols}`);
  }
  const out = new Uint8Array(16 + images.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  out.set(images, 16);
  return out;
}

/** Encode labels as an IDX file (magic 0x00000801). */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000801);
  view.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

/**
 * The images and labels writeIdxDir writes for one split: labels cycle 0..9 then get shuffled
 * (so any 10 or more examples cover every class), pixels are noise 0..59 plus a 255-valued band
 * two rows high at row 3 + 2 * label.
 */
export function makeFixtureSplit(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const random = new Random(seed);
  const pixels = FIXTURE_SIDE * FIXTURE_SIDE;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  const order = Array.from(labels);
  random.shuffle(order);
  labels.set(order);

  const images = new Uint8Array(count * pixels);
  for (let i = 0; i < count; i++) {
    const bandRow = 3 + 2 * labels[i];
    for (let p = 0; p < pixels; p++) {
      const row = Math.floor(p / FIXTURE_SIDE);
      images[i * pixels + p] = row === bandRow || row === bandRow + 1 ? 255 : random.nextInt(60);
    }
  }
  return { images, labels };
}

/** Options for writeIdxDir; seed drives the train split, seed + 1 the test split. */
export interface IdxDirOptions {
  trainCount?: number;
  testCount?: number;
  gzip?: boolean;
  seed?: number;
}

/**
 * Write train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte (with .gz appended and gzipped when `gzip`) into `dir`, creating it.
 * Defaults: 100 train, 20 test, raw files, seed 1. The content equals makeFixtureSplit(count, seed).
 */
export function writeIdxDir(dir: string, opts: IdxDirOptions = {}): void {
  const { trainCount = 100, testCount = 20, gzip = false, seed = 1 } = opts;
  const train = makeFixtureSplit(trainCount, seed);
  const test = makeFixtureSplit(testCount, seed + 1);
  const side = FIXTURE_SIDE;

  mkdirSync(dir, { recursive: true });
  const write = (name: string, bytes: Uint8Array): void => {
    if (gzip) writeFileSync(join(dir, name + '.gz'), gzipSync(bytes));
    else writeFileSync(join(dir, name), bytes);
  };
  write(IDX_FILE_NAMES.trainImages, encodeIdxImages(train.images, trainCount, side, side));
  write(IDX_FILE_NAMES.trainLabels, encodeIdxLabels(train.labels));
  write(IDX_FILE_NAMES.testImages, encodeIdxImages(test.images, testCount, side, side));
  write(IDX_FILE_NAMES.testLabels, encodeIdxLabels(test.labels));
}
