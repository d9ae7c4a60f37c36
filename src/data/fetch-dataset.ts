/**
 * A catalog dataset made ready in the cache: the files that are not there (or not of their
 * published size) are downloaded, one after the other (download.ts), under the folder's lock
 * (download-lock.ts). Offline (--offline, BP_TRAIN_OFFLINE=1), nothing is attempted over the
 * network: a missing file is one DataError saying how to fetch it or where to put it.
 *
 * `ensureDataset(source)` is what the commands call before loadDataset (sources.ts, which
 * stays synchronous): it does nothing for 'mnist', 'mnist-lite' and folders.
 */
import { rm } from 'node:fs/promises';
import { createFolder, folderProblem } from '../io/create-folder.js';
import type { Dispatcher } from 'undici';
import { findEntry, type CatalogEntry } from './catalog.js';
import { cacheState, missingText, type CacheState } from './cache-state.js';
import { DataError } from './data-error.js';
import { lockFolder } from './download-lock.js';
import { checksText, downloadFile, SILENT_PROGRESS, verify, type DownloadProgress } from './download.js';
import { fetchSettings, fileUrls, type FetchSettings } from './fetch-settings.js';
import { BUILT_IN_SOURCES } from './sources.js';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** --offline; BP_TRAIN_OFFLINE=1 in `env` turns it on too. */
  offline?: boolean;
  progress?: DownloadProgress;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Check the checksums of the files already there too (`bp-train data fetch`); a bad one is replaced. */
  verifyCached?: boolean;
}

export interface FetchReport {
  dir: string;
  /** The files downloaded now (the others were there). */
  downloaded: string[];
  /** Files that were there but failed their checks, removed and downloaded again. */
  replaced: string[];
}

/**
 * Makes `source` loadable: a catalog name whose files are not all in the cache is fetched.
 * Anything else ('mnist', 'mnist-lite', a folder) is left to loadDataset.
 * @throws DataError as fetchDataset.
 */
export async function ensureDataset(source: string, options: FetchOptions = {}): Promise<void> {
  if ((BUILT_IN_SOURCES as readonly string[]).includes(source)) return;
  const env = options.env ?? process.env;
  const entry = findEntry(source, env);
  if (entry !== undefined) await fetchDataset(entry, options);
}

/**
 * Downloads every file of `entry` that the cache lacks.
 * @throws DataError when offline and a file is missing, when every mirror of a file failed,
 *   or when the cache cannot be written.
 */
export async function fetchDataset(entry: CatalogEntry, options: FetchOptions = {}): Promise<FetchReport> {
  const env = options.env ?? process.env;
  const settings = fetchSettings(env);
  const offline = options.offline === true || settings.offline;
  const progress = options.progress ?? SILENT_PROGRESS;
  let state = cacheState(entry, env);
  const report: FetchReport = { dir: state.dir, downloaded: [], replaced: [] };
  if (options.verifyCached) report.replaced = await removeCorrupt(state, progress);
  state = cacheState(entry, env);
  if (state.complete) return report;
  if (offline) throw offlineError(entry, state, options.offline === true ? '--offline' : 'BP_TRAIN_OFFLINE');

  makeFolder(state.dir);
  let unlock: () => Promise<void>;
  try {
    unlock = await lockFolder(state.dir, (pid) =>
      progress.note(`bp-train: waiting for ${pid === null ? 'another bp-train process' : `bp-train (pid ${pid})`}, which is downloading ${entry.name} into ${state.dir}`),
    );
  } catch (err) {
    throw new DataError(state.dir, `cannot lock the cache folder (${errorText(err)})`);
  }
  let dispatcher: Dispatcher | null = null;
  try {
    state = cacheState(entry, env); // another process may have fetched it while we waited
    for (const cached of state.files) {
      if (cached.usable) continue;
      if (cached.size !== null) {
        progress.note(`bp-train: note: ${cached.path} is ${cached.size} bytes, expected ${cached.file.size}: downloading it again`);
        await rm(cached.path, { force: true });
      }
      dispatcher ??= await makeDispatcher(settings, env);
      await downloadFile(`${entry.name}/${cached.file.name}`, cached.file, fileUrls(entry, cached.file, settings), state.dir, {
        dispatcher,
        timeoutMs: settings.timeoutMs,
        retries: settings.retries,
        retryMs: settings.retryMs,
        userAgent: options.userAgent ?? 'bp-train',
        progress,
      });
      report.downloaded.push(cached.file.name);
    }
  } finally {
    await dispatcher?.destroy().catch(() => {});
    await unlock();
  }
  return report;
}

/** One file's result of `bp-train data verify`. */
export interface VerifiedFile {
  name: string;
  path: string;
  /** 'ok', 'missing', or what failed ("checksum mismatch: md5 ..., expected ..."). */
  problem: string | null;
  checks: string;
  size: number | null;
}

/**
 * Re-checks the size and checksums of every cached file of `entry`. A file that fails is
 * removed (the cache never keeps a wrong file), so that the next fetch downloads it again.
 */
export async function verifyDataset(entry: CatalogEntry, env: NodeJS.ProcessEnv = process.env): Promise<VerifiedFile[]> {
  const state = cacheState(entry, env);
  const results: VerifiedFile[] = [];
  for (const cached of state.files) {
    const base = { name: cached.file.name, path: cached.path, checks: checksText(cached.file), size: cached.size };
    if (cached.size === null) {
      results.push({ ...base, problem: 'missing' });
      continue;
    }
    const problem = await verify(cached.path, cached.file);
    if (problem !== null) await rm(cached.path, { force: true });
    results.push({ ...base, problem });
  }
  return results;
}

async function removeCorrupt(state: CacheState, progress: DownloadProgress): Promise<string[]> {
  const removed: string[] = [];
  for (const cached of state.files) {
    if (cached.size === null) continue;
    const problem = await verify(cached.path, cached.file);
    if (problem === null) continue;
    await rm(cached.path, { force: true });
    progress.note(`bp-train: note: ${cached.path}: ${problem}: removed, downloading it again`);
    removed.push(cached.file.name);
  }
  return removed;
}

function offlineError(entry: CatalogEntry, state: CacheState, switchName: string): DataError {
  return new DataError(
    entry.name,
    `not in the cache (missing ${missingText(state)} in ${state.dir}) and ${switchName} forbids downloading: ` +
      `run 'bp-train data fetch ${entry.name}' where there is a network, or put the files in that folder`,
  );
}

function makeFolder(dir: string): void {
  const code = createFolder(dir);
  if (code !== null) throw new DataError(dir, `cannot create the cache folder (${folderProblem(code)}); set BP_TRAIN_CACHE to a writable folder`);
}

/** The HTTP client: proxies from HTTPS_PROXY, HTTP_PROXY, NO_PROXY; the same stall timeout for connecting. */
async function makeDispatcher(settings: FetchSettings, env: NodeJS.ProcessEnv): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import('undici');
  const pick = (name: string): string | undefined => {
    const lower = env[name.toLowerCase()];
    const [variable, value] = lower !== undefined && lower !== '' ? [name.toLowerCase(), lower] : [name, env[name]];
    if (value !== undefined && value !== '' && name !== 'NO_PROXY' && !URL.canParse(value.includes('://') ? value : `http://${value}`)) {
      throw new DataError(variable, `'${value}' is not a proxy URL (expected http://HOST:PORT)`);
    }
    return value;
  };
  return new EnvHttpProxyAgent({
    httpProxy: pick('HTTP_PROXY') ?? '',
    httpsProxy: pick('HTTPS_PROXY') ?? '',
    noProxy: pick('NO_PROXY') ?? '',
    connect: { timeout: settings.timeoutMs },
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  });
}

function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const causes: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on device', ENOTDIR: 'a part of its path is not a folder', EEXIST: 'a file is in the way' };
  return (code !== undefined && causes[code]) || (err instanceof Error ? err.message : String(err));
}
