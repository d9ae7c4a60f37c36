/**
 * The one file writer: every file bp-train writes (model, metrics, chart) goes through
 * writeFileAtomic, so that readers only ever see the old file or the whole new one, and a
 * full disk or a read-only folder never costs the file that was there:
 * 1. the bytes go to a hidden temporary file in the same folder (its name holds the pid and a
 *    random part; opened with O_EXCL), written in a loop until write(2) has taken every byte
 *    (it may take fewer than asked);
 * 2. the temporary file is fsynced and closed, then renamed over the target, and the folder
 *    is fsynced so that the rename itself survives a crash.
 * Any failure before the rename (open, write, fsync, close, rename) removes the temporary file
 * and throws a WriteError naming the file and the cause; the target is untouched.
 * A target that is not a regular file (a device, a pipe, this process's standard output) is
 * written in place instead (writeInPlace says why).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The low-level calls the writer makes: the real fs by default, a fake one in tests. */
export interface FileOps {
  openSync(file: string, flags: string, mode?: number): number;
  /** Writes up to `length` bytes of `buffer` from `offset`; returns how many it wrote. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
}

export const nodeFileOps: FileOps = {
  openSync: (file, flags, mode) => fs.openSync(file, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (file) => fs.unlinkSync(file),
};

/** A file could not be written; the file that was there (if any) is unchanged. */
export class WriteError extends Error {
  override name = 'WriteError';

  constructor(
    /** The file as the user named it. */
    readonly file: string,
    /** The cause for people: "no space left on device", "permission denied", ... */
    readonly reason: string,
    /** The errno code (ENOSPC, EIO, ...), when there is one. */
    readonly code: string | undefined,
    /** Whether a file was there before (and still is, unchanged). */
    readonly previousKept: boolean,
  ) {
    super(`${file}: ${reason} (${previousKept ? 'the previous file is unchanged' : 'no file was written'})`);
  }
}

/** Causes for people, by errno code; any other code gets the system's own words. */
export const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

export function writeFileAtomic(file: string, data: string | Uint8Array, ops: FileOps = nodeFileOps): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (endsAsFolder(file)) throw new WriteError(file, 'it names a folder (it ends in /)', 'EISDIR', false);
  const kind = targetKind(file);
  if (kind !== 'file') {
    writeInPlace(file, bytes, kind, ops);
    return;
  }
  const target = realFile(file);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const previous = existingFile(target);
  let fd: number | null = null;
  let created = false;
  try {
    // The new file keeps the old one's permissions (a private model stays private).
    fd = ops.openSync(tmp, 'wx', previous?.mode ?? 0o666);
    created = true;
    writeAll(fd, bytes, ops);
    ops.fsyncSync(fd);
    const open = fd;
    fd = null; // a failed close(2) must not be retried: the descriptor is gone either way
    ops.closeSync(open);
    ops.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) ignoreErrors(() => ops.closeSync(fd!));
    if (created) ignoreErrors(() => ops.unlinkSync(tmp));
    throw toWriteError(file, err, previous !== null);
  }
  syncFolder(dir, ops);
}

/**
 * What a path names, for the writer: this process's standard output or error (`--metrics
 * /dev/stdout`, whatever it is redirected to), another existing file that is not a regular
 * file (/dev/null, /dev/full, a named pipe), or a regular file, new or not. Links are followed.
 */
function targetKind(file: string): 'file' | 'device' | 1 | 2 {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'file'; // not there yet
  }
  for (const fd of [1, 2] as const) {
    try {
      const own = fs.fstatSync(fd);
      if (own.dev === stat.dev && own.ino === stat.ino) return fd;
    } catch {
      // that descriptor is closed
    }
  }
  return stat.isFile() || stat.isDirectory() ? 'file' : 'device';
}

/**
 * Writes where no temporary file can stand in: renamed over a device or a pipe, it would
 * replace it with a file, and over the file standard output goes to, it would drop every line
 * written so far. The bytes go straight to it (through the process's own descriptor for its
 * standard output or error, so that they follow what was written there).
 */
function writeInPlace(file: string, bytes: Uint8Array, kind: 'device' | 1 | 2, ops: FileOps): void {
  let fd: number | null = null;
  try {
    fd = kind === 'device' ? ops.openSync(file, 'w') : kind;
    writeAll(fd, bytes, ops);
  } catch (err) {
    throw toWriteError(file, err, false);
  } finally {
    if (kind === 'device' && fd !== null) ignoreErrors(() => ops.closeSync(fd!));
  }
}

/** Every byte, in as many write(2) calls as it takes (one may take fewer bytes than asked). */
function writeAll(fd: number, bytes: Uint8Array, ops: FileOps): void {
  for (let offset = 0; offset < bytes.length; ) {
    const written = ops.writeSync(fd, bytes, offset, bytes.length - offset);
    if (!(written > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}

/** Whether a name ends in / but is not a folder: it cannot name the file to write. */
function endsAsFolder(file: string): boolean {
  return /[\\/]$/.test(file) && !isDirectory(file);
}

/** The target's permission bits if it is a file there now, else null. */
function existingFile(target: string): { mode: number } | null {
  try {
    const stat = fs.statSync(target);
    return stat.isFile() ? { mode: stat.mode & 0o777 } : null;
  } catch {
    return null;
  }
}

/**
 * Makes the rename durable. Best effort: the new file is complete and in place by now, so a
 * folder that cannot be fsynced (some file systems, Windows) only risks the rename being
 * undone by a power cut, which leaves the old file, never half of one.
 */
function syncFolder(dir: string, ops: FileOps): void {
  let fd: number | null = null;
  try {
    fd = ops.openSync(dir, 'r');
    ops.fsyncSync(fd);
  } catch {
    // see above
  } finally {
    if (fd !== null) ignoreErrors(() => ops.closeSync(fd!));
  }
}

/**
 * The absolute path of the file a path names, through symbolic links (writing through a link
 * writes its target, and the link stays), also a dangling one (its target is the file that
 * writing creates); a new file: its folder's real path and its name. So two names of one file
 * give one path, before it exists too.
 */
export function realFile(file: string): string {
  let resolved = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    try {
      return fs.realpathSync(resolved);
    } catch {
      // missing, or a dangling link: follow the link by hand
    }
    let target: string;
    try {
      target = fs.readlinkSync(resolved);
    } catch {
      break; // not a link: a file still to be made
    }
    resolved = path.resolve(path.dirname(resolved), target);
  }
  try {
    return path.join(fs.realpathSync(path.dirname(resolved)), path.basename(resolved));
  } catch {
    return resolved;
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // cleaning up after the error that is being reported
  }
}

/** A system error as a WriteError; anything else (a bug) is rethrown as it is. */
function toWriteError(file: string, err: unknown, previousKept: boolean): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err;
  const message = err instanceof Error ? err.message : '';
  // Node's messages read "EBUSY: resource busy or locked, rename 'a' -> 'b'": keep the middle.
  let reason = CAUSES[code] ?? /^[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? (message || code);
  // ENOENT from a folder that is there (/proc, a folder removed and made again): say so.
  if (code === 'ENOENT' && isDirectory(path.dirname(path.resolve(file)))) reason = 'a file cannot be created in its folder';
  return new WriteError(file, reason, code, previousKept);
}

/** The reason a file could not be written there, or null if its folder is a writable directory. */
export function unwritableReason(file: string): string | null {
  if (endsAsFolder(file)) return `${file} names a folder (it ends in /), not a file`;
  const kind = targetKind(file);
  if (kind !== 'file') {
    // A device, a pipe, or standard output: written in place, so only it must be writable.
    try {
      if (kind === 'device') fs.accessSync(file, fs.constants.W_OK);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      return `${file} is not writable (${CAUSES[code] ?? code})`;
    }
  }
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a directory`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return code === 'ENOENT' ? `folder ${dir} does not exist` : `folder ${dir} cannot be read (${CAUSES[code] ?? code})`;
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return `folder ${dir} is not writable (${CAUSES[code] ?? code})`;
  }
  if (isDirectory(file)) return `${file} is a directory`;
  return null;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
