/**
 * Charts as SVG files, drawn by Vega-Lite specs rendered headless by Vega (no browser, no
 * canvas: `View.toSVG()`). Two charts: a run's accuracy and loss per epoch (train --plot),
 * and a model's confusion matrix with its misclassified test digits (eval --plot).
 *
 * Vega is loaded only when a chart is asked for, so other commands do not pay for it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../model/model-meta.js';
import { writeFileAtomic } from '../io/write-file.js';
import { digitDataUri } from './digit-png.js';
import { className, displayWidth, isDigitNames } from './class-names.js';

const SERIES = ['train accuracy', 'test accuracy', 'mean loss'];
const COLORS = ['#1f77b4', '#2ca02c', '#d62728'];

/** Accuracy (train, test) and mean loss per epoch, one panel above the other, one legend. */
export function trainingChart(history: readonly EpochRecord[], title: string): TopLevelSpec {
  const values = history.flatMap((r) => [
    { epoch: r.epoch, iteration: r.iteration, series: SERIES[0], value: r.trainAcc },
    { epoch: r.epoch, iteration: r.iteration, series: SERIES[1], value: r.testAcc },
    { epoch: r.epoch, iteration: r.iteration, series: SERIES[2], value: r.loss },
  ]);
  const color = { field: 'series', type: 'nominal', scale: { domain: SERIES, range: COLORS }, legend: { title: null, orient: 'right' } } as const;
  const x = { field: 'epoch', type: 'quantitative', axis: { title: 'epoch', tickMinStep: 1 } } as const;
  const panel = (filter: string, yTitle: string) => ({
    width: 560,
    height: 200,
    transform: [{ filter }],
    mark: { type: 'line', point: true },
    encoding: { x, y: { field: 'value', type: 'quantitative', scale: { zero: false }, axis: { title: yTitle } }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    vconcat: [panel("datum.series !== 'mean loss'", 'accuracy'), panel("datum.series === 'mean loss'", 'mean training loss')],
  } as TopLevelSpec;
}

export interface Misclassified {
  pixels: Uint8Array;
  rows: number;
  cols: number;
  label: number;
  predicted: number;
}

/**
 * The confusion matrix as a heatmap (rows: true class, columns: predicted), beside a grid of
 * misclassified digits. With `classNames` other than the digits (Fashion-MNIST, KMNIST), the
 * axes and the captions name the classes.
 */
export function evalChart(confusion: readonly number[][], wrong: readonly Misclassified[], title: string, classNames?: readonly string[]): TopLevelSpec {
  const cells = confusion.flatMap((row, t) => row.map((count, p) => ({ true: t, predicted: p, count })));
  const maxCount = Math.max(1, ...cells.map((c) => c.count));
  const named = !isDigitNames(classNames);
  // a Vega expression: the class name of an axis value (a JSON array literal is one)
  const labelExpr = named ? { labelExpr: `${JSON.stringify(confusion.map((_, c) => className(classNames, c)))}[datum.value]` } : {};
  const heatmap = {
    title: 'confusion matrix',
    data: { values: cells },
    width: 360,
    height: 360,
    encoding: {
      x: { field: 'predicted', type: 'ordinal', axis: { title: 'predicted class', labelAngle: named ? -45 : 0, ...labelExpr } },
      y: { field: 'true', type: 'ordinal', axis: { title: 'true class', ...labelExpr } },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative',
            scale: { type: 'symlog', scheme: 'blues' },
            legend: {
              title: 'examples (log scale)',
              values: legendValues(maxCount),
              format: ',d',
              direction: 'horizontal',
              orient: 'bottom',
              gradientLength: 240,
              labelOverlap: false,
            },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${Math.sqrt(maxCount)}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  const perRow = 10;
  // named classes: the caption on two lines (true, then -> predicted), the cells as wide as the longest name
  const longest = Math.max(...confusion.map((_, c) => displayWidth(className(classNames, c))));
  const cellWidth = named ? Math.max(64, Math.ceil(longest * 6.5) + 24) : 64;
  const digits = wrong.map((w, i) => ({
    col: i % perRow,
    row: Math.floor(i / perRow),
    url: digitDataUri(w.pixels, w.rows, w.cols),
    caption: named ? [className(classNames, w.label), `-> ${className(classNames, w.predicted)}`] : `${w.label} -> ${w.predicted}`,
  }));
  const rows = Math.max(1, Math.ceil(digits.length / perRow));
  const axisless = (field: string) => ({ field, type: 'ordinal', axis: null }) as const;
  const grid = {
    title: `misclassified test ${named ? 'images' : 'digits'} (true -> predicted), first ${digits.length}`,
    data: { values: digits },
    width: perRow * cellWidth,
    height: rows * (named ? 88 : 72),
    encoding: { x: axisless('col'), y: axisless('row') },
    layer: [
      { mark: { type: 'image', width: 48, height: 48, aria: false, yOffset: named ? -12 : -6 }, encoding: { url: { field: 'url', type: 'nominal' } } },
      { mark: { type: 'text', fontSize: 11, yOffset: named ? 22 : 28 }, encoding: { text: { field: 'caption', type: 'nominal' } } },
    ],
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    hconcat: [heatmap, grid],
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

/**
 * Labels of the heatmap's colour legend: 0 and the powers of ten up to the largest count.
 * On the symlog scale these are evenly spaced; vega's own ticks (0, 200, 400, ... 1,000) bunch
 * up at the dark end, where their labels overlap.
 */
export function legendValues(maxCount: number): number[] {
  const values = [0];
  for (let v = 10; v <= maxCount; v *= 10) values.push(v);
  if (values.length === 1) values.push(maxCount);
  return values;
}

/** Compiles a Vega-Lite spec and renders it to SVG text, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a chart and writes it atomically. @throws WriteError when it cannot be written (the previous file is unchanged). */
export async function writeChart(file: string, spec: TopLevelSpec): Promise<void> {
  writeFileAtomic(file, await renderSvg(spec));
}
