/**
 * bp-train predict on PNG files made from MNIST test digits with pngjs: 28 x 28 grey as in
 * MNIST, inverted (dark ink on white, read with --invert), and scaled to 56 x 56 in colour.
 * The model is trained on the full training set for 1,500 iterations (about 0.90 test
 * accuracy); the digits are the first test digits that it classifies right in MNIST's own
 * framing, so a wrong answer here is the picture pipeline's fault.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.js';
import { pngFile } from '../helpers/png-bytes.js';
import { runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'model.safetensors');
const PER_KIND = 12;

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

type Kind = 'grey' | 'inverted' | 'colour56';

function writeDigit(file: string, px: Uint8Array, kind: Kind): void {
  const side = kind === 'colour56' ? 56 : 28;
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = kind === 'colour56' ? px[(y >> 1) * 28 + (x >> 1)] : px[y * 28 + x];
      const rgba = kind === 'grey' ? [v, v, v, 255] : kind === 'inverted' ? [255 - v, 255 - v, 255 - v, 255] : [v, Math.round(v * 0.7), 30, 255];
      png.data.set(rgba, 4 * (y * side + x));
    }
  }
  writeFileSync(file, PNG.sync.write(png));
}

const digits: Record<Kind, { file: string; label: number }[]> = { grey: [], inverted: [], colour56: [] };

beforeAll(async () => {
  expectExit(await runCli(['--iters', '1500', '--test-limit', '1000', '--save', model, '--quiet']), 0);
  const evaluated = await runCli(['eval', '--model', model, '--test-limit', '200', '--json']);
  expectExit(evaluated, 0);
  const wrong = new Set((JSON.parse(evaluated.stdout) as { misclassified: { index: number }[] }).misclassified.map((m) => m.index));
  const { test } = loadDataset('mnist', { trainLimit: 1, testLimit: 200 });
  const kinds: Kind[] = ['grey', 'inverted', 'colour56'];
  for (let i = 0, n = 0; n < 3 * PER_KIND; i++) {
    if (wrong.has(i)) continue;
    const kind = kinds[n % 3];
    const file = join(dir, `digit-${i}-${kind}.png`);
    writeDigit(file, test.images.subarray(i * 784, (i + 1) * 784), kind);
    digits[kind].push({ file, label: test.labels[i] });
    n++;
  }
}, 120_000);

interface Prediction {
  file: string;
  class: number;
  top: { class: number; probability: number }[];
}

describe('bp-train predict', () => {
  it.each([
    ['grey', []],
    ['inverted', ['--invert']],
    ['colour56', []],
  ] as [Kind, string[]][])('classifies %s digits as their labels', async (kind, flags) => {
    const run = await runCli(['predict', '--model', model, '--json', ...flags, ...digits[kind].map((d) => d.file)]);
    expectExit(run, 0);
    const predictions = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Prediction);
    expect(predictions.map((p) => p.file)).toEqual(digits[kind].map((d) => d.file));
    for (const p of predictions) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0].class).toBe(p.class);
      expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
      expect(p.top.reduce((a, t) => a + t.probability, 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
    const right = predictions.filter((p, i) => p.class === digits[kind][i].label).length;
    console.log(`predict ${kind}: ${right} of ${predictions.length} right`);
    expect(right).toBeGreaterThanOrEqual(PER_KIND - 1); // one picture in twelve may be framed into another digit
  });

  it('prints the class and the top 3 in text, and hints --invert for dark ink on light paper', async () => {
    const d = digits.inverted[0];
    const run = await runCli(['predict', '--model', model, d.file]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^.+digit-\d+-inverted\.png: \d  \(\d \d\.\d{3}, \d \d\.\d{3}, \d \d\.\d{3}\)\n$/);
    expect(run.stderr).toMatch(/looks like dark ink on light paper: try --invert/);
  });

  it('a file that is not a PNG: one line, exit 3, the good image still printed', async () => {
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'hello');
    const run = await runCli(['predict', '--model', model, digits.grey[0].file, text]);
    expectExit(run, 3);
    expect(run.stdout).toMatch(new RegExp(`^${digits.grey[0].file}: \\d  \\(`));
    expect(run.stderr.trim().split('\n')).toEqual([`bp-train: data error: ${text}: not a PNG image (it does not start with the PNG signature)`]);
  });

  it('truncated PNG, folder, missing file among good images: one clean line each on stderr, the good ones printed, exit 3', async () => {
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, readFileSync(digits.grey[1].file).subarray(0, 100));
    const folder = join(dir, 'folder.png');
    mkdirSync(folder, { recursive: true });
    const missing = join(dir, 'missing.png');
    const good = [digits.grey[0].file, digits.grey[1].file];
    const args = ['predict', '--model', model, good[0], cut, folder, good[1], missing];
    const expectedErrors = [
      `bp-train: data error: ${cut}: not a valid PNG (truncated or corrupt: the file ends in the middle of the IDAT chunk)`,
      `bp-train: data error: ${folder}: is a directory, not a PNG image`,
      `bp-train: data error: ${missing}: no such file`,
    ];

    const text = await runCli(args);
    expectExit(text, 3);
    expect(text.stdout.trim().split('\n').map((l) => l.split(':')[0])).toEqual(good);
    expect(text.stderr.trim().split('\n')).toEqual(expectedErrors);

    const json = await runCli([...args, '--json']);
    expectExit(json, 3);
    // one object per image, in the order given: a prediction, or { file, error }
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Prediction & { error?: string });
    expect(objects.map((p) => p.file)).toEqual([good[0], cut, folder, good[1], missing]);
    expect(objects.map((p) => p.error ?? null)).toEqual([null, ...expectedErrors.map((e) => e.replace(/^bp-train: data error: [^:]*: /, '')).slice(0, 2), null, 'no such file']);
    expect(objects.filter((p) => p.error === undefined).every((p) => Number.isInteger(p.class))).toBe(true);
    expect(json.stderr.trim().split('\n')).toEqual(expectedErrors);
    expect(json.stderr).not.toMatch(/waitng|stream|EISDIR/);
  });

  it('a header declaring a huge picture, cut or short image data: one line naming the file and the problem, exit 3 each', async () => {
    // A test digit in 8-bit RGBA, its scanlines written here (filter byte 0, then grey pixels)
    const { test } = loadDataset('mnist', { trainLimit: 1, testLimit: 1 });
    const raw = Buffer.alloc(28 * 113);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) raw.set([...Array(3).fill(test.images[y * 28 + x]), 255], y * 113 + 1 + 4 * x);
    const stream = deflateSync(raw);
    const whole = join(dir, 'scanlines.png');
    writeFileSync(whole, pngFile({ width: 28, height: 28 }, stream));
    const twin = join(dir, 'scanlines-pngjs.png');
    writeDigit(twin, test.images.subarray(0, 784), 'grey');
    const both = await runCli(['predict', '--model', model, '--json', whole, twin]);
    expectExit(both, 0);
    const [a, b] = both.stdout.trim().split('\n').map((l) => JSON.parse(l) as Prediction);
    expect(a.top).toEqual(b.top); // the same picture, whichever encoder wrote it

    const cases: [string, Buffer, string][] = [
      ['huge-30000.png', pngFile({ width: 30000, height: 30000 }, deflateSync(Buffer.alloc(1000))), 'too large: the header declares a 30000 x 30000 picture (900,000,000 pixels); the limit is 40,000,000 pixels'],
      ['huge-100000.png', pngFile({ width: 100000, height: 100000 }, deflateSync(Buffer.alloc(1000))), 'too large: the header declares a 100000 x 100000 picture (10,000,000,000 pixels); the limit is 40,000,000 pixels'],
      ['stream-cut.png', pngFile({ width: 28, height: 28 }, stream.subarray(0, stream.length >> 1)), 'not a valid PNG (truncated or corrupt: the compressed pixel data ends too early)'],
      ['stream-short.png', pngFile({ width: 28, height: 28 }, deflateSync(raw.subarray(0, 14 * 113))), 'not a valid PNG (truncated or corrupt: the pixel data ends too early, after 1582 of the 3164 bytes a 28 x 28 picture needs)'],
      ['file-cut.png', readFileSync(whole).subarray(0, -20), 'not a valid PNG (truncated or corrupt: the file ends in the middle of the IDAT chunk)'],
    ];
    for (const [name, bytes, problem] of cases) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const run = await runCli(['predict', '--model', model, file], { timeoutMs: 20_000 }); // a hang guard: the old decoder took a minute and 7 GB
      expectExit(run, 3);
      expect(run.stdout, name).toBe('');
      expect(run.stderr, name).toBe(`bp-train: data error: ${file}: ${problem}\n`);
    }
  });

  it('only unreadable images: nothing on stdout, exit 3', async () => {
    const run = await runCli(['predict', '--model', model, join(dir, 'missing.png')]);
    expectExit(run, 3);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(`bp-train: data error: ${join(dir, 'missing.png')}: no such file`);
  });

  it('no image: exit 2', async () => {
    expectExit(await runCli(['predict', '--model', model]), 2);
  });
});
