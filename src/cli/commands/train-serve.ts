/**
 * The --serve side of `bp-train train`: checks --serve/--host, starts the live page
 * (serve/live-run.ts) and prints its URL on stderr (the one line --serve adds), and gives it
 * the model at each measurement. The run's numbers do not depend on any of it.
 */
import type { Dataset } from '../../data/dataset.js';
import { kernels, type BackendName } from '../../kernels/backend.js';
import type { EpochRecord } from '../../model/model-file.js';
import type { LiveRun } from '../../serve/live-run.js';
import type { TrainConfig, TrainState } from '../../train/trainer.js';
import { UsageError } from '../errors.js';
import { listenOrExplain, urlLine } from '../listen.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../options.js';
import { modelMeta } from './train-model.js';

export interface ServeCliOptions {
  /** --serve alone is true (the default port); --serve PORT a number. */
  serve?: true | number;
  host?: string;
}

/** Usage errors, before anything is loaded. */
export function checkServeOptions(opts: ServeCliOptions): void {
  if (opts.host !== undefined && opts.serve === undefined) throw new UsageError('--host needs --serve [PORT] (the address the live page listens on)');
}

/** The live page, listening and announced; null without --serve. */
export async function openLivePage(opts: ServeCliOptions, dataset: Dataset, note: (line: string) => void): Promise<LiveRun | null> {
  if (opts.serve === undefined) return null;
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.serve === true ? DEFAULT_PORT : opts.serve;
  // The server's modules load only with --serve (they cost every other run start-up time).
  const [{ LiveRun: Live }, snapshot] = await Promise.all([import('../../serve/live-run.js'), import('../../serve/snapshot.js')]);
  pageModelBytes = snapshot.pageModelBytes;
  const live = await listenOrExplain(() => Live.start(host, port, note), '--serve', host, port);
  live.useData(dataset.test, dataset.source, kernels().name as BackendName, dataset.classNames);
  note(urlLine('live page', live.url, host, live.loopback));
  return live;
}

/** The model file's bytes for the page, as `--save` would write them at this measurement (without the optimizer's state). */
/** serve/snapshot.ts's, once openLivePage has loaded it. */
let pageModelBytes: typeof import('../../serve/snapshot.js').pageModelBytes | null = null;

export function liveModel(config: TrainConfig, data: { source: string; trainLimit?: number; testLimit?: number }, measured: TrainState, history: EpochRecord[]): Uint8Array {
  if (pageModelBytes === null) throw new Error('liveModel: no live page was opened');
  return pageModelBytes(measured.net, modelMeta(config, data, measured, history));
}
