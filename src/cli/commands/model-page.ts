/**
 * The page of a saved model (`bp-train serve`, `bp-train export-page`): the model file, its
 * confusion matrix and first mistakes on its test data (the data it was trained on, as
 * `bp-train eval` takes it), as the page's data (serve/protocol.ts). Its history and weights
 * the page reads from the model itself.
 */
import { basename } from 'node:path';
import { loadDataset } from '../../data/sources.js';
import { checkModelInput, loadModel } from '../../model/model-file.js';
import { MAX_MISTAKES, type PageData } from '../../serve/protocol.js';
import { makeSnapshot, pageModelBytes } from '../../serve/snapshot.js';
import { confusionMatrix } from '../../train/confusion.js';
import { prepareData } from '../prepare-data.js';
import { modelDataSource } from '../model-data.js';

export interface ModelPageCliOptions {
  model: string;
  data?: string;
  testLimit?: number;
  offline?: boolean;
  debug?: boolean;
}

/** @throws DataError for a missing or malformed model file or dataset. */
export async function modelPageData(opts: ModelPageCliOptions): Promise<PageData> {
  const { net, meta } = loadModel(opts.model);
  const source = modelDataSource(opts.model, meta.data.source, opts.data);
  const testLimit = opts.testLimit ?? (opts.data === undefined ? (meta.data.testLimit ?? undefined) : undefined);
  await prepareData(source, opts);
  const dataset = loadDataset(source, { testLimit, trainLimit: 1 });
  const { test } = dataset;
  checkModelInput(opts.model, meta, test.rows * test.cols, source);
  const result = confusionMatrix(net, test, MAX_MISTAKES);
  const at = { epoch: meta.history.at(-1)?.epoch ?? 0, iteration: meta.iteration };
  const snapshot = makeSnapshot(pageModelBytes(net, meta), at, test, source, result, dataset.classNames);
  return { mode: 'model', file: basename(opts.model), snapshot };
}
