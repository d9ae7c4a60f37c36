/**
 * `bp-train export-page --model FILE --out DIR`: the page of a saved model as static files,
 * the model included (data.js), that work from file:// or any static host with no server:
 * index.html, page.js and page.css as built, and data.js, each written atomically.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WriteError, writeFileAtomic } from '../../io/write-file.js';
import { DATA_SCRIPT, dataScript, readPageFiles } from '../../serve/page-files.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT } from '../errors.js';
import { modelPageData, type ModelPageCliOptions } from './model-page.js';

export interface ExportPageCliOptions extends ModelPageCliOptions {
  out: string;
}

export async function exportPageCommand(opts: ExportPageCliOptions): Promise<number> {
  const built = readPageFiles();
  const data = await modelPageData(opts);
  makeFolder(opts.out);
  for (const [name, body] of built) writeFileAtomic(join(opts.out, name), body);
  writeFileAtomic(join(opts.out, DATA_SCRIPT), dataScript(data));
  processOutput.out(`bp-train: the page of ${opts.model} written to ${join(opts.out, 'index.html')} (open it in a browser, or publish the folder on any static host)`);
  return EXIT.ok;
}

const FOLDER_PROBLEMS: Record<string, string> = {
  EEXIST: 'it is a file, not a folder',
  ENOENT: 'the system refuses a folder there',
  ENOTDIR: 'a part of its path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** The --out folder, created with its parents if missing. @throws WriteError */
function makeFolder(dir: string): void {
  const code = createFolder(resolve(dir));
  if (code !== null) throw new WriteError(dir, `cannot create the folder: ${FOLDER_PROBLEMS[code] ?? code}`, code, false);
}

/**
 * Creates `dir` and its missing parents; the errno code when it cannot, else null. NOTE: not
 * mkdirSync's `recursive`, which on Node 20 never returns for a folder the system refuses
 * with ENOENT although its parent exists (in /proc, for one).
 */
function createFolder(dir: string): string | null {
  try {
    mkdirSync(dir);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'EEXIST') return statSync(dir).isDirectory() ? null : 'EEXIST';
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || existsSync(parent)) return code;
    const made = createFolder(parent);
    if (made !== null) return made;
    try {
      mkdirSync(dir);
      return null;
    } catch (again) {
      return (again as NodeJS.ErrnoException).code ?? 'EIO';
    }
  }
}
