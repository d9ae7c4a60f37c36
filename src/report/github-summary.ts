/**
 * The Markdown that a run appends to $GITHUB_STEP_SUMMARY (GitHub Actions shows it on the
 * run's page): a heading with the status, the final figures, the gates, and the run against
 * its baseline when --baseline was given.
 */
import type { MetricsFile } from '../train/metrics-file.js';
import { comparisonDiff } from '../train/metrics-diff.js';
import { relativeGateLine } from './baseline-text.js';
import { diffMarkdown, markdownCell, markdownCode } from './diff-table.js';
import { acc, gateLine, lossText, thousands } from './format.js';
import type { UncheckedGate } from './junit.js';

const table = (header: string[], rows: string[][]): string[] => [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`),
];

export function stepSummaryMarkdown(run: MetricsFile, unchecked: readonly UncheckedGate[]): string {
  const { config } = run;
  const limits = `${thousands(config.trainSize)} train / ${thousands(config.testSize)} test`;
  const lines = [
    `### bp-train: ${run.status}, test accuracy ${acc(run.testAcc)}`,
    '',
    ...table(
      ['figure', 'value'],
      [
        ['test accuracy', acc(run.testAcc)],
        ['best test accuracy', `${acc(run.bestTestAcc)} (epoch ${run.bestEpoch})`],
        ['train accuracy', acc(run.trainAcc)],
        ['loss', lossText(run.loss)],
        ['iterations', `${thousands(run.iterations)} of ${thousands(config.iterations)} (${run.epochs} measurements)`],
        ['network', `${config.network} ${config.inputSize}-${config.hidden}-${config.outputSize}, ${config.optimizer} lr ${config.lr}, batch ${config.batchSize}`],
        ['data', `${config.data}, ${limits}`],
        ['seed, backend', `${config.seed}, ${config.backend} (${run.threads} threads)`],
        ['wall time', `${(run.wallMs / 1000).toFixed(1)} s`],
        ['bp-train, Node, CPU', `${run.version}, ${run.environment.node}, ${run.environment.cpu}`],
      ],
    ),
  ];
  const gates = [
    ...run.gates.map((g) => [`${g.option} ${g.bar}`, g.passed ? 'passed' : '**failed**', gateLine(g)]),
    ...(run.baseline?.gates ?? []).map((g) => [`${g.option} ${g.bar}`, g.passed ? 'passed' : '**failed**', relativeGateLine(g, run.baseline!.file)]),
    ...unchecked.map((u) => [u.name, '**not checked**', u.reason]),
  ];
  if (gates.length > 0) lines.push('', ...table(['gate', 'result', 'detail'], gates));
  if (run.baseline) {
    const b = run.baseline;
    const allowed = b.configChanges.length > 0 ? ', configuration changes allowed by `--allow-config-change`' : '';
    lines.push('', `Against the baseline ${markdownCode(b.file)} (bp-train ${b.version}${allowed}):`, '', ...diffMarkdown(comparisonDiff(b, ['baseline', 'this run'])));
  }
  return `${lines.join('\n')}\n\n`;
}
