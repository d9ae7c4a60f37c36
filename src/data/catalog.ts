/**
 * The datasets bp-train knows by name and can download: for each, its four gzipped IDX files
 * with the size and checksums their maintainers publish, the mirrors that serve them (tried in
 * order, each file at MIRROR + FILE) and the names of its ten classes.
 *
 * Checksums and sizes (checked on every download, see download.ts):
 * - md5: torchvision's dataset code (torchvision/datasets/mnist.py, FashionMNIST and KMNIST
 *   `resources`);
 * - size and sha256: TensorFlow Datasets' url_checksums (fashion_mnist.txt, kmnist.txt), the
 *   same files as torchvision's md5 sums describe.
 *
 * `BP_TRAIN_CATALOG=FILE` adds datasets of your own (a private mirror of a private dataset)
 * or replaces a built-in entry of the same name: FILE is JSON, `{"datasets": [ENTRY, ...]}`,
 * each ENTRY shaped like CatalogEntry below. The tests use it to describe the small files their
 * local server serves, since no test file can match the real checksums.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './data-error.js';

/** One file of a dataset: its name in the cache and on the mirrors, what it must be. */
export interface CatalogFile {
  name: string;
  /** Exact size in bytes, when published. */
  size?: number;
  /** Lower-case hex digests; at least one of the two is required. */
  md5?: string;
  sha256?: string;
}

export interface CatalogEntry {
  /** The name given to --data and `bp-train data`: lower case, digits, '.', '_', '-'. */
  name: string;
  /** For people: "Fashion-MNIST (Zalando Research)". */
  title: string;
  homepage?: string;
  license?: string;
  /** Base URLs, tried in order; a file is fetched from MIRROR + FILE. */
  mirrors: string[];
  /** The four IDX files (IDX_FILE_NAMES, each gzipped with .gz added, or raw). */
  files: CatalogFile[];
  /** The names of classes 0..9, for eval, predict and charts. */
  classNames: string[];
}

/** The names of classes 0..9 when a dataset says nothing else: the digits. */
export const DIGIT_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The file names an entry may list: the four IDX names, raw or with .gz. */
const IDX_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Names that are not catalog entries: the bundled sources of sources.ts. */
const RESERVED_NAMES = ['mnist', 'mnist-lite'];

export const BUILT_IN_CATALOG: readonly CatalogEntry[] = [
  {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando Research): 70,000 pictures of clothing, 60,000 train / 10,000 test',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    license: 'MIT',
    mirrors: [
      'https://fashion-mnist.s3.eu-central-1.amazonaws.com/',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', // torchvision's mirror
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    ],
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        size: 26421880,
        md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        size: 29515,
        md5: '25c81989df183df01b3e8a0aad5dffbe',
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        size: 4422102,
        md5: 'bef4ecab320f06d8554ea6380940ec79',
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        size: 5148,
        md5: 'bb300cfdad3c16e7a12a480ee83cd310',
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  {
    name: 'kmnist',
    title: 'Kuzushiji-MNIST (ROIS-CODH): 70,000 cursive hiragana, one for each row of the table, 60,000 train / 10,000 test',
    homepage: 'https://github.com/rois-codh/kmnist',
    license: 'CC BY-SA 4.0',
    mirrors: [
      'https://codh.rois.ac.jp/kmnist/dataset/kmnist/',
      'http://codh.rois.ac.jp/kmnist/dataset/kmnist/', // torchvision's mirror
    ],
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        size: 18165135,
        md5: 'bdb82020997e1d708af4cf47b453dcf7',
        sha256: '51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4',
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        size: 29497,
        md5: 'e144d726b3acfaa3e44228e80efcd344',
        sha256: 'e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17',
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        size: 3041136,
        md5: '5c965bf0a639b31b8f53240b1b52f4d7',
        sha256: 'edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5',
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        size: 5120,
        md5: '7320c461ea6c1c855c0b718fb2a4b134',
        sha256: '20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c',
      },
    ],
    // o, ki, su, tsu, na, ha, ma, ya, re, wo: the modern form of each class's character
    classNames: ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'],
  },
];

/**
 * The catalog in force: the built-in entries, with those of $BP_TRAIN_CATALOG added or put in
 * their place (same name).
 * @throws DataError when BP_TRAIN_CATALOG names a missing or malformed file.
 */
export function loadCatalog(env: NodeJS.ProcessEnv = process.env): CatalogEntry[] {
  const file = env.BP_TRAIN_CATALOG;
  if (file === undefined || file === '') return BUILT_IN_CATALOG.map((e) => e);
  const extra = readCatalogFile(file);
  const merged = BUILT_IN_CATALOG.filter((e) => !extra.some((x) => x.name === e.name));
  return [...merged, ...extra];
}

/** The entry named `name`, or undefined. */
export function findEntry(name: string, env: NodeJS.ProcessEnv = process.env): CatalogEntry | undefined {
  return loadCatalog(env).find((e) => e.name === name);
}

/** Reads and checks a catalog file: `{"datasets": [ENTRY, ...]}`. */
export function readCatalogFile(file: string): CatalogEntry[] {
  const where = `BP_TRAIN_CATALOG ${file}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DataError(where, `cannot read a JSON catalog (${err instanceof Error ? err.message : String(err)})`);
  }
  const datasets = isRecord(parsed) ? parsed.datasets : undefined;
  if (!Array.isArray(datasets)) throw new DataError(where, 'expected an object {"datasets": [...]}');
  const entries = datasets.map((value: unknown, i) => checkEntry(value, `${where}: datasets[${i}]`));
  const names = entries.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new DataError(where, `dataset '${twice}' is listed twice`);
  return entries;
}

function checkEntry(value: unknown, where: string): CatalogEntry {
  const fail = (problem: string): never => {
    throw new DataError(where, problem);
  };
  if (!isRecord(value)) return fail('expected an object');
  const name = value.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    return fail('"name" must be 1 to 64 of a-z, 0-9, ".", "_", "-", starting with a letter or digit');
  }
  if (RESERVED_NAMES.includes(name)) fail(`"name" '${name}' is a bundled dataset and cannot be replaced`);
  const title = value.title ?? name;
  if (typeof title !== 'string') fail('"title" must be a string');
  const mirrors = value.mirrors ?? [];
  if (!Array.isArray(mirrors) || !mirrors.every((m): m is string => typeof m === 'string' && isHttpUrl(m))) {
    return fail('"mirrors" must be a list of http:// or https:// URLs');
  }
  const files = value.files;
  if (!Array.isArray(files)) return fail('"files" must be a list of the four IDX files');
  const checked = files.map((f: unknown, i) => checkFile(f, `${where}.files[${i}]`));
  for (const idx of IDX_NAMES) {
    const matching = checked.filter((f) => f.name === idx || f.name === `${idx}.gz`);
    if (matching.length !== 1) fail(`"files" must list ${idx} (or ${idx}.gz) exactly once`);
  }
  if (checked.length !== IDX_NAMES.length) fail(`"files" must list exactly the four IDX files, not ${checked.length}`);
  const classNames = value.classNames ?? DIGIT_CLASS_NAMES;
  if (!Array.isArray(classNames) || classNames.length !== 10 || !classNames.every((c): c is string => typeof c === 'string' && c !== '')) {
    return fail('"classNames" must be a list of 10 non-empty strings (classes 0..9)');
  }
  const entry: CatalogEntry = { name, title: title as string, mirrors, files: checked, classNames };
  if (typeof value.homepage === 'string') entry.homepage = value.homepage;
  if (typeof value.license === 'string') entry.license = value.license;
  return entry;
}

function checkFile(value: unknown, where: string): CatalogFile {
  const fail = (problem: string): never => {
    throw new DataError(where, problem);
  };
  if (!isRecord(value)) return fail('expected an object');
  const { name, size, md5, sha256 } = value;
  if (typeof name !== 'string') return fail('"name" must be a string');
  const file: CatalogFile = { name };
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) fail('"size" must be a positive integer (bytes)');
    file.size = size as number;
  }
  if (md5 !== undefined) {
    if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/i.test(md5)) fail('"md5" must be 32 hex digits');
    file.md5 = (md5 as string).toLowerCase();
  }
  if (sha256 !== undefined) {
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(sha256)) fail('"sha256" must be 64 hex digits');
    file.sha256 = (sha256 as string).toLowerCase();
  }
  if (file.md5 === undefined && file.sha256 === undefined) fail('needs "md5" or "sha256": a file that cannot be checked is not downloaded');
  return file;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
