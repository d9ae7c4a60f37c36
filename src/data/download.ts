/**
 * One file's download into the cache, so that the cache never holds a partial or wrong file:
 * 1. the bytes go to FILE.part beside the target; a .part left by an interrupted run, or by a
 *    connection that broke, is resumed with `Range: bytes=N-` (kept when the server answers
 *    206 from N, started again when it answers 200);
 * 2. the mirrors are tried in order; on each, a network error, a stall longer than the timeout
 *    (no connection, no response or no body data for timeoutMs), a cut body or a 408/429/5xx
 *    is retried after retryMs, then twice as long each time (with jitter), `retries` times;
 *    an attempt that brought new bytes of a file of known size does not use up a retry.
 *    Redirects (301, 302, 303, 307, 308) are followed, five at most;
 * 3. a mirror is given up at once for a 4xx, an HTML page, bytes that do not start as the file
 *    must (gzip's 1f 8b, IDX's 00 00 08), a size other than the published one, or a checksum
 *    mismatch (the file is discarded; after a resumed download, it is fetched once more whole);
 * 4. the complete .part is checked (size, md5 and sha256, whichever are published), fsynced
 *    and renamed to its name, and the folder fsynced.
 * When every mirror failed, the .part is removed and one DataError lists each mirror with its
 * reason. A file that cannot be written (full disk, read-only) stops at once: the .part is
 * removed and the cache is as it was.
 *
 * Requests go through undici with EnvHttpProxyAgent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
 * undici is imported only when something is downloaded.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import type { CatalogFile } from './catalog.js';
import { DataError } from './data-error.js';
import { MAX_IDX_BYTES } from './idx.js';
import { CAUSES } from '../io/write-file.js';

/** What a download shows as it goes: a bar on a terminal, lines in a log (report/download-progress.ts). */
export interface DownloadProgress {
  /** Bytes start to arrive for `label` from `url`: `total` bytes in all (if known), the first `from` already here. */
  start(label: string, url: string, total: number | undefined, from: number): void;
  /** `received` bytes of the file are here now (counting those resumed). */
  advance(received: number): void;
  /** The transfer that start() announced ended, complete or not. */
  stop(): void;
  /** The file is verified and in place. */
  done(label: string, bytes: number, ms: number, checks: string): void;
  /** A retry, a mirror given up. */
  note(line: string): void;
}

export const SILENT_PROGRESS: DownloadProgress = { start() {}, advance() {}, stop() {}, done() {}, note() {} };

export interface DownloadOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  retries: number;
  retryMs: number;
  userAgent: string;
  progress: DownloadProgress;
}

/** Most resumed attempts on one mirror that do not use up a retry because they brought new bytes. */
const MAX_FREE_ATTEMPTS = 50;

/** Most redirects followed for one request. */
export const MAX_REDIRECTS = 5;

/** A file that could not be written to the cache (the message is the cause): ends the whole download. */
class DiskError extends Error {}

type Attempt =
  | { kind: 'complete'; resumed: boolean }
  | { kind: 'retry'; reason: string; resumed?: boolean }
  | { kind: 'give-up'; reason: string };

/**
 * Downloads `file` into `dir` from the first of `urls` that serves it right.
 * `label` names it in messages ("fashion-mnist/train-images-idx3-ubyte.gz").
 * @throws DataError when every mirror failed, or the file cannot be written.
 */
export async function downloadFile(label: string, file: CatalogFile, urls: readonly string[], dir: string, options: DownloadOptions): Promise<void> {
  const target = join(dir, file.name);
  const part = `${target}.part`;
  const failures: string[] = [];
  const began = performance.now();
  try {
    for (const [i, url] of urls.entries()) {
      const failure = await fromMirror(label, file, url, part, options);
      if (failure === null) {
        const bytes = await sizeOf(part);
        await commit(part, target, dir);
        options.progress.done(label, bytes, performance.now() - began, checksText(file));
        return;
      }
      failures.push(`${url} (${failure})`);
      if (i + 1 < urls.length) options.progress.note(`bp-train: note: ${url}: ${failure}; trying the next mirror`);
    }
  } catch (err) {
    await rm(part, { force: true });
    if (err instanceof DiskError) {
      throw new DataError(target, `cannot write to the cache: ${err.message} (the cache is unchanged)`);
    }
    throw err;
  }
  await rm(part, { force: true });
  if (urls.length === 0) throw new DataError(label, 'no mirror to download it from');
  throw new DataError(label, `download failed from ${urls.length === 1 ? 'its mirror' : `every mirror`}: ${failures.join('; ')}`);
}

/** null when the .part now holds the verified file, else why this mirror failed. */
async function fromMirror(label: string, file: CatalogFile, url: string, part: string, options: DownloadOptions): Promise<string | null> {
  let retriesUsed = 0;
  let freeUsed = 0;
  let most = await sizeOf(part);
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(label, file, url, part, options);
    let reason: string;
    if (result.kind === 'complete') {
      const mismatch = await verify(part, file);
      if (mismatch === null) return null;
      await rm(part, { force: true });
      if (!result.resumed) return `${mismatch}: file discarded`;
      reason = `${mismatch} after resuming a partial download: starting again`;
      most = 0;
    } else if (result.kind === 'give-up') {
      return result.reason;
    } else {
      reason = result.reason;
    }
    // New bytes: try again at once. A resumed (206) attempt that brought them is free, so a
    // connection that keeps breaking still gets the file bit by bit (MAX_FREE_ATTEMPTS at most).
    const now = await sizeOf(part);
    const gained = now > most;
    most = Math.max(most, now);
    const free = gained && result.kind === 'retry' && result.resumed === true && file.size !== undefined && freeUsed < MAX_FREE_ATTEMPTS;
    if (free) freeUsed++;
    else retriesUsed++;
    if (retriesUsed > options.retries) return attempt === 1 ? reason : `${reason}, after ${attempt} attempts`;
    const waitMs = gained ? 0 : backoff(options.retryMs, retriesUsed);
    options.progress.note(`bp-train: note: ${url}: ${reason}; ${waitMs > 0 ? `retrying in ${(waitMs / 1000).toFixed(1)} s` : 'resuming'}`);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** retryMs, 2 x retryMs, 4 x retryMs, ..., each between half and all of it (jitter: CI jobs do not retry in step). */
function backoff(retryMs: number, retry: number): number {
  return Math.round(retryMs * 2 ** (retry - 1) * (0.5 + Math.random() / 2));
}

/** One request (following redirects) and its body into the .part. */
async function attemptOnce(label: string, file: CatalogFile, url: string, part: string, options: DownloadOptions): Promise<Attempt> {
  let have = await sizeOf(part);
  if (file.size !== undefined && have === file.size) return { kind: 'complete', resumed: true }; // a complete .part from before
  if (file.size !== undefined && have > file.size) {
    await rm(part, { force: true });
    have = 0;
  }
  const { request } = await import('undici');
  let current = url;
  let response: Dispatcher.ResponseData;
  let stall: Stall;
  for (let hops = 0; ; hops++) {
    const headers: Record<string, string> = { 'user-agent': options.userAgent, accept: '*/*', 'accept-encoding': 'identity' };
    if (have > 0) headers.range = `bytes=${have}-`;
    stall = new Stall(options.timeoutMs);
    stall.arm();
    try {
      response = await request(current, {
        dispatcher: options.dispatcher,
        method: 'GET',
        headers,
        signal: stall.controller.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
    } catch (err) {
      stall.clear();
      return stall.fired ? stall.failure(options.timeoutMs, 0, undefined) : networkFailure(err, 0, undefined);
    }
    const { statusCode: status } = response;
    if (![301, 302, 303, 307, 308].includes(status)) break;
    await dump(response, stall);
    const location = header(response.headers, 'location');
    if (location === undefined) return { kind: 'give-up', reason: `${statusText(status)} without a Location header` };
    if (hops >= MAX_REDIRECTS) return { kind: 'give-up', reason: `more than ${MAX_REDIRECTS} redirects` };
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      return { kind: 'give-up', reason: `redirected to a bad URL '${location}'` };
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { kind: 'give-up', reason: `redirected to ${next.protocol} URL ${next.href}` };
    current = next.href;
  }
  const via = current === url ? '' : ` (redirected to ${current})`;
  const status = response.statusCode;
  if (status !== 200 && status !== 206) {
    await dump(response, stall);
    if (status === 416 && have > 0) {
      await rm(part, { force: true });
      return { kind: 'retry', reason: `the server cannot resume at byte ${have} (416): starting again` };
    }
    const reason = `${statusText(status)}${via}`;
    const transient = status === 408 || status === 425 || status === 429 || status >= 500;
    return { kind: transient ? 'retry' : 'give-up', reason };
  }
  const type = header(response.headers, 'content-type') ?? '';
  if (/^\s*text\/html\b/i.test(type)) {
    await dump(response, stall);
    return { kind: 'give-up', reason: `served an HTML page (status ${status}, Content-Type ${type})${via}, not the file` };
  }
  let from = 0;
  if (status === 206) {
    const range = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header(response.headers, 'content-range') ?? '');
    const total = range?.[3] === undefined || range[3] === '*' ? undefined : Number(range[3]);
    if (range === null || Number(range[1]) !== have || have === 0) {
      await dump(response, stall);
      await rm(part, { force: true });
      return { kind: 'retry', reason: `the server resumed at the wrong place (Content-Range '${header(response.headers, 'content-range') ?? ''}', asked for bytes ${have}-): starting again` };
    }
    if (file.size !== undefined && total !== undefined && total !== file.size) {
      await dump(response, stall);
      return { kind: 'give-up', reason: `the file there is ${total} bytes, the published size is ${file.size}${via}` };
    }
    from = have;
  }
  const length = header(response.headers, 'content-length');
  const announced = length !== undefined && /^\d+$/.test(length) ? from + Number(length) : undefined;
  if (file.size !== undefined && announced !== undefined && announced !== file.size) {
    await dump(response, stall);
    return { kind: 'give-up', reason: `the file there is ${announced} bytes, the published size is ${file.size}${via}` };
  }
  return receive(label, file, current, response, part, from, announced, stall, options);
}

/** The body into the .part, appended at `from` (206) or from the start (200). */
async function receive(
  label: string,
  file: CatalogFile,
  url: string,
  response: Dispatcher.ResponseData,
  part: string,
  from: number,
  announced: number | undefined,
  stall: Stall,
  options: DownloadOptions,
): Promise<Attempt> {
  const limit = file.size ?? announced ?? MAX_IDX_BYTES;
  const expected = file.size ?? announced;
  const magic = expectedStart(file.name);
  const body = response.body;
  let accepted = from; // bytes taken from the body (some may still be on their way to the disk)
  let received = from; // bytes on the disk
  let queued = 0;
  let discard = false;
  let failed: unknown = null;
  let handle: FileHandle | null = null;
  options.progress.start(label, url, expected, from);
  stall.phase = 'body';
  stall.arm();
  // Listeners at once, before any await (the body may break while the file opens), and events
  // rather than `for await`: a chunk is taken the moment it arrives, so the bytes that came before
  // a broken connection are kept for the resume instead of dropped with the stream.
  const result = await new Promise<Attempt>((resolve, reject) => {
    let chain: Promise<void> = open(part, from > 0 ? 'a' : 'w').then(
      (opened) => {
        handle = opened;
      },
      (err: unknown) => {
        failed = diskError(err);
        body.destroy();
        settle(() => ({ kind: 'give-up', reason: 'unreachable' }));
      },
    );
    let settled = false;
    function settle(outcome: () => Attempt): void {
      if (settled) return;
      settled = true;
      void chain.then(() => (failed !== null ? reject(failed) : resolve(outcome())));
    }
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      stall.arm();
      if (from === 0 && accepted < magic.length) {
        const head = chunk.subarray(0, magic.length - accepted);
        if (!head.equals(magic.subarray(accepted, accepted + head.length))) {
          body.destroy();
          return settle(() => ({ kind: 'give-up', reason: `not ${file.name.endsWith('.gz') ? 'gzip data' : 'an IDX file'}: it starts with ${preview(chunk)}` }));
        }
      }
      if (accepted + chunk.length > limit) {
        discard = true;
        body.destroy();
        return settle(() => ({ kind: 'give-up', reason: `sent more than the ${limit} bytes ${file.size !== undefined ? 'the file has' : 'announced'}` }));
      }
      accepted += chunk.length;
      queued += chunk.length;
      if (queued > MAX_QUEUED_BYTES) body.pause();
      chain = chain.then(async () => {
        if (failed !== null || handle === null) return;
        try {
          await write(handle, chunk);
        } catch (err) {
          failed = err;
          body.destroy();
          settle(() => ({ kind: 'give-up', reason: 'unreachable' }));
          return;
        }
        received += chunk.length;
        queued -= chunk.length;
        options.progress.advance(received);
        if (queued <= MAX_QUEUED_BYTES && body.isPaused()) body.resume();
      });
    });
    const cut = (): Attempt => ({ kind: 'retry', reason: `the connection closed${afterText(received, expected)}`, resumed: from > 0 });
    body.on('end', () => settle(() => (expected !== undefined && received < expected ? cut() : { kind: 'complete', resumed: from > 0 })));
    body.on('error', (err: unknown) =>
      settle(() => {
        const failure = stall.fired ? stall.failure(options.timeoutMs, received, expected) : networkFailure(err, received, expected);
        return failure.kind === 'retry' ? { kind: 'retry', reason: failure.reason, resumed: from > 0 } : { kind: 'give-up', reason: failure.reason };
      }),
    );
    body.on('close', () => settle(cut));
    if (body.destroyed) settle(cut);
  }).finally(async () => {
    stall.clear();
    options.progress.stop();
    await (handle as FileHandle | null)?.close().catch(() => {});
    if (discard) await rm(part, { force: true });
  });
  return result;
}

/** Bytes taken from the network but not yet on the disk, before reading pauses. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * The stall timer of one request: armed when it is sent and again at every chunk of its body,
 * it aborts the request when timeoutMs pass without either (undici's own timeouts have a
 * resolution of a second).
 */
class Stall {
  readonly controller = new AbortController();
  phase: 'response' | 'body' = 'response';
  fired = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(`stalled for ${this.ms} ms`));
    }, this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  failure(timeoutMs: number, received: number, total: number | undefined): { kind: 'retry'; reason: string } {
    const secs = `${timeoutMs / 1000} s`;
    if (this.phase === 'response') return { kind: 'retry', reason: `no response within ${secs}` };
    return { kind: 'retry', reason: `no data for ${secs}${afterText(received, total)}` };
  }
}

async function write(handle: FileHandle, chunk: Buffer): Promise<void> {
  try {
    for (let offset = 0; offset < chunk.length; ) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
      if (!(bytesWritten > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      offset += bytesWritten;
    }
  } catch (err) {
    throw diskError(err);
  }
}

/** The first bytes every copy of the file starts with: gzip's magic, or an IDX header's. */
function expectedStart(name: string): Buffer {
  if (name.endsWith('.gz')) return Buffer.from([0x1f, 0x8b]);
  return Buffer.from([0x00, 0x00, 0x08, name.includes('labels') ? 0x01 : 0x03]);
}

/** The checks the file fails, or null: size, then md5 and sha256 (whichever are published). */
export async function verify(path: string, file: CatalogFile): Promise<string | null> {
  const size = await sizeOf(path);
  if (file.size !== undefined && size !== file.size) return `the size is ${size} bytes, expected ${file.size}`;
  const digests = await hashFile(path);
  if (file.md5 !== undefined && digests.md5 !== file.md5) return `checksum mismatch: md5 ${digests.md5}, expected ${file.md5}`;
  if (file.sha256 !== undefined && digests.sha256 !== file.sha256) return `checksum mismatch: sha256 ${digests.sha256}, expected ${file.sha256}`;
  return null;
}

/** Which checks verify() makes for a file, for people: "size, md5 and sha256". */
export function checksText(file: CatalogFile): string {
  const checks = [file.size !== undefined ? 'size' : '', file.md5 !== undefined ? 'md5' : '', file.sha256 !== undefined ? 'sha256' : ''].filter((c) => c !== '');
  return checks.length === 1 ? checks[0] : `${checks.slice(0, -1).join(', ')} and ${checks[checks.length - 1]}`;
}

/** @throws DataError when the file cannot be read (permission denied, an I/O error). */
export async function hashFile(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      sha256.update(chunk);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === undefined) throw err;
    throw new DataError(path, `cannot be read: ${CAUSES[code] ?? (err as Error).message}`);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** fsync the .part, rename it to its name, fsync the folder (best effort, as io/write-file.ts). */
async function commit(part: string, target: string, dir: string): Promise<void> {
  try {
    const handle = await open(part, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(part, target);
  } catch (err) {
    throw diskError(err);
  }
  try {
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // the file is complete and in place; an unsynced rename can only be undone, never half done
  }
}

/** The size of a file, 0 when there is none. */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function diskError(err: unknown): DiskError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new DiskError((code !== undefined && CAUSES[code]) || (err instanceof Error ? err.message : String(err)));
}

/** " after 1.2 MB of 25.2 MB", or nothing before the first byte. */
function afterText(received: number, total: number | undefined): string {
  return received > 0 ? ` after ${bytesText(received)}${total !== undefined ? ` of ${bytesText(total)}` : ''}` : '';
}

/** Reads and drops a body that is not the file, within the stall timeout; then the timer stops. */
async function dump(response: Dispatcher.ResponseData, stall: Stall): Promise<void> {
  try {
    await response.body.dump({ limit: 1024 * 1024, signal: stall.controller.signal });
  } catch {
    // a page that will not end is as useless as one that does
  } finally {
    stall.clear();
  }
}

/** A failed request or body, as a retry (most) or a give-up (a host that does not exist, a bad certificate). */
function networkFailure(err: unknown, received: number, total: number | undefined): { kind: 'retry' | 'give-up'; reason: string } {
  const code = (err as { code?: unknown } | null)?.code;
  const after = afterText(received, total);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'retry', reason: 'no connection within the timeout' };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'retry', reason: 'no response within the timeout' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'retry', reason: `no data within the timeout${after}` };
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'retry', reason: `the connection closed${after}` };
    case 'ECONNREFUSED':
      return { kind: 'retry', reason: 'connection refused' };
    case 'EAI_AGAIN':
      return { kind: 'retry', reason: 'the host name could not be looked up (temporary DNS failure)' };
    case 'ENOTFOUND':
      return { kind: 'give-up', reason: 'no such host' };
    default:
      if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return { kind: 'give-up', reason: `TLS: ${message}` };
      return { kind: 'retry', reason: `${message.split('\n')[0]}${after}` };
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function statusText(status: number): string {
  const text = STATUS_CODES[status];
  return text === undefined ? `HTTP ${status}` : `${status} ${text}`;
}

/** The first bytes of a body, for a message: '"<!DOCTYPE html><ht..."' or '3c 21 ...'. */
function preview(chunk: Buffer): string {
  const head = chunk.subarray(0, 16);
  const printable = head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  if (printable) return JSON.stringify(head.toString('latin1').replace(/\s+/g, ' ') + (chunk.length > 16 ? '...' : ''));
  return `bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/** 26421880 -> "25.2 MB", 5148 -> "5.0 kB" (binary multiples, as `ls -h`). */
export function bytesText(n: number): string {
  if (n < 1024) return `${Math.round(n)} bytes`; // a rate (bytes / s) need not be whole
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
