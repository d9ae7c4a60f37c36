/**
 * `bp-train diff A.json B.json [more...]`: metrics files (--metrics) side by side, in the
 * manner of `dvc metrics diff`: every figure, setting and environment fact of each file, and
 * each file's change against the first (the baseline). Text columns by default, --md for a
 * Markdown table (a pull-request comment), --json for one JSON object.
 * It reads every file before printing anything: a missing or malformed one is a data error
 * (exit 3) naming it.
 */
import { readMetricsFile } from '../../train/metrics-file.js';
import { diffMetrics } from '../../train/metrics-diff.js';
import { diffJson, diffMarkdown, diffText } from '../../report/diff-table.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT, UsageError } from '../errors.js';

export interface DiffCliOptions {
  json?: boolean;
  md?: boolean;
  debug?: boolean;
}

export async function diffCommand(files: string[], opts: DiffCliOptions): Promise<number> {
  if (files.length < 2) throw new UsageError(`diff needs two or more metrics files (got ${files.length}): bp-train diff BASELINE.json RUN.json [more...]`);
  const diff = diffMetrics(files.map((file) => readMetricsFile(file)));
  const lines = opts.json ? [diffJson(diff)] : opts.md ? diffMarkdown(diff) : diffText(diff);
  for (const line of lines) processOutput.out(line);
  return EXIT.ok;
}
