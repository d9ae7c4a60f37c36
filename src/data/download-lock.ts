/**
 * One downloader per dataset folder at a time (CI jobs that share a cache): the folder's
 * `.lock` file is created exclusively (O_EXCL) and holds the owner's pid. A process that finds
 * it waits while that pid lives, then looks at the cache again; a lock whose process is gone
 * (killed mid-download) is stale and is taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How often a waiting process looks at the lock again. */
const POLL_MS = 200;

/** A lock file still empty this long after it was made is left over, not being written. */
const EMPTY_GRACE_MS = 5_000;

/** The locks this process holds: its own pid in a lock file is stale (a container's pid 1 again), unless listed here. */
const held = new Set<string>();

/**
 * Takes the lock of `dir`, waiting for a live owner; calls `waiting(pid)` once if it has to wait.
 * Returns the function that releases it.
 */
export async function lockFolder(dir: string, waiting: (pid: number | null) => void): Promise<() => Promise<void>> {
  const file = join(dir, '.lock');
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      held.add(file);
      try {
        await handle.write(`${process.pid}\n`);
        await handle.close();
      } catch (err) {
        await handle.close().catch(() => {});
        held.delete(file);
        await rm(file, { force: true });
        throw err;
      }
      return async () => {
        held.delete(file);
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = held.has(file) ? process.pid : await lockOwner(file);
    if (owner === 'stale') {
      await rm(file, { force: true });
      continue;
    }
    if (!told) {
      waiting(owner);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The pid in the lock if that process lives, null while a new lock is being written, else 'stale'. */
async function lockOwner(file: string): Promise<number | null | 'stale'> {
  let text: string;
  let age: number;
  try {
    [text, age] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => Date.now() - s.mtimeMs)]);
  } catch {
    return null; // gone in the meantime: the next open decides
  }
  const pid = Number(text.trim());
  if (text.trim() === '') return age < EMPTY_GRACE_MS ? null : 'stale';
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return 'stale';
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : 'stale';
  }
}
