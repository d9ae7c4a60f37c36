/**
 * Downloading a dataset into the cache (src/data/fetch-dataset.ts, download.ts) against a real
 * HTTP server on 127.0.0.1 (test/helpers/dataset-server.ts), serving a tiny gzipped IDX dataset
 * made here and described by a catalog entry of its real sizes and checksums. Every case ends
 * with either the four verified files in the cache or one DataError and nothing partial left:
 * the cache folder holds only whole, verified files (no .part, no .lock).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../src/data/catalog.js';
import { DataError } from '../../src/data/data-error.js';
import { lockFolder } from '../../src/data/download-lock.js';
import { bytesText, hashFile, type DownloadProgress } from '../../src/data/download.js';
import { fetchDataset, verifyDataset } from '../../src/data/fetch-dataset.js';
import { loadDataset } from '../../src/data/sources.js';
import { startDatasetServer, startProxy, type DatasetServer } from '../helpers/dataset-server.js';
import { entryFor, tinyDatasetFiles } from '../helpers/tiny-dataset.js';

const NAME = 'tiny';
const files = tinyDatasetFiles();
const entry: CatalogEntry = entryFor(NAME, files);
const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';
const root = mkdtempSync(join(tmpdir(), 'bp-train-download-'));
let server: DatasetServer;
let cache: string;
let run = 0;

beforeAll(async () => {
  server = await startDatasetServer({ [NAME]: files });
});
/** Unmounts the full-disk tests' tmpfs (even when a filter skipped them), before the folder goes. */
let unmount = (): void => {};
afterAll(async () => {
  await server.close();
  unmount();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cache = join(root, `cache-${++run}`);
  server.requests.length = 0;
});

/** The environment of a fetch: this test's cache, the mirrors, short timeouts and waits. */
function env(mirrors: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { BP_TRAIN_CACHE: cache, BP_TRAIN_MIRRORS: mirrors, BP_TRAIN_TIMEOUT_MS: '300', BP_TRAIN_RETRIES: '2', BP_TRAIN_RETRY_MS: '10', ...extra };
}

/** A progress sink that keeps the notes (retries, mirrors given up) and the starts. */
function recorder(): DownloadProgress & { notes: string[]; starts: { label: string; from: number }[]; finished: string[] } {
  const notes: string[] = [];
  const starts: { label: string; from: number }[] = [];
  const finished: string[] = [];
  return {
    notes,
    starts,
    finished,
    start: (label, _url, _total, from) => void starts.push({ label, from }),
    advance: () => {},
    stop: () => {},
    done: (label) => void finished.push(label),
    note: (line) => void notes.push(line),
  };
}

/** The dataset's folder holds exactly the four files, byte for byte the served ones. */
function expectCached(): void {
  const dir = join(cache, NAME);
  expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
  for (const [name, bytes] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(bytes), name).toBe(true);
  const data = loadDataset(dir);
  expect([data.train.count, data.test.count]).toEqual([100, 20]);
}

/** Nothing at all in the cache but empty folders: no file, no .part, no .lock. */
function expectNothingCached(): void {
  const dir = join(cache, NAME);
  expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
}

async function fetchError(e: NodeJS.ProcessEnv): Promise<DataError> {
  const err: unknown = await fetchDataset(entry, { env: e }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

/** The requests made for one file on one mirror. */
function requestsOf(behaviour: string, file = TRAIN_IMAGES): { range: string | null; status: number }[] {
  return server.requests.filter((r) => r.behaviour === behaviour && r.file === file).map(({ range, status }) => ({ range, status }));
}

describe('a good mirror', () => {
  it('downloads the four files, verified, and nothing else stays in the folder', async () => {
    const progress = recorder();
    const report = await fetchDataset(entry, { env: env(server.mirrors('good')), progress });
    expect(report.downloaded.sort()).toEqual(Object.keys(files).sort());
    expectCached();
    expect(progress.finished.sort()).toEqual(Object.keys(files).map((f) => `${NAME}/${f}`).sort());
    expect(progress.notes).toEqual([]);
  });

  it('downloads nothing the second time (no request at all)', async () => {
    await fetchDataset(entry, { env: env(server.mirrors('good')) });
    const before = server.requests.length;
    const report = await fetchDataset(entry, { env: env(server.mirrors('good')) });
    expect(report.downloaded).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it('through HTTP_PROXY (a CONNECT tunnel), and straight past it for a NO_PROXY host', async () => {
    const proxy = await startProxy();
    try {
      await fetchDataset(entry, { env: env(server.mirrors('good'), { HTTP_PROXY: proxy.url }) });
      expectCached();
      expect(proxy.tunnels().length).toBeGreaterThanOrEqual(1);
      expect(new Set(proxy.tunnels())).toEqual(new Set([server.origin.replace('http://', '')]));

      cache = join(root, `cache-${++run}`);
      const tunnels = proxy.tunnels().length;
      await fetchDataset(entry, { env: env(server.mirrors('good'), { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }) });
      expectCached();
      expect(proxy.tunnels().length).toBe(tunnels);
    } finally {
      await proxy.close();
    }
  });
});

describe('a bad first mirror, then a good one', () => {
  it.each([
    ['missing', /404 Not Found/, 1],
    ['unavailable', /503 Service Unavailable, after 3 attempts/, 3],
    ['html', /served an HTML page \(status 200, Content-Type text\/html; charset=utf-8\), not the file/, 1],
    ['html-octet', /not gzip data: it starts with "<!DOCTYPE html><\.\.\."/, 1],
    ['truncated', /the connection closed after .* of .*, after 3 attempts/, 3],
    ['stall', /no data for 0\.3 s, after 3 attempts/, 3],
    ['silent', /no response within 0\.3 s, after 3 attempts/, 3],
    ['corrupt', /checksum mismatch: md5 [0-9a-f]{32}, expected [0-9a-f]{32}: file discarded/, 1],
  ])('%s: the next mirror serves it, and the note says why the first was left', async (bad, reason, attempts) => {
    const progress = recorder();
    await fetchDataset(entry, { env: env(server.mirrors(bad, 'good')), progress });
    expectCached();
    expect(requestsOf(bad)).toHaveLength(attempts);
    const left = progress.notes.filter((n) => n.includes(`${server.mirror(bad)}/${NAME}/${TRAIN_IMAGES}:`) && n.endsWith('trying the next mirror'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(reason);
  });

  it('flaky (503 once): the same mirror, after one retry', async () => {
    const progress = recorder();
    await fetchDataset(entry, { env: env(server.mirrors('flaky')), progress });
    expectCached();
    expect(requestsOf('flaky').map((r) => r.status)).toEqual([503, 200]);
    expect(progress.notes.some((n) => /503 Service Unavailable; retrying in \d+\.\d s/.test(n))).toBe(true);
  });
});

describe('redirects', () => {
  it('are followed', async () => {
    await fetchDataset(entry, { env: env(server.mirrors('redirect')) });
    expectCached();
    expect(requestsOf('redirect').map((r) => r.status)).toEqual([302]);
    expect(requestsOf('good').map((r) => r.status)).toEqual([200]);
  });

  it('five at most: a loop is a failed mirror', async () => {
    const err = await fetchError(env(server.mirrors('redirect-loop')));
    expect(err.message).toMatch(/more than 5 redirects/);
    expectNothingCached();
  });
});

describe('resuming', () => {
  it('a download cut halfway resumes with Range from where it stopped (206)', async () => {
    const progress = recorder();
    await fetchDataset(entry, { env: env(server.mirrors('cut-once')), progress });
    expectCached();
    const half = Math.floor(files[TRAIN_IMAGES].length / 2);
    expect(requestsOf('cut-once')).toEqual([
      { range: null, status: 200 },
      { range: `bytes=${half}-`, status: 206 },
    ]);
    expect(progress.starts.filter((s) => s.label.endsWith(TRAIN_IMAGES)).map((s) => s.from)).toEqual([0, half]);
    expect(progress.notes.some((n) => n.includes('the connection closed after') && n.endsWith('resuming'))).toBe(true);
  });

  it('a server that ignores Range (200) sends the whole file again, which replaces the part', async () => {
    await fetchDataset(entry, { env: env(server.mirrors('no-range')) });
    expectCached();
    const half = Math.floor(files[TRAIN_IMAGES].length / 2);
    expect(requestsOf('no-range')).toEqual([
      { range: null, status: 200 },
      { range: `bytes=${half}-`, status: 200 },
    ]);
  });

  it('the .part of an interrupted run is resumed by the next one', async () => {
    const dir = join(cache, NAME);
    mkdirSync(dir, { recursive: true });
    const bytes = files[TRAIN_IMAGES];
    writeFileSync(join(dir, `${TRAIN_IMAGES}.part`), bytes.subarray(0, 1000));
    await fetchDataset(entry, { env: env(server.mirrors('good')) });
    expectCached();
    expect(requestsOf('good')).toEqual([{ range: 'bytes=1000-', status: 206 }]);
  });

  it('a .part that is not the file fails the checksum once resumed, and is fetched again whole', async () => {
    const dir = join(cache, NAME);
    mkdirSync(dir, { recursive: true });
    const wrong = Buffer.from(files[TRAIN_IMAGES].subarray(0, 1000));
    wrong[500] ^= 0xff;
    writeFileSync(join(dir, `${TRAIN_IMAGES}.part`), wrong);
    const progress = recorder();
    await fetchDataset(entry, { env: env(server.mirrors('good')), progress });
    expectCached();
    expect(requestsOf('good')).toEqual([
      { range: 'bytes=1000-', status: 206 },
      { range: null, status: 200 },
    ]);
    expect(progress.notes.some((n) => /checksum mismatch: .* after resuming a partial download: starting again/.test(n))).toBe(true);
  });
});

describe('every mirror failed', () => {
  it('one DataError lists each mirror with its reason, and nothing is left in the cache', async () => {
    const err = await fetchError(env(server.mirrors('missing', 'unavailable', 'html', 'truncated', 'stall')));
    const url = (b: string): string => `${server.mirror(b)}/${NAME}/${TRAIN_IMAGES}`;
    expect(err.message).toBe(
      `${NAME}/${TRAIN_IMAGES}: download failed from every mirror: ` +
        `${url('missing')} (404 Not Found); ` +
        `${url('unavailable')} (503 Service Unavailable, after 3 attempts); ` +
        `${url('html')} (served an HTML page (status 200, Content-Type text/html; charset=utf-8), not the file); ` +
        `${url('truncated')} (the connection closed after ${(Math.floor(files[TRAIN_IMAGES].length / 2) / 1024).toFixed(1)} kB of ${(files[TRAIN_IMAGES].length / 1024).toFixed(1)} kB, after 3 attempts); ` +
        `${url('stall')} (no data for 0.3 s, after 3 attempts)`,
    );
    expect(err.message).not.toContain('\n');
    expectNothingCached();
  });

  it('a file served with a size other than the published one is refused before its body', async () => {
    const other: CatalogEntry = { ...entry, files: entry.files.map((f) => (f.name === TRAIN_IMAGES ? { ...f, size: (f.size ?? 0) + 1 } : f)) };
    const err: unknown = await fetchDataset(other, { env: env(server.mirrors('good')) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(new RegExp(`the file there is ${files[TRAIN_IMAGES].length} bytes, the published size is ${files[TRAIN_IMAGES].length + 1}`));
    expect(readdirSync(join(cache, NAME)).filter((f) => f.includes(TRAIN_IMAGES))).toEqual([]);
  });

  it('a mirror that cannot be reached: connection refused', async () => {
    const closed = await startDatasetServer({});
    const origin = closed.origin;
    await closed.close();
    const err = await fetchError(env(`${origin}/good`));
    expect(err.message).toMatch(/connection refused, after 3 attempts/);
    expectNothingCached();
  });
});

describe('verify', () => {
  it('passes the files of a fetch and finds (and removes) a corrupted one', async () => {
    const e = env(server.mirrors('good'));
    await fetchDataset(entry, { env: e });
    expect((await verifyDataset(entry, e)).map((f) => f.problem)).toEqual([null, null, null, null]);

    const path = join(cache, NAME, 't10k-images-idx3-ubyte.gz');
    const bytes = readFileSync(path);
    bytes[100] ^= 0x01; // same size: only the checksum can tell
    writeFileSync(path, bytes);
    const results = await verifyDataset(entry, e);
    const bad = results.find((f) => f.name === 't10k-images-idx3-ubyte.gz');
    expect(bad?.problem).toMatch(/^checksum mismatch: md5 [0-9a-f]{32}, expected [0-9a-f]{32}$/);
    expect(existsSync(path)).toBe(false);
    expect(results.filter((f) => f.problem !== null)).toHaveLength(1);

    // and the next fetch downloads just that file again
    const report = await fetchDataset(entry, { env: e });
    expect(report.downloaded).toEqual(['t10k-images-idx3-ubyte.gz']);
    expectCached();
  });

  it('fetch with verifyCached replaces a cached file whose checksum is wrong', async () => {
    const e = env(server.mirrors('good'));
    await fetchDataset(entry, { env: e });
    const path = join(cache, NAME, 'train-labels-idx1-ubyte.gz');
    const bytes = readFileSync(path);
    bytes[20] ^= 0x01;
    writeFileSync(path, bytes);
    const report = await fetchDataset(entry, { env: e, verifyCached: true });
    expect(report.replaced).toEqual(['train-labels-idx1-ubyte.gz']);
    expect(report.downloaded).toEqual(['train-labels-idx1-ubyte.gz']);
    expectCached();
  });
});

describe('bytesText', () => {
  it('shows whole bytes under 1 kB, for sizes and rates alike, then kB and MB with one decimal', () => {
    expect([0, 40, 907.4512066321977, 1023.4, 1536, 3 * 1024 * 1024].map(bytesText)).toEqual(['0 bytes', '40 bytes', '907 bytes', '1023 bytes', '1.5 kB', '3.0 MB']);
  });
});

describe('hashFile', () => {
  it('a file that cannot be read is a DataError naming it and the cause (data verify: exit 3, not an internal error)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'bp-train-hash-'));
    try {
      await expect(hashFile(folder)).rejects.toThrow(new DataError(folder, 'cannot be read: it is a directory'));
      writeFileSync(join(folder, 'f'), 'abc');
      expect(await hashFile(join(folder, 'f'))).toEqual({
        md5: '900150983cd24fb0d6963f7d28e17f72',
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('offline', () => {
  it('never opens a socket, and says how to fetch the data', async () => {
    const before = server.connections();
    const err = await fetchError(env(server.mirrors('good'), { BP_TRAIN_OFFLINE: '1' }));
    expect(err.message).toBe(
      `${NAME}: not in the cache (missing ${Object.keys(files).join(', ')} in ${join(cache, NAME)}) and BP_TRAIN_OFFLINE forbids downloading: ` +
        `run 'bp-train data fetch ${NAME}' where there is a network, or put the files in that folder`,
    );
    const err2: unknown = await fetchDataset(entry, { env: env(server.mirrors('good')), offline: true }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/and --offline forbids downloading/);
    expect(server.connections()).toBe(before);
    expect(existsSync(join(cache, NAME))).toBe(false);
  });

  it('is content with a complete cache', async () => {
    await fetchDataset(entry, { env: env(server.mirrors('good')) });
    const before = server.connections();
    await fetchDataset(entry, { env: env(server.mirrors('good')), offline: true });
    expect(server.connections()).toBe(before);
  });
});

describe('the folder lock', () => {
  it('a second downloader waits for the first', async () => {
    const dir = join(cache, NAME);
    mkdirSync(dir, { recursive: true });
    const unlock = await lockFolder(dir, () => {});
    const progress = recorder();
    let finished = false;
    const fetching = fetchDataset(entry, { env: env(server.mirrors('good')), progress }).then(() => (finished = true));
    fetching.catch(() => {}); // awaited below; handled meanwhile
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(finished).toBe(false);
      expect(server.requests).toHaveLength(0);
      expect(progress.notes.some((n) => n.startsWith(`bp-train: waiting for bp-train (pid ${process.pid}), which is downloading ${NAME}`))).toBe(true);
    } finally {
      await unlock(); // also when a check failed: else the waiter polls on into the next tests
    }
    await fetching;
    expectCached();
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const dir = join(cache, NAME);
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, '.lock'), `${gone}\n`);
    await fetchDataset(entry, { env: env(server.mirrors('good')) });
    expectCached();
  });
});

/** Why a tmpfs cannot be mounted here, or null when it can (as test/cli/full-disk.test.ts). */
function tmpfsUnavailable(disk: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root (CI runs as root)';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', disk], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs not permitted here: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`;
  }
}

describe('a full disk', () => {
  const disk = join(root, 'disk');
  mkdirSync(disk, { recursive: true });
  const skip = tmpfsUnavailable(disk);
  if (skip === null) unmount = () => execFileSync('umount', [disk]);

  it.skipIf(skip !== null)(`stops at once with one DataError, and the cache is unchanged${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const big = tinyDatasetFiles({ trainCount: 200, testCount: 20, seed: 3 });
    expect(big[TRAIN_IMAGES].length).toBeGreaterThan(32 * 1024); // does not fit in 16 kB
    const bigEntry = entryFor('big', big);
    const bigServer = await startDatasetServer({ big });
    try {
      const err: unknown = await fetchDataset(bigEntry, { env: { ...env(bigServer.mirrors('good')), BP_TRAIN_CACHE: disk } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toBe(`${join(disk, 'big', TRAIN_IMAGES)}: cannot write to the cache: no space left on device (the cache is unchanged)`);
      const left = readdirSync(join(disk, 'big'));
      expect(left.filter((f) => f.endsWith('.part') || f === '.lock')).toEqual([]);
      expect(left.every((f) => big[f] !== undefined && readFileSync(join(disk, 'big', f)).equals(big[f]))).toBe(true);
    } finally {
      await bigServer.close();
    }
  });
});
