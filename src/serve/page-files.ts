/**
 * The built page (npm run build:page writes build/page/ from src/page/): read once into memory,
 * by a fixed list of names, so that serving it never touches the file system; and the data
 * script that tells the page what it shows (protocol.ts PageData).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError } from '../data/data-error.js';
import type { PageFile } from './page-server.js';
import { PAGE_DATA_GLOBAL, type PageData } from './protocol.js';

/** build/page, from dist/serve/ (or src/serve/ under vitest): two folders up either way. */
export const PAGE_BUILD_DIR = fileURLToPath(new URL('../../build/page/', import.meta.url));

/** The built files and their types: everything the page is made of, besides data.js. */
export const PAGE_FILE_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
};

export const DATA_SCRIPT = 'data.js';

/** The built files by name. @throws DataError when the page was not built. */
export function readPageFiles(dir = PAGE_BUILD_DIR): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(PAGE_FILE_TYPES)) {
    const path = `${dir}${name}`;
    try {
      files.set(name, readFileSync(path));
    } catch {
      throw new DataError(path, "the page is not built (run 'npm run build')");
    }
  }
  return files;
}

/** The data script: a classic script (it runs from file:// too) that sets window.BP_TRAIN_DATA. */
export function dataScript(data: PageData): Buffer {
  return Buffer.from(`window.${PAGE_DATA_GLOBAL} = ${JSON.stringify(data)};\n`);
}

/** The server's table: '/index.html', '/page.js', '/page.css' and '/data.js'. */
export function servedFiles(built: ReadonlyMap<string, Buffer>, data: PageData): Map<string, PageFile> {
  const table = new Map<string, PageFile>();
  for (const [name, body] of built) table.set(`/${name}`, { type: PAGE_FILE_TYPES[name], body });
  table.set(`/${DATA_SCRIPT}`, { type: 'text/javascript; charset=utf-8', body: dataScript(data) });
  return table;
}
