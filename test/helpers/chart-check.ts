/**
 * What the chart tests check of a rendered SVG (test/helpers/browser.ts renders it): not
 * blank (a fair share of non-white pixels), its curves drawn (saturated pixels: the axes,
 * grid and text are grey), and text present in the file.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { expect } from 'vitest';
import { renderSvgFile } from './browser.js';

/** The size the SVG says it is (its width and height attributes). */
export function svgSize(file: string): { width: number; height: number } {
  const head = readFileSync(file, 'utf8').slice(0, 400);
  const width = Number(/width="(\d+(?:\.\d+)?)"/.exec(head)?.[1]);
  const height = Number(/height="(\d+(?:\.\d+)?)"/.exec(head)?.[1]);
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

export interface ChartStats {
  nonWhite: number;
  /** Share of pixels with a saturated colour (max - min channel > 80): the plotted lines. */
  coloured: number;
  texts: number;
}

export async function expectChartDrawn(browser: Browser, file: string, minColoured = 0.003): Promise<ChartStats> {
  const { width, height } = svgSize(file);
  expect(width).toBeGreaterThan(200);
  expect(height).toBeGreaterThan(150);
  const png = await renderSvgFile(browser, file, width, height);
  let nonWhite = 0;
  let coloured = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (r < 240 || g < 240 || b < 240) nonWhite++;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 80) coloured++;
  }
  const pixels = png.data.length / 4;
  const stats = { nonWhite: nonWhite / pixels, coloured: coloured / pixels, texts: readFileSync(file, 'utf8').match(/<text\b/g)?.length ?? 0 };
  expect(stats.nonWhite, `${file}: non-white share`).toBeGreaterThan(0.02);
  expect(stats.coloured, `${file}: share of coloured (curve) pixels`).toBeGreaterThan(minColoured);
  expect(stats.texts, `${file}: text elements`).toBeGreaterThan(10);
  return stats;
}
