/**
 * Text formatting of events and summaries, shared by the terminal and plain reporters.
 * Colour comes from chalk, whose level was set once (color.ts): at level 0 these are plain.
 */
import chalk from 'chalk';
import type { EpochEvent, StartEvent } from '../train/events.js';
import type { Gate, Summary } from '../train/summary.js';

export function acc(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : '-';
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function startLine(e: StartEvent): string {
  const resumed = e.startIteration > 0 ? `, resuming at iteration ${e.startIteration}` : '';
  return chalk.dim(
    `training on ${e.source}: ${thousands(e.trainSize)} train / ${thousands(e.testSize)} test, ` +
      `hidden ${e.hidden}, lr ${e.lr}, batch ${e.batchSize}, ${thousands(e.iterations)} iterations ` +
      `(${e.itersPerEpoch} per epoch), seed ${e.seed}, backend ${e.backend}${resumed}`,
  );
}

export function epochLine(e: EpochEvent, totalEpochs: number): string {
  const width = String(totalEpochs).length;
  return (
    `epoch ${chalk.bold(String(e.epoch).padStart(width))}/${totalEpochs}  ` +
    `iter ${String(e.iteration).padStart(6)}  ` +
    `loss ${e.loss.toFixed(4)}  ` +
    `train ${chalk.cyan(acc(e.trainAcc))}  ` +
    `test ${chalk.green(acc(e.testAcc))}  ` +
    chalk.dim(seconds(e.elapsedMs))
  );
}

export function gateLine(g: Gate): string {
  const cmp = g.option === '--max-loss' ? 'above' : 'below';
  return g.passed
    ? `gate ${g.option} ${g.bar}: passed (${acc(g.value)})`
    : `gate ${g.option} ${g.bar}: FAILED: final ${g.option === '--max-loss' ? 'loss' : g.option === '--min-test-acc' ? 'test accuracy' : 'train accuracy'} ${acc(g.value)} is ${cmp} the bar ${g.bar}`;
}

export function summaryLines(s: Summary): string[] {
  const lines = [
    `${chalk.bold(s.status === 'ok' || s.status === 'gate-failed' ? 'done' : s.status)}: ${thousands(s.iterations)} iterations, ` +
      `${s.status === 'ok' || s.status === 'gate-failed' ? '' : 'last measured '}test accuracy ${chalk.green.bold(acc(s.testAcc))} ` +
      `(best ${acc(s.bestTestAcc)} at epoch ${s.bestEpoch}), train accuracy ${acc(s.trainAcc)}, loss ${acc(s.loss)}`,
    chalk.dim(
      `wall ${seconds(s.wallMs)} (training ${seconds(s.trainMs)}, evaluation ${seconds(s.evalMs)}, loading ${seconds(s.loadMs)}), ` +
        `${thousands(s.examplesPerSec)} examples/s, peak memory ${s.peakRssMb} MB, backend ${s.backend}`,
    ),
  ];
  for (const g of s.gates) lines.push(g.passed ? chalk.green(gateLine(g)) : chalk.red(gateLine(g)));
  return lines;
}
