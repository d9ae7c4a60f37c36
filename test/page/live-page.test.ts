/**
 * `bp-train train --serve`, watched by two tabs of the test suite's headless browser while it
 * trains: each tab receives the epoch events live (its curves gain a point per epoch while the
 * run goes on), draws the first layer's weights (not blank), the confusion matrix and the
 * mistakes; Ctrl-C stops the run and the server, and both tabs get the summary and the end.
 * What the tabs show is what the run's --json lines say.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.js';
import { launchBrowserWith } from '../helpers/browser.js';
import { drawDigit, readPrediction } from '../helpers/digit-strokes.js';
import { waitForUrl } from '../helpers/page-client.js';
import { jsonLines, PROJECT_ROOT, startCli, type CliProcess, type RunResult } from '../helpers/run-cli.js';

// About a second an epoch (80 iterations on the js kernels, one thread): the tabs connect
// during the first epochs and the run is stopped with Ctrl-C once they have seen three more.
const RUN = ['--data', 'mnist-lite', '--test-limit', '1000', '--hidden', '50', '--epochs', '60', '--backend', 'js', '--threads', '1', '--json', '--serve', '0'];

interface TabState {
  epochs: number;
  points: number;
  status: string;
  snapshots: number;
  ended: boolean;
  summary: boolean;
}

/** Runs in the page (browser code is text: the tests' TypeScript has no DOM types). */
const TAB_STATE = `({
  epochs: Number(document.getElementById('curves').dataset.epochs),
  points: document.querySelectorAll('#curves g.role-mark.mark-symbol path').length,
  status: document.getElementById('status').textContent,
  snapshots: Number(document.body.dataset.snapshots || 0),
  ended: document.body.dataset.ended === 'true',
  summary: document.getElementById('summary-section').dataset.arrived === 'true',
})`;

const WEIGHT_PICTURES = `[...document.querySelectorAll('#weights canvas')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let coloured = 0;
  const values = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) coloured++;
    values.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  return { width: c.width, height: c.height, coloured, colours: values.size };
})`;

const CONFUSION = `({
  cells: document.querySelectorAll('#confusion g.role-mark.mark-rect path').length,
  digits: document.querySelectorAll('#confusion g.role-mark.mark-image image').length,
  text: document.getElementById('confusion').textContent,
})`;

let browser: Browser;
let cli: CliProcess;
let url: URL;
const tabs: Page[] = [];
/** Every state each tab was seen in while the run trained, in order. */
const seen: TabState[][] = [[], []];
let run: RunResult;

async function state(tab: Page): Promise<TabState> {
  return (await tab.evaluate(TAB_STATE)) as TabState;
}

beforeAll(async () => {
  cli = startCli(RUN, { timeoutMs: 110_000 });
  [url, browser] = await launchBrowserWith(waitForUrl(cli, 'stderr'));
  for (let i = 0; i < 2; i++) {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 1000 });
    tabs.push(tab);
  }
  await Promise.all(tabs.map((tab) => tab.goto(url.href, { waitUntil: 'load' })));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (cli?.child.exitCode === null) cli.child.kill('SIGKILL');
});

describe('a live run in two tabs', () => {
  it('the tabs receive the epochs live: the curves gain a point per epoch while the run trains', async () => {
    const start = await Promise.all(tabs.map(state));
    for (;;) {
      expect(cli.child.exitCode, 'the run ended before the tabs saw three more epochs').toBeNull();
      const now = await Promise.all(tabs.map(state));
      now.forEach((s, i) => {
        if (seen[i].at(-1)?.epochs !== s.epochs) seen[i].push(s);
      });
      if (now.every((s, i) => s.epochs >= start[i].epochs + 3 && s.snapshots > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const states of seen) {
      const epochs = states.map((s) => s.epochs).filter((e) => e > 0);
      expect(epochs.length).toBeGreaterThanOrEqual(3);
      expect(epochs).toEqual([...epochs].sort((a, b) => a - b)); // only ever more
      for (const s of states) expect(s.points, `${s.epochs} epochs`).toBe(3 * s.epochs); // train, test and loss: a point each per epoch
      for (const s of states.filter((t) => t.epochs > 0)) expect(s.status).toMatch(/^training: epoch \d+ of 60$/);
    }
  }, 110_000);

  it('each tab draws one weight picture per hidden unit, none blank, the confusion matrix with its mistakes, and classifies a drawing', async () => {
    for (const tab of tabs) {
      const pictures = (await tab.evaluate(WEIGHT_PICTURES)) as { width: number; height: number; coloured: number; colours: number }[];
      expect(pictures).toHaveLength(50);
      for (const p of pictures) {
        expect([p.width, p.height]).toEqual([28, 28]);
        expect(p.coloured).toBeGreaterThan(200); // of 784 pixels
        expect(p.colours).toBeGreaterThan(50);
      }
      await tab.waitForFunction("document.querySelectorAll('#confusion g.role-mark.mark-rect path').length === 100");
      const confusion = (await tab.evaluate(CONFUSION)) as { cells: number; digits: number; text: string };
      expect(confusion.digits).toBe(40);
      expect(confusion.text).toContain('confusion matrix');
      expect(confusion.text).toMatch(/test accuracy 0\.\d{4} \([\d,]+ of 1,000 mnist-lite test images\)/);
    }
    const { test } = loadDataset('mnist', { trainLimit: 1, testLimit: 1 });
    await drawDigit(tabs[0], test.images.subarray(0, 784)); // a 7, on the model of the latest measurement
    const drawn = await readPrediction(tabs[0]);
    expect(Math.abs(drawn.probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    expect(drawn.class).toBe(drawn.probabilities.indexOf(Math.max(...drawn.probabilities)));
    const shot = join(PROJECT_ROOT, 'docs', 'live-page.png');
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(shot)) await tabs[0].screenshot({ path: shot, fullPage: true });
  });

  it('Ctrl-C stops the run and the server: both tabs get the summary and the end', async () => {
    cli.child.kill('SIGINT');
    run = await cli.done;
    expect(run.code, run.stderr).toBe(130);
    for (const tab of tabs) await tab.waitForFunction("document.body.dataset.ended === 'true'");
    const [a, b] = await Promise.all(tabs.map(state));
    const lines = jsonLines(run.stdout);
    const epochs = lines.filter((l) => l.event === 'epoch');
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', status: 'interrupted', interrupted: true });
    for (const s of [a, b]) {
      expect(s.summary).toBe(true);
      expect(s.epochs).toBe(epochs.length);
      expect(s.points).toBe(3 * epochs.length);
      expect(s.status).toMatch(/^interrupted: [\d,]+ iterations, test accuracy 0\.\d{4}; the run is over and its server has stopped/);
    }
    const texts = await Promise.all(tabs.map((tab) => tab.evaluate("document.getElementById('summary').textContent + ' | ' + document.getElementById('progress-text').textContent") as Promise<string>));
    expect(texts[1]).toBe(texts[0]);
    const last = epochs.at(-1)!;
    expect(texts[0]).toContain(`iterations${(summary.iterations as number).toLocaleString('en-US')}`);
    expect(texts[0]).toContain(`last epoch: loss ${(last.loss as number).toFixed(4)}, train ${(last.trainAcc as number).toFixed(4)}, test ${(last.testAcc as number).toFixed(4)}`);
    expect(texts[0]).toContain('statusinterrupted');
  });
});
