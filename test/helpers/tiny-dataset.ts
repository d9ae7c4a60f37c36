/**
 * A tiny downloadable dataset for the download tests: the four gzipped IDX files of
 * idx-fixtures.ts (100 train / 20 test images by default) as the bytes a mirror serves, and the
 * catalog entry that describes them (their real sizes, md5 and sha256), written as a
 * BP_TRAIN_CATALOG file when the real binary needs it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CatalogEntry } from '../../src/data/catalog.js';
import { IDX_FILE_NAMES } from '../../src/data/sources.js';
import { encodeIdxImages, encodeIdxLabels, FIXTURE_SIDE, makeFixtureSplit } from './idx-fixtures.js';

/** The Fashion-MNIST class names, for a test entry that stands in for it. */
export const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** FILE.gz -> bytes, for the four files. */
export function tinyDatasetFiles({ trainCount = 100, testCount = 20, seed = 1 } = {}): Record<string, Buffer> {
  const train = makeFixtureSplit(trainCount, seed);
  const test = makeFixtureSplit(testCount, seed + 1);
  const gz = (bytes: Uint8Array): Buffer => gzipSync(bytes, { level: 9 });
  return {
    [`${IDX_FILE_NAMES.trainImages}.gz`]: gz(encodeIdxImages(train.images, trainCount, FIXTURE_SIDE, FIXTURE_SIDE)),
    [`${IDX_FILE_NAMES.trainLabels}.gz`]: gz(encodeIdxLabels(train.labels)),
    [`${IDX_FILE_NAMES.testImages}.gz`]: gz(encodeIdxImages(test.images, testCount, FIXTURE_SIDE, FIXTURE_SIDE)),
    [`${IDX_FILE_NAMES.testLabels}.gz`]: gz(encodeIdxLabels(test.labels)),
  };
}

/** The catalog entry of `files`: each file's size, md5 and sha256. */
export function entryFor(name: string, files: Record<string, Buffer>, { classNames = FASHION_NAMES, mirrors = [] as string[], withSize = true } = {}): CatalogEntry {
  const hex = (algorithm: string, bytes: Buffer): string => createHash(algorithm).update(bytes).digest('hex');
  return {
    name,
    title: `${name} (test copy)`,
    mirrors,
    files: Object.entries(files).map(([file, bytes]) => ({
      name: file,
      ...(withSize ? { size: bytes.length } : {}),
      md5: hex('md5', bytes),
      sha256: hex('sha256', bytes),
    })),
    classNames,
  };
}

/** Writes `{"datasets": entries}` to `file` (for BP_TRAIN_CATALOG). */
export function writeCatalog(file: string, entries: CatalogEntry[]): void {
  writeFileSync(file, JSON.stringify({ datasets: entries }, null, 2));
}
