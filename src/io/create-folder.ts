/**
 * Creates a folder and its missing parents, for the download cache and export-page's --out.
 * NOTE: not mkdirSync's `recursive`, which on Node 20 never returns for a folder the system
 * refuses with ENOENT although its parent exists (in /proc, for one), and which reports a
 * read-only parent as ENOENT.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why a folder could not be created, for people, by errno code. */
const FOLDER_PROBLEMS: Readonly<Record<string, string>> = {
  EEXIST: 'it is a file, not a folder',
  ENOENT: 'the system refuses a folder there',
  ENOTDIR: 'a part of its path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** Creates `dir` and its missing parents; the errno code when it cannot, else null (also when it is there already). */
export function createFolder(dir: string): string | null {
  const path = resolve(dir);
  try {
    mkdirSync(path);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'EEXIST') return statSync(path).isDirectory() ? null : 'EEXIST';
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || existsSync(parent)) return code;
    const made = createFolder(parent);
    if (made !== null) return made;
    try {
      mkdirSync(path);
      return null;
    } catch (again) {
      return (again as NodeJS.ErrnoException).code ?? 'EIO';
    }
  }
}

/** "permission denied", or the code itself when it has no words here. */
export function folderProblem(code: string): string {
  return FOLDER_PROBLEMS[code] ?? code;
}
