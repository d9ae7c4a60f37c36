/**
 * Appends text to a file that other programs append to as well: $GITHUB_STEP_SUMMARY, where
 * every step of a GitHub Actions job adds its Markdown. An append cannot be made atomic with a
 * temporary file and a rename (that would drop what the other steps wrote), so the block goes
 * in one write(2) on a descriptor opened with O_APPEND ('a'), which puts it whole at the end,
 * and is then fsynced. Only if the system takes fewer bytes than asked (a full disk) does a
 * second write follow. On a failure the file is cut back to its size before the append (the
 * steps of a job run one after another, so nobody else appends meanwhile): it keeps what the
 * other steps wrote and no half block. Failures are WriteErrors, like writeFileAtomic's (exit 5).
 */
import fs from 'node:fs';
import { CAUSES, WriteError } from './write-file.js';

/** `label` names the file in the error (e.g. "$GITHUB_STEP_SUMMARY (/home/runner/...)"). */
export function appendFileDurable(file: string, text: string, label = file): void {
  const bytes = Buffer.from(text, 'utf8');
  const existed = fs.existsSync(file);
  let fd: number | null = null;
  let sizeBefore = 0;
  try {
    fd = fs.openSync(file, 'a');
    sizeBefore = fs.fstatSync(fd).size;
    for (let offset = 0; offset < bytes.length; ) {
      const written = fs.writeSync(fd, bytes, offset, bytes.length - offset);
      if (!(written > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      offset += written;
    }
    fs.fsyncSync(fd);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.ftruncateSync(fd, sizeBefore);
      } catch {
        // the cut failed too: the error below still names the file
      }
    }
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    const reason = CAUSES[code ?? ''] ?? /^[A-Z0-9]+: ([^,]+)/.exec(message)?.[1] ?? message;
    throw new WriteError(label, `could not append: ${reason}`, code, existed);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
