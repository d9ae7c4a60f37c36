/**
 * The SVG charts (train --plot, eval --plot), rendered by a real browser: headless Chromium
 * takes a screenshot of each file, and the picture must not be blank (many colours, a fair
 * share of non-white pixels). Chromium must be installed (Debian: apt-get install -y chromium);
 * without it this file fails, unless BP_TRAIN_SKIP_BROWSER=1 says to skip it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SKIP = process.env.BP_TRAIN_SKIP_BROWSER === '1';
const BROWSER = ['chromium', 'chromium-browser'].find((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0);

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** Screenshot of an SVG file by headless Chromium, decoded. */
function screenshot(svg: string, width: number, height: number): PNG {
  const out = `${svg}.png`;
  const profile = mkdtempSync(join(dir, 'chromium-profile-'));
  const run = spawnSync(
    BROWSER!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      `--screenshot=${out}`,
      `--window-size=${width},${height}`,
      `file://${svg}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, `chromium failed:\n${run.stderr}`).toBe(0);
  return PNG.sync.read(readFileSync(out));
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

describe.skipIf(SKIP)('rendered by headless Chromium', () => {
  beforeAll(() => {
    if (BROWSER === undefined) {
      throw new Error(
        'Chromium is not installed: these tests render the SVG charts with it. ' +
          'Install it (Debian: apt-get install -y chromium) or set BP_TRAIN_SKIP_BROWSER=1 to skip them.',
      );
    }
  });

  it.each([
    ['training chart', trainSvg, 800, 600],
    ['eval chart', evalSvg, 1200, 600],
  ])('%s is not blank', (_, svg, width, height) => {
    const png = screenshot(svg, width, height);
    expect([png.width, png.height]).toEqual([width, height]);
    const stats = colourStats(png);
    console.log(`${svg.split('/').at(-1)}: ${stats.colours} colours, ${(100 * stats.nonWhite).toFixed(1)}% non-white`);
    expect(stats.colours).toBeGreaterThan(20);
    expect(stats.nonWhite).toBeGreaterThan(0.02);
  });
});
