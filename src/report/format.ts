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

/** 1234567 -> "1,234,567". Not toLocaleString: its first call loads ICU's locale data, 8 MB of RSS. */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** 75 -> "1m15s", 9.4 -> "9s", NaN -> "-" (an ETA: training steps only, evaluations add to it). */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Iterations per second: 4012.6 -> "4,013", NaN (not known yet) -> "-". */
export function speedText(perSecond: number): string {
  return Number.isFinite(perSecond) ? thousands(perSecond) : '-';
}

export function startLine(e: StartEvent): string {
  const resumed = e.startIteration > 0 ? `, resuming at iteration ${e.startIteration}` : '';
  const validation = e.validationSize === undefined ? '' : ` / ${thousands(e.validationSize)} validation`;
  return chalk.dim(
    `training on ${e.source}: ${thousands(e.trainSize)} train / ${thousands(e.testSize)} test${validation}, ` +
      `${e.network}, ${e.optimizer}, batch ${e.batchSize}, ${thousands(e.iterations)} iterations ` +
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
    (e.valAcc === undefined ? '' : `val ${chalk.magenta(acc(e.valAcc))}  `) +
    chalk.dim(seconds(e.elapsedMs))
  );
}

/** A loss for people: 4 decimals, or 4 significant digits once it is large (a diverging run). */
export function lossText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) < 1000 ? x.toFixed(4) : x.toPrecision(4);
}

const GATE_SUBJECT = { '--min-test-acc': 'test accuracy', '--min-train-acc': 'train accuracy', '--min-val-acc': 'validation accuracy', '--max-loss': 'loss' } as const;

/** "gate --min-test-acc 0.99: FAILED: final test accuracy 0.8843 is below the bar 0.99" */
export function gateLine(g: Gate): string {
  const value = g.option === '--max-loss' ? lossText(g.value) : acc(g.value);
  if (g.passed) return `gate ${g.option} ${g.bar}: passed (${value})`;
  const cmp = g.option === '--max-loss' ? 'above' : 'below';
  return `gate ${g.option} ${g.bar}: FAILED: final ${GATE_SUBJECT[g.option]} ${value} is ${cmp} the bar ${g.bar}`;
}

/** The summary for people. Failed gates are not repeated here: the command prints them on stderr. */
export function summaryLines(s: Summary): string[] {
  const finished = s.status === 'ok' || s.status === 'gate-failed';
  const measured = s.epochs > 0;
  const validation = s.valAcc === undefined ? '' : `, validation accuracy ${acc(s.valAcc)}`;
  const accuracy = !measured
    ? 'no accuracy measured yet'
    : finished
      ? `test accuracy ${chalk.green.bold(acc(s.testAcc))} (best ${acc(s.bestTestAcc)} at epoch ${s.bestEpoch}), train accuracy ${acc(s.trainAcc)}${validation}`
      : `last measured test accuracy ${chalk.green.bold(acc(s.testAcc))} (best ${acc(s.bestTestAcc)} at epoch ${s.bestEpoch}), train accuracy ${acc(s.trainAcc)}${validation}`;
  const lines = [
    `${chalk.bold(finished ? 'done' : s.status)}: ${thousands(s.iterations)} iteration${s.iterations === 1 ? '' : 's'} completed, ${accuracy}, loss ${lossText(s.loss)}`,
    chalk.dim(
      `wall ${seconds(s.wallMs)} (training ${seconds(s.trainMs)}, evaluation ${seconds(s.evalMs)}, loading ${seconds(s.loadMs)}), ` +
        `${thousands(s.examplesPerSec)} examples/s, peak memory ${s.peakRssMb} MB, backend ${s.backend}`,
    ),
  ];
  for (const g of s.gates) if (g.passed) lines.push(chalk.green(gateLine(g)));
  return lines;
}
