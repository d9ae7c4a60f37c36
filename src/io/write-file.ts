/**
 * Writes a file so that readers only ever see the old one or the whole new one: the bytes go
 * to a temporary name in the same folder, are flushed, then renamed over the target.
 */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.bp-train-tmp-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** The reason a file could not be written there, or null if its folder is a writable directory. */
export function unwritableReason(file: string): string | null {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a directory`;
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `folder ${dir} does not exist or is not writable`;
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return `${file} is a directory`;
  return null;
}
