/**
 * The chart of `bp-train compare` (Vega-Lite, rendered to SVG by plots.ts's writeChart), in the
 * manner of the book's chapter-6 figures:
 *   loss            the smoothed loss per iteration of every run (the book's smooth_curve),
 *                   y from 0 to the figure's top (6-9: 1, 6-15: 2.5)
 *   batchnorm-grid  a 4 x 4 grid of small multiples, one per initial weight scale: train
 *                   accuracy per epoch with batch norm (solid) and without (dashed) (6-19)
 *   overfit         one panel per run: train and test accuracy per epoch, y 0..1 (6-20, 6-21, 6-23)
 *   curves          any comparison: the smoothed loss per iteration above, train (dashed), test
 *                   (solid) and validation (dotted) accuracy per measurement below
 */
import type { TopLevelSpec } from 'vega-lite';
import { smoothCurve } from '../experiments/smooth-curve.js';
import type { ChartKind } from '../experiments/presets.js';
import type { EpochEvent } from '../train/events.js';

/** What the chart needs of a run: its names and its curves. */
export interface ChartRun {
  label: string;
  panel?: string;
  series?: string;
  /** The loss of every step (or of every lossStride steps, averaged). */
  losses: ArrayLike<number>;
  lossStride?: number;
  /** Its measurements. */
  history: readonly EpochEvent[];
  /** 'diverged': said in its panel's title (a run that diverged at once has no curve to draw). */
  status?: string;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The most points a smoothed loss curve keeps (a longer one keeps every k-th): the SVG stays small. */
const MAX_LOSS_POINTS = 2000;

/** The book's matplotlib colours, in order (tab10). */
export const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The smoothed loss of each run as points {run, iteration, loss}, thinned to MAX_LOSS_POINTS per run. */
export function smoothedLossPoints(runs: readonly ChartRun[]): { run: string; iteration: number; loss: number }[] {
  return runs.flatMap((r) => {
    const smoothed = smoothCurve(r.losses);
    const step = Math.max(1, Math.ceil(smoothed.length / MAX_LOSS_POINTS));
    const points: { run: string; iteration: number; loss: number }[] = [];
    const stride = r.lossStride ?? 1;
    for (let i = 0; i < smoothed.length; i += step) if (Number.isFinite(smoothed[i])) points.push({ run: r.label, iteration: (i + 1) * stride, loss: smoothed[i] });
    return points;
  });
}

function runColor(runs: readonly ChartRun[], legend = true) {
  const domain = runs.map((r) => r.label);
  return {
    field: 'run',
    type: 'nominal',
    scale: { domain, range: domain.map((_, i) => RUN_COLORS[i % RUN_COLORS.length]) },
    legend: legend ? { title: null, orient: 'right', labelLimit: 320, symbolType: 'stroke' } : null,
  } as const;
}

/** The smoothed loss per iteration, y from 0 to yMax (values above are clipped, as the book's ylim does). */
function lossLayer(runs: readonly ChartRun[], yMax: number | null, width: number, height: number) {
  return {
    width,
    height,
    data: { values: smoothedLossPoints(runs) },
    mark: { type: 'line', clip: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', axis: { title: 'iterations' } },
      y: { field: 'loss', type: 'quantitative', scale: yMax === null ? { zero: true } : { domain: [0, yMax] }, axis: { title: 'loss (smoothed)' } },
      color: runColor(runs),
    },
  };
}

type AccuracyPoint = { run: string; panel: string; series: string; epoch: number; iteration: number; accuracy: number };

/** Each measurement's accuracies as points; `splits` picks which (train, test, validation). */
function accuracyPoints(runs: readonly ChartRun[], splits: readonly ('train' | 'test' | 'validation')[]): AccuracyPoint[] {
  const points: AccuracyPoint[] = [];
  for (const r of runs) {
    for (const e of r.history) {
      const values = { train: e.trainAcc, test: e.testAcc, validation: e.valAcc };
      for (const split of splits) {
        const accuracy = values[split];
        if (accuracy !== undefined && Number.isFinite(accuracy)) {
          points.push({ run: r.label, panel: r.panel ?? r.label, series: r.series ?? split, epoch: e.epoch, iteration: e.iteration, accuracy });
        }
      }
    }
  }
  return points;
}

const SPLIT_COLORS: Record<string, string> = { train: '#1f77b4', test: '#ff7f0e', validation: '#2ca02c' };

const DASHES = { domain: ['train', 'test', 'validation'], range: [[5, 3], [1, 0], [1, 2]] };

export function compareChart(kind: ChartKind, runs: readonly ChartRun[], title: string): TopLevelSpec {
  switch (kind.kind) {
    case 'loss':
      return { $schema: SCHEMA, title, ...lossLayer(runs, kind.yMax, 640, 360) } as TopLevelSpec;
    case 'batchnorm-grid':
      return batchnormGrid(runs, title);
    case 'overfit':
      return overfitPanels(runs, title);
    case 'curves':
      return curves(runs, title);
  }
}

/** Figure 6-19: one panel per weight scale (4 columns), train accuracy per epoch, batch norm solid, without dashed. */
function batchnormGrid(runs: readonly ChartRun[], title: string): TopLevelSpec {
  const series = [...new Set(runs.map((r) => r.series ?? r.label))];
  // A panel's title says which of its runs diverged ("W:1 (no batch norm diverged)").
  const titled = runs.map((r) => {
    const panel = r.panel ?? r.label;
    const diverged = runs.filter((o) => (o.panel ?? o.label) === panel && o.status === 'diverged').map((o) => o.series ?? o.label);
    return { ...r, panel: diverged.length === 0 ? panel : `${panel} (${diverged.join(', ')} diverged)` };
  });
  const panels = [...new Set(titled.map((r) => r.panel))];
  return {
    $schema: SCHEMA,
    title,
    data: { values: accuracyPoints(titled, ['train']) },
    facet: { field: 'panel', type: 'nominal', sort: panels, header: { title: null, labelFontSize: 11 } },
    columns: 4,
    spec: {
      width: 150,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { title: 'epochs', tickMinStep: 1 } },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'accuracy' } },
        color: { field: 'series', type: 'nominal', scale: { domain: series, range: ['#1f77b4', '#2ca02c'] }, legend: { title: null, orient: 'bottom' } },
        strokeDash: { field: 'series', type: 'nominal', scale: { domain: series, range: [[1, 0], [5, 3]] }, legend: { title: null, orient: 'bottom' } },
      },
    },
    resolve: { axis: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

/** Figures 6-20, 6-21, 6-23: one panel per run, train and test accuracy per epoch, y 0..1. */
function overfitPanels(runs: readonly ChartRun[], title: string): TopLevelSpec {
  const values = accuracyPoints(runs, ['train', 'test', 'validation']);
  const splits = ['train', 'test', 'validation'].filter((split) => values.some((p) => p.series === split));
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { field: 'panel', type: 'nominal', sort: runs.map((r) => r.panel ?? r.label), header: { title: null, labelFontSize: 12 } },
    columns: Math.min(3, runs.length),
    spec: {
      width: 320,
      height: 240,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', scale: { nice: false }, axis: { title: 'epochs', tickMinStep: 1 } },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'accuracy' } },
        color: { field: 'series', type: 'nominal', scale: { domain: splits, range: splits.map((s) => SPLIT_COLORS[s]) }, legend: { title: null, orient: 'bottom' } },
      },
    },
  } as TopLevelSpec;
}

/** Any comparison: the smoothed loss above; below, each run's accuracies per measurement (its colour; the split's dash). */
function curves(runs: readonly ChartRun[], title: string): TopLevelSpec {
  const accuracy = {
    width: 640,
    height: 240,
    data: { values: accuracyPoints(runs, ['train', 'test', 'validation']) },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', axis: { title: 'iterations' } },
      y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, axis: { title: 'accuracy' } },
      color: runColor(runs),
      strokeDash: { field: 'series', type: 'nominal', scale: DASHES, legend: null },
      detail: { field: 'series', type: 'nominal' },
    },
  };
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: 'above: the loss per iteration, smoothed; below: accuracy, train dashed, test solid, validation dotted' },
    vconcat: [lossLayer(runs, null, 640, 240), accuracy],
  } as TopLevelSpec;
}
