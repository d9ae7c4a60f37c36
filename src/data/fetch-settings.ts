/**
 * The environment variables that steer downloads, read and checked in one place:
 * - BP_TRAIN_MIRRORS: comma-separated base URLs, each holding NAME/FILE (fashion-mnist/
 *   train-images-idx3-ubyte.gz), tried in order instead of the built-in mirrors;
 * - BP_TRAIN_OFFLINE=1 (or true, yes): never download, as --offline;
 * - BP_TRAIN_TIMEOUT_MS: a connection, a response or a body that stays silent this long is a
 *   failure (default 30,000);
 * - BP_TRAIN_RETRIES: attempts after the first on each mirror (default 3), waiting
 *   BP_TRAIN_RETRY_MS (default 1,000) before the first and twice as long before each next one.
 * Proxies come from HTTPS_PROXY, HTTP_PROXY and NO_PROXY (undici's EnvHttpProxyAgent).
 */
import { DataError } from './data-error.js';
import { isHttpUrl, type CatalogEntry, type CatalogFile } from './catalog.js';

export interface FetchSettings {
  /** BP_TRAIN_MIRRORS, or null for each dataset's own mirrors. */
  mirrors: string[] | null;
  offline: boolean;
  timeoutMs: number;
  retries: number;
  retryMs: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_MS = 1_000;

/** @throws DataError naming the variable when one holds a value that is not allowed. */
export function fetchSettings(env: NodeJS.ProcessEnv = process.env): FetchSettings {
  return {
    mirrors: mirrorList(env.BP_TRAIN_MIRRORS),
    offline: isOn(env.BP_TRAIN_OFFLINE),
    timeoutMs: integerVar(env, 'BP_TRAIN_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1, 3_600_000),
    retries: integerVar(env, 'BP_TRAIN_RETRIES', DEFAULT_RETRIES, 0, 100),
    retryMs: integerVar(env, 'BP_TRAIN_RETRY_MS', DEFAULT_RETRY_MS, 0, 600_000),
  };
}

/** The URLs of one file, in the order they are tried. */
export function fileUrls(entry: CatalogEntry, file: CatalogFile, settings: FetchSettings): string[] {
  if (settings.mirrors !== null) return settings.mirrors.map((base) => joinUrl(joinUrl(base, encodeURIComponent(entry.name)), encodeURIComponent(file.name)));
  return entry.mirrors.map((base) => joinUrl(base, encodeURIComponent(file.name)));
}

/** "1", "true", "yes" (any case) turn a switch on; anything else, or nothing, leaves it off. */
export function isOn(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.trim().toLowerCase());
}

function joinUrl(base: string, name: string): string {
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

function mirrorList(value: string | undefined): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  const bases = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = bases.find((b) => !isHttpUrl(b));
  if (bad !== undefined) throw new DataError('BP_TRAIN_MIRRORS', `'${bad}' is not an http:// or https:// URL (expected comma-separated base URLs)`);
  return bases;
}

function integerVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new DataError(name, `'${text}' is not an integer from ${min} to ${max}`);
  return n;
}
