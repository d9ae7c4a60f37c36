/**
 * --train-limit and --test-limit above what a dataset holds are not errors (the limits mean
 * "at most"), but the run then uses fewer examples than asked: each command that takes them
 * says so, once, in the same words.
 */
import type { Dataset } from '../data/dataset.js';
import { thousands } from '../report/format.js';

/** The notes for limits over the loaded (uncut) dataset's splits: none when both fit. */
export function limitNotes(dataset: Dataset, limits: { trainLimit?: number; testLimit?: number }): string[] {
  const notes: string[] = [];
  for (const [flag, limit, split] of [['--train-limit', limits.trainLimit, dataset.train], ['--test-limit', limits.testLimit, dataset.test]] as const) {
    if (limit !== undefined && limit > split.count) {
      notes.push(`bp-train: note: ${flag} ${limit} is more than the ${thousands(split.count)} examples there are: using all of them`);
    }
  }
  return notes;
}
