/**
 * `bp-train export-page --model FILE --out DIR`: the page of a saved model as static files,
 * the model included (data.js), that work from file:// or any static host with no server:
 * index.html, page.js and page.css as built, and data.js, each written atomically.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFolder, folderProblem } from '../../io/create-folder.js';
import { realFile, WriteError, writeFileAtomic } from '../../io/write-file.js';
import { PAGE_DATA_GLOBAL } from '../../serve/protocol.js';
import { DATA_SCRIPT, dataScript, readPageFiles } from '../../serve/page-files.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT, UsageError } from '../errors.js';
import { modelPageData, type ModelPageCliOptions } from './model-page.js';

export interface ExportPageCliOptions extends ModelPageCliOptions {
  out: string;
}

export async function exportPageCommand(opts: ExportPageCliOptions): Promise<number> {
  const built = readPageFiles();
  checkOut(opts.out, opts.model, [...built.keys(), DATA_SCRIPT]);
  const data = await modelPageData(opts);
  makeFolder(opts.out);
  for (const [name, body] of built) writeFileAtomic(join(opts.out, name), body);
  writeFileAtomic(join(opts.out, DATA_SCRIPT), dataScript(data));
  processOutput.out(`bp-train: the page of ${opts.model} written to ${join(opts.out, 'index.html')} (open it in a browser, or publish the folder on any static host)`);
  return EXIT.ok;
}

/**
 * Before anything is written: --out is a folder or not there yet; it holds none of the page's
 * files, or those of an earlier export (data.js starts with the page's global), so that
 * nothing of the user's is replaced; none of them is the model or a folder.
 * @throws UsageError
 */
function checkOut(out: string, model: string, names: string[]): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out '${out}': it is a file, not a folder`);
  const modelFile = realFile(model);
  const present: string[] = [];
  for (const name of names) {
    const file = join(out, name);
    if (realFile(file) === modelFile) throw new UsageError(`--model '${model}' is ${name} in --out '${out}': the page would be written over it; give another --out`);
    if (!existsSync(file)) continue;
    if (!statSync(file).isFile()) throw new UsageError(`--out '${out}': ${name} is there and is not a file`);
    present.push(name);
  }
  if (present.length > 0 && !isEarlierExport(join(out, DATA_SCRIPT))) {
    throw new UsageError(`--out '${out}' already holds ${present.join(', ')}, not a page bp-train exported: give a new or empty folder`);
  }
}

/** Whether `file` is the data.js of an export (written again by a new one). */
function isEarlierExport(file: string): boolean {
  const start = `window.${PAGE_DATA_GLOBAL} = `;
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(start.length);
      return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('utf8') === start;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The --out folder, created with its parents if missing. @throws WriteError */
function makeFolder(dir: string): void {
  const code = createFolder(dir);
  if (code !== null) throw new WriteError(dir, `cannot create the folder: ${folderProblem(code)}`, code, false);
}
