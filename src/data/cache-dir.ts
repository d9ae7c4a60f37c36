/**
 * Where downloaded datasets live: `$BP_TRAIN_CACHE`, else `$XDG_CACHE_HOME/bp-train`, else
 * `~/.cache/bp-train`; each dataset in a folder of its name (fashion-mnist/...). A relative
 * XDG_CACHE_HOME is ignored, as the XDG Base Directory specification says.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The cache folder, absolute, and the variable that chose it (for `bp-train data list`). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): { dir: string; from: string } {
  const own = env.BP_TRAIN_CACHE;
  if (own !== undefined && own !== '') return { dir: resolve(own), from: 'BP_TRAIN_CACHE' };
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return { dir: join(xdg, 'bp-train'), from: 'XDG_CACHE_HOME' };
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return { dir: join(home, '.cache', 'bp-train'), from: '~/.cache' };
}

/** The folder of one dataset in the cache. */
export function datasetDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env).dir, name);
}
