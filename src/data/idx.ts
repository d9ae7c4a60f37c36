/**
 * Reader for IDX files, the format MNIST ships in (http://yann.lecun.com/exdb/mnist/).
 *
 * An IDX file is a big-endian header followed by raw data:
 *   bytes 0-1  zero
 *   byte  2    type code; only 0x08 (unsigned byte) is accepted
 *   byte  3    number of dimensions: 3 for images (count, rows, cols), 1 for labels (count)
 *   then one uint32 per dimension, then product(dims) data bytes.
 *
 * Every problem becomes a DataError naming the file. Sizes claimed by the header are checked
 * against the real file length before anything is trusted, so a hostile header cannot make us
 * allocate or loop over gigabytes. Files ending in .gz are gunzipped first (capped output).
 *
 * This file reads single files and image/label pairs; which files make up a dataset is
 * sources.ts's business.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from './data-error.js';
import type { Split } from './dataset.js';

/** Largest IDX file accepted, raw or after gunzip. Full MNIST training images are about 47 MB. */
export const MAX_IDX_BYTES = 256 * 1024 * 1024;

/** Largest accepted image side (rows or cols). MNIST is 28. */
export const MAX_IMAGE_SIDE = 4096;

/** Type code 0x08: each data element is one unsigned byte. */
const UNSIGNED_BYTE = 0x08;

/** A parsed IDX file: its dimensions and its data as a view on the file bytes. */
export interface IdxFile {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parse the bytes of an IDX file of unsigned bytes with `expectDims` dimensions.
 * `file` is only used in error messages. `data` is a subarray of `bytes` (no copy).
 * @throws DataError for any malformed header or a length that disagrees with the header.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectDims: 1 | 3): IdxFile {
  const fail = (problem: string): never => {
    throw new DataError(file, problem);
  };
  if (bytes.length < 4) fail(`too short for an IDX header: ${bytes.length} bytes`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expectedMagic = (UNSIGNED_BYTE << 8) | expectDims;
  const foundMagic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gzipHint =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the file looks gzip-compressed: name it .gz)' : '';
    fail(`wrong magic number: expected ${hex32(expectedMagic)}, found ${hex32(foundMagic)}${gzipHint}`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    fail(
      `wrong type code ${hex8(bytes[2])}, expected ${hex8(UNSIGNED_BYTE)} (unsigned byte)` +
        ` (magic found ${hex32(foundMagic)}, expected ${hex32(expectedMagic)})`,
    );
  }
  const ndims = bytes[3];
  if (ndims !== expectDims) {
    fail(`wrong number of dimensions: expected ${expectDims} (${kind(expectDims)}), found ${ndims}`);
  }

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(`too short for an IDX header: ${bytes.length} bytes, the header needs ${headerBytes}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d));

  checkDims(dims, fail);

  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + dataBytes;
  const layout = `${headerBytes}-byte header + ${dims.join(' x ')}`;
  if (bytes.length < expected) {
    fail(`truncated: expected ${expected} bytes (${layout}), found ${bytes.length}`);
  }
  if (bytes.length > expected) {
    const extra = bytes.length - expected;
    fail(`trailing bytes: expected ${expected} bytes (${layout}), found ${bytes.length} (${extra} extra)`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Read and parse one IDX file from disk; a name ending in .gz is gunzipped first.
 * @throws DataError if the file is missing, unreadable, corrupt or malformed.
 */
export function readIdxFile(path: string, expectDims: 1 | 3): IdxFile {
  const raw = readBytes(path);
  const bytes = path.endsWith('.gz') ? gunzip(raw, path) : raw;
  return parseIdx(bytes, path, expectDims);
}

/**
 * Read an images file and its labels file into one Split.
 * @throws DataError if either file is bad, the counts differ or a label is outside 0..9.
 */
export function readIdxPair(imagesPath: string, labelsPath: string): Split {
  const images = readIdxFile(imagesPath, 3);
  const labels = readIdxFile(labelsPath, 1);
  const [count, rows, cols] = images.dims;
  const labelCount = labels.dims[0];

  if (labelCount !== count) {
    throw new DataError(labelsPath, `holds ${labelCount} labels but ${imagesPath} holds ${count} images`);
  }
  for (let i = 0; i < labelCount; i++) {
    const label = labels.data[i];
    if (label > 9) {
      throw new DataError(labelsPath, `label at index ${i} is ${label}, expected 0..9`);
    }
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/** Reject zero sizes, absurd image sides and headers promising more data than we would ever read. */
function checkDims(dims: number[], fail: (problem: string) => never): void {
  dims.forEach((size, d) => {
    if (size === 0) fail(`dimension ${d} is zero (dims ${dims.join(' x ')})`);
  });
  if (dims.length === 3) {
    const [, rows, cols] = dims;
    if (rows > MAX_IMAGE_SIDE || cols > MAX_IMAGE_SIDE) {
      fail(`absurd image size ${rows} x ${cols} (largest accepted side is ${MAX_IMAGE_SIDE})`);
    }
  }
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  if (dataBytes > MAX_IDX_BYTES) {
    fail(`absurd dimensions ${dims.join(' x ')}: ${dataBytes} data bytes, over the ${megabytes(MAX_IDX_BYTES)} limit`);
  }
}

/**
 * The whole file as a Uint8Array, after checking it is a regular file of sane size. The bytes
 * sit in a SharedArrayBuffer so that evaluation worker threads (train/eval-pool.ts) read the
 * images where they are, without a copy of their own.
 */
function readBytes(path: string): Uint8Array {
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new DataError(path, 'is a directory, expected an IDX file');
    if (stats.size > MAX_IDX_BYTES) {
      throw new DataError(path, `file is ${stats.size} bytes, over the ${megabytes(MAX_IDX_BYTES)} limit`);
    }
    const bytes = new Uint8Array(new SharedArrayBuffer(stats.size));
    const fd = openSync(path, 'r');
    let read = 0;
    try {
      for (let n = 1; n > 0 && read < bytes.length; read += n) n = readSync(fd, bytes, read, bytes.length - read, read);
    } finally {
      closeSync(fd);
    }
    return read === bytes.length ? bytes : bytes.subarray(0, read);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(path, describeReadError(err));
  }
}

/** Gunzip with a cap on the output size, turning zlib errors into DataErrors. */
function gunzip(compressed: Uint8Array, path: string): Uint8Array {
  try {
    const buffer = gunzipSync(compressed, { maxOutputLength: MAX_IDX_BYTES });
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (err) {
    if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(path, `decompresses to more than ${megabytes(MAX_IDX_BYTES)}`);
    }
    throw new DataError(path, `corrupt gzip data (${errorMessage(err)})`);
  }
}

function describeReadError(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read file (${errorMessage(err)})`;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function kind(ndims: 1 | 3): string {
  return ndims === 3 ? 'images: count x rows x cols' : 'labels: count';
}

function hex32(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}

function hex8(value: number): string {
  return '0x' + value.toString(16).padStart(2, '0');
}

function megabytes(bytes: number): string {
  return `${bytes / (1024 * 1024)} MB`;
}
