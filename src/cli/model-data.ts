/**
 * The data a model file was trained on, for the commands that read one (eval, serve,
 * export-page, --resume): its --data as it was given. A folder given by a relative path is
 * relative to where training ran; from another folder it is not found, and the error says
 * which model asked for it and how to point at it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { findEntry } from '../data/catalog.js';
import { DataError } from '../data/data-error.js';
import { BUILT_IN_SOURCES } from '../data/sources.js';

/** Whether a model's --data can be found from here: a dataset's name, an absolute path, or a relative path that is there. */
export function dataSourceFound(source: string): boolean {
  const named = (BUILT_IN_SOURCES as readonly string[]).includes(source) || findEntry(source) !== undefined;
  return named || isAbsolute(source) || existsSync(source);
}

/** `given` (the command's --data) or the model's own source. @throws DataError when the model's relative folder is not found from here. */
export function modelDataSource(modelFile: string, source: string, given: string | undefined): string {
  if (given !== undefined) return given;
  if (!dataSourceFound(source)) {
    throw new DataError(modelFile, `was trained on the data folder '${source}', which is not found from ${process.cwd()} (a relative path is relative to where training ran): give its path with --data`);
  }
  return source;
}
