/**
 * `bp-train diff A.json B.json [more...]`: metrics files (--metrics) side by side, in the
 * manner of `dvc metrics diff`: every figure, setting and environment fact of each file, and
 * each file's change against the first (the baseline). Text columns by default, --md for a
 * Markdown table (a pull-request comment), --json for one JSON object.
 * It reads every file before printing anything: a missing or malformed one is a data error
 * (exit 3) naming it.
 */
import { Command } from 'commander';
import { readMetricsFile } from '../../train/metrics-file.js';
import { diffMetrics } from '../../train/metrics-diff.js';
import { diffJson, diffMarkdown, diffText } from '../../report/diff-table.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT, UsageError } from '../errors.js';
import { addOptions, diffOptions } from '../options.js';
import { configureCommand } from '../setup.js';

export interface DiffCliOptions {
  json?: boolean;
  md?: boolean;
  debug?: boolean;
}

export function makeDiffCommand(run: (code: Promise<number>) => void): Command {
  const command = new Command('diff')
    .description('metrics files (--metrics) side by side: figures, settings and environment, with the changes against the first file')
    .argument('<files...>', 'two or more metrics files; the first is the baseline');
  addOptions(command, diffOptions);
  configureCommand(command);
  command.action((files: string[], opts: DiffCliOptions) => run(diffCommand(files, opts)));
  return command;
}

export async function diffCommand(files: string[], opts: DiffCliOptions): Promise<number> {
  if (files.length < 2) throw new UsageError(`diff needs two or more metrics files (got ${files.length}): bp-train diff BASELINE.json RUN.json [more...]`);
  const diff = diffMetrics(files.map((file) => readMetricsFile(file)));
  const lines = opts.json ? [diffJson(diff)] : opts.md ? diffMarkdown(diff) : diffText(diff);
  for (const line of lines) processOutput.out(line);
  return EXIT.ok;
}
