/**
 * What the cache holds for a catalog dataset, looked up without reading the files: each file
 * there or not, with its size against the published one, and any .part of an interrupted
 * download. Checksums are verify()'s job (download.ts): a file only enters the cache verified,
 * so loading trusts a file whose size is right.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogEntry, CatalogFile } from './catalog.js';
import { datasetDir } from './cache-dir.js';

export interface CachedFile {
  file: CatalogFile;
  path: string;
  /** Bytes on disk, or null when the file is not there. */
  size: number | null;
  /** There, and of the published size (when one is published). */
  usable: boolean;
  /** Bytes in FILE.part (an interrupted download, resumed by the next fetch), or null. */
  partial: number | null;
}

export interface CacheState {
  dir: string;
  files: CachedFile[];
  /** Every file usable. */
  complete: boolean;
}

export function cacheState(entry: CatalogEntry, env: NodeJS.ProcessEnv = process.env): CacheState {
  const dir = datasetDir(entry.name, env);
  const files = entry.files.map((file): CachedFile => {
    const path = join(dir, file.name);
    const size = fileSize(path);
    const usable = size !== null && (file.size === undefined || size === file.size);
    return { file, path, size, usable, partial: fileSize(`${path}.part`) };
  });
  return { dir, files, complete: files.every((f) => f.usable) };
}

/** "train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (12 bytes, expected 5148)" */
export function missingText(state: CacheState): string {
  return state.files
    .filter((f) => !f.usable)
    .map((f) => (f.size === null ? f.file.name : `${f.file.name} (${f.size} bytes, expected ${f.file.size})`))
    .join(', ');
}

function fileSize(path: string): number | null {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}
