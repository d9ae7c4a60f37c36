/**
 * What the commands that take --data do before loading it: a dataset named from the catalog
 * (fashion-mnist, kmnist) is downloaded into the cache if it is not there yet, with a
 * progress bar on a terminal or plain lines in a log; --offline (or BP_TRAIN_OFFLINE=1)
 * forbids it. Loading itself (data/sources.ts) never downloads.
 */
import { BUILT_IN_SOURCES } from '../data/sources.js';
import { processOutput } from '../report/reporter.js';
import { version } from './version.js';

/** bp-train's User-Agent header. */
export const USER_AGENT = `bp-train/${version}`;

/** @throws DataError when the dataset is missing and cannot be downloaded. */
export async function prepareData(source: string, opts: { offline?: boolean; quiet?: boolean }): Promise<void> {
  if ((BUILT_IN_SOURCES as readonly string[]).includes(source)) return; // bundled: nothing to fetch
  // Loaded only here: the download code costs the bundled runs ~10 ms of start-up.
  const [{ ensureDataset }, { downloadProgress }] = await Promise.all([import('../data/fetch-dataset.js'), import('../report/download-progress.js')]);
  await ensureDataset(source, { offline: opts.offline === true, progress: downloadProgress(processOutput, { quiet: opts.quiet }), userAgent: USER_AGENT });
}
