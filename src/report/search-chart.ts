/**
 * The chart of `bp-train search` (Vega-Lite, rendered by plots.ts's writeChart), as the book
 * draws its hyperparameter search (figure 6-24): the best trials as small multiples, 5 to a
 * row, each with its validation accuracy per epoch (solid) and its train accuracy (dashed),
 * titled with its rank and final validation accuracy, y from 0 to 1.
 */
import type { TopLevelSpec } from 'vega-lite';
import { shortNumber } from '../experiments/random-search.js';
import type { EpochEvent } from '../train/events.js';

export interface ChartTrial {
  /** 1 for the best. */
  rank: number;
  lr: number;
  weightDecay: number;
  valAcc: number;
  history: readonly EpochEvent[];
}

/** How many of the best trials the book draws. */
export const SEARCH_CHART_TRIALS = 20;

/** The panel's title, its two lines joined by '|' (the header splits them). */
export function panelTitle(t: ChartTrial): string {
  return `Best-${t.rank} (val acc ${Number.isFinite(t.valAcc) ? t.valAcc.toFixed(2) : '-'})|lr ${shortNumber(t.lr)}, wd ${shortNumber(t.weightDecay)}`;
}

/** `title` and `subtitle`: above the panels. */
export function searchChart(best: readonly ChartTrial[], title: string, subtitle = ''): TopLevelSpec {
  const values = best.flatMap((t) =>
    t.history.flatMap((e) => {
      const points = [{ panel: panelTitle(t), series: 'train', epoch: e.epoch, accuracy: e.trainAcc }];
      if (e.valAcc !== undefined) points.unshift({ panel: panelTitle(t), series: 'validation', epoch: e.epoch, accuracy: e.valAcc });
      return points.filter((p) => Number.isFinite(p.accuracy));
    }),
  );
  const series = { domain: ['validation', 'train'] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    data: { values },
    facet: { field: 'panel', type: 'nominal', sort: best.map(panelTitle), header: { title: null, labelFontSize: 10, labelLimit: 0, labelExpr: "split(datum.label, '|')" } },
    columns: 5,
    spec: {
      width: 170,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5, color: '#1f77b4' },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { title: 'epochs', tickMinStep: 1 } },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'accuracy' } },
        strokeDash: { field: 'series', type: 'nominal', scale: { ...series, range: [[1, 0], [5, 3]] }, legend: { title: null, orient: 'bottom', symbolStrokeColor: '#1f77b4' } },
      },
    },
  } as TopLevelSpec;
}
