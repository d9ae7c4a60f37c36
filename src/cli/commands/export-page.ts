/**
 * `bp-train export-page --model FILE --out DIR`: the page of a saved model as static files,
 * the model included (data.js), that work from file:// or any static host with no server:
 * index.html, page.js and page.css as built, and data.js, each written atomically.
 */
import { join } from 'node:path';
import { createFolder, folderProblem } from '../../io/create-folder.js';
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

/** The --out folder, created with its parents if missing. @throws WriteError */
function makeFolder(dir: string): void {
  const code = createFolder(dir);
  if (code !== null) throw new WriteError(dir, `cannot create the folder: ${folderProblem(code)}`, code, false);
}
