/**
 * The SVG charts (train --plot, eval --plot), rendered by a real browser: the headless
 * Chromium bundled in the @sparticuz/chromium dev dependency (or CHROME_PATH), driven by
 * puppeteer-core, takes a screenshot of each file. The picture must not be blank (many
 * colours, a fair share of non-white pixels) and its text must be drawn: without fonts a
 * browser leaves SVG text out silently.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, renderSvgFile } from '../helpers/browser.js';
import { runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** Share of pixels that differ between two pictures of the same size. */
function differing(a: PNG, b: PNG): number {
  let count = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) count++;
  }
  return count / (a.data.length / 4);
}

function colourStats(png: PNG): { colours: number; nonWhite: number } {
  const colours = new Set<number>();
  let nonWhite = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 240 || g < 240 || b < 240) nonWhite++;
  }
  return { colours: colours.size, nonWhite: nonWhite / (png.data.length / 4) };
}

const trainSvg = join(dir, 'training.svg');
const evalSvg = join(dir, 'eval.svg');

beforeAll(async () => {
  const model = join(dir, 'model.safetensors');
  expectExit(await runCli(['--train-limit', '2000', '--test-limit', '500', '--iters', '300', '--save', model, '--plot', trainSvg, '--quiet']), 0);
  expectExit(await runCli(['eval', '--model', model, '--plot', evalSvg]), 0);
});

describe('the SVG files', () => {
  it('hold the chart elements: axes titles, legend, matrix and digits', () => {
    const training = readFileSync(trainSvg, 'utf8');
    expect(training).toMatch(/^<svg /);
    for (const text of ['train accuracy', 'test accuracy', 'mean loss', 'epoch', 'accuracy', 'mean training loss']) expect(training).toContain(text);
    const evaluation = readFileSync(evalSvg, 'utf8');
    expect(evaluation).toContain('confusion matrix');
    expect(evaluation).toContain('predicted class');
    expect(evaluation.match(/<image /g)?.length).toBe(40);
    expect(evaluation).toMatch(/href="data:image\/png;base64,/);
  });

  it('leave no temporary file behind (written atomically)', () => {
    expect(readdirSync(dir).filter((f) => f.includes('bp-train-tmp'))).toEqual([]);
  });
});

describe('rendered by headless Chromium', () => {
  // Launched by the first test that needs it rather than in beforeAll, so that a browser
  // that cannot start fails each test with the cause (a failed beforeAll counts them as skipped).
  let launched: Promise<Browser> | undefined;
  const browser = (): Promise<Browser> => (launched ??= launchBrowser());
  afterAll(async () => {
    await (await launched?.catch(() => undefined))?.close();
  });

  it.each([
    ['training chart', trainSvg, 800, 600],
    ['eval chart', evalSvg, 1200, 600],
  ])('%s is not blank, and its text is drawn', async (_, svg, width, height) => {
    const png = await renderSvgFile(await browser(), svg, width, height);
    expect([png.width, png.height]).toEqual([width, height]);
    const stats = colourStats(png);
    // The same chart with every <text> element removed: the titles, labels and ticks must
    // account for a visible share of the picture.
    const TEXT = /<text\b[^>]*>[^<]*<\/text>/g;
    const markup = readFileSync(svg, 'utf8');
    expect(markup.match(TEXT)?.length ?? 0).toBeGreaterThan(10);
    const textless = `${svg}.textless.svg`;
    writeFileSync(textless, markup.replace(TEXT, ''));
    const textShare = differing(png, await renderSvgFile(await browser(), textless, width, height));
    console.log(`${svg.split('/').at(-1)}: ${stats.colours} colours, ${(100 * stats.nonWhite).toFixed(1)}% non-white, text ${(100 * textShare).toFixed(2)}%`);
    expect(stats.colours).toBeGreaterThan(20);
    expect(stats.nonWhite).toBeGreaterThan(0.02);
    expect(textShare).toBeGreaterThan(0.005);
  });
});
