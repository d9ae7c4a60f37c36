/**
 * The CI side of `bp-train train`: --baseline and its relative gates, the metrics file that
 * describes its run, --junit and $GITHUB_STEP_SUMMARY. In the order train.ts calls it:
 *   openCiRun(opts)      before loading data: checks the options, reads and checks the
 *                        baseline file (a bad one is a data error, exit 3, before any training)
 *   ci.begin(config)     before training: a baseline that ran with other settings that
 *                        change the numbers is a usage error (exit 2) unless --allow-config-change
 *   ci.complete(summary) after training: the comparison goes into the summary (--json shows it)
 *   ci.writeReports(...) --junit and the step summary (before the summary, whose status shows
 *                        a failed write)
 *   ci.metricsText(s)    the --metrics file
 *   ci.printComparison(...) after the summary: the comparison table, the failed relative gates
 *   ci.exitCode(code)    1 for a failed relative gate when nothing worse happened
 */
import type { EpochRecord } from '../../model/model-meta.js';
import { appendFileDurable } from '../../io/append-file.js';
import { applyComparison, checkUsableBaseline, compareWithBaseline, RELATIVE_GATES, type RelativeBars } from '../../train/baseline.js';
import { buildMetricsFile, metricsText, readMetricsFile, type MetricsFile, type MetricsRecord } from '../../train/metrics-file.js';
import { configChanges, runEnvironment, type ConfigChange, type RunConfig, type RunEnvironment } from '../../train/run-config.js';
import type { GateBars, Summary } from '../../train/summary.js';
import { comparisonLines, configChangesText, relativeGateLine } from '../../report/baseline-text.js';
import { stepSummaryMarkdown } from '../../report/github-summary.js';
import { junitXml, type UncheckedGate } from '../../report/junit.js';
import { writeFileAtomic } from '../../io/write-file.js';
import { EXIT, UsageError } from '../errors.js';
import { requireWritable } from '../setup.js';
import { version } from '../version.js';

export interface CiCliOptions extends RelativeBars {
  baseline?: string;
  allowConfigChange?: boolean;
  junit?: string;
}

/** Runs a write, turning a WriteError into exit 5 later (train.ts's `attempt`). */
export type Attempt = (write: () => void | Promise<void>) => Promise<boolean>;

const RELATIVE_FLAGS: Record<keyof RelativeBars | 'allowConfigChange', string> = {
  maxDrop: '--max-drop',
  maxTrainDrop: '--max-train-drop',
  maxLossRise: '--max-loss-rise',
  allowConfigChange: '--allow-config-change',
};

export function openCiRun(opts: CiCliOptions & GateBars, env: NodeJS.ProcessEnv = process.env): CiRun {
  if (opts.baseline === undefined) {
    for (const [key, flag] of Object.entries(RELATIVE_FLAGS) as [keyof typeof RELATIVE_FLAGS, string][]) {
      if (opts[key] !== undefined) throw new UsageError(`${flag} needs --baseline FILE (the metrics file of the run to compare with)`);
    }
  }
  requireWritable('--junit', opts.junit);
  let baseline: MetricsRecord | null = null;
  if (opts.baseline !== undefined) {
    const label = `--baseline ${opts.baseline}`;
    baseline = readMetricsFile(opts.baseline, label);
    checkUsableBaseline(baseline, label, opts);
  }
  return new CiRun(opts, baseline, env.GITHUB_STEP_SUMMARY || undefined);
}

export class CiRun {
  private config: RunConfig | null = null;
  private changes: ConfigChange[] = [];
  private readonly environment: RunEnvironment = runEnvironment();

  constructor(
    private readonly opts: CiCliOptions & GateBars,
    private readonly baseline: MetricsRecord | null,
    private readonly stepSummary: string | undefined,
  ) {}

  begin(config: RunConfig): void {
    this.config = config;
    if (this.baseline === null) return;
    this.changes = configChanges(this.baseline.config, config);
    if (this.changes.length > 0 && !this.opts.allowConfigChange) {
      throw new UsageError(
        `--baseline ${this.baseline.file} ran with other settings that change the numbers: ${configChangesText(this.changes)} ` +
          `(give --allow-config-change to compare anyway)`,
      );
    }
  }

  /** Adds the baseline comparison to the summary (before it is printed or written). */
  complete(summary: Summary): void {
    if (this.baseline === null) return;
    const finished = !summary.diverged && !summary.interrupted;
    applyComparison(summary, compareWithBaseline(this.baseline, summary, this.changes, { maxDrop: this.opts.maxDrop, maxTrainDrop: this.opts.maxTrainDrop, maxLossRise: this.opts.maxLossRise }, finished));
  }

  metricsFile(summary: Summary, history: EpochRecord[]): MetricsFile {
    if (this.config === null) throw new Error('CiRun.begin was not called');
    return buildMetricsFile(summary, this.config, history, this.environment, version);
  }

  metricsText(summary: Summary, history: EpochRecord[]): string {
    return metricsText(this.metricsFile(summary, history));
  }

  /**
   * Before the summary is printed: --junit and the step summary (so that a failed write shows
   * in the summary's status).
   */
  async writeReports(summary: Summary, history: EpochRecord[], attempt: Attempt): Promise<void> {
    const unchecked = this.uncheckedGates(summary);
    const { junit } = this.opts;
    if (junit !== undefined) {
      const xml = junitXml(this.metricsFile(summary, history), unchecked, new Date());
      await attempt(() => writeFileAtomic(junit, xml));
    }
    const file = this.stepSummary;
    if (file !== undefined) {
      const markdown = stepSummaryMarkdown(this.metricsFile(summary, history), unchecked);
      await attempt(() => appendFileDurable(file, markdown, `$GITHUB_STEP_SUMMARY ${file}`));
    }
  }

  /** After the summary: the comparison table on `out` (stdout, or stderr with --json) and the failed relative gates on `note`. */
  printComparison(summary: Summary, out: (line: string) => void, note: (line: string) => void): void {
    const comparison = summary.baseline;
    if (!comparison) return;
    for (const line of comparisonLines(comparison)) out(line);
    for (const g of comparison.gates) if (!g.passed) note(`bp-train: ${relativeGateLine(g, comparison.file)}`);
  }

  /** `code` from the absolute gates, signals and writes; 1 instead of 0 when a relative gate failed. */
  exitCode(code: number, summary: Summary): number {
    const failed = summary.baseline?.gates.some((g) => !g.passed) ?? false;
    return code === EXIT.ok && failed ? EXIT.gateFailed : code;
  }

  /** The gates asked for that a run which did not finish never checked. */
  private uncheckedGates(summary: Summary): UncheckedGate[] {
    if (!summary.diverged && !summary.interrupted) return [];
    const reason = summary.diverged ? `training diverged at iteration ${summary.iterations + 1}` : `the run was stopped at iteration ${summary.iterations}`;
    const bars: [string, number | undefined][] = [
      ['--min-test-acc', this.opts.minTestAcc],
      ['--min-train-acc', this.opts.minTrainAcc],
      ['--min-val-acc', this.opts.minValAcc],
      ['--max-loss', this.opts.maxLoss],
      ...RELATIVE_GATES.map((g): [string, number | undefined] => [g.option, this.baseline === null ? undefined : this.opts[g.bar]]),
    ];
    return bars.filter((b): b is [string, number] => b[1] !== undefined).map(([flag, bar]) => ({ name: `${flag} ${bar}`, reason }));
  }
}
