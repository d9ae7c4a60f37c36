/**
 * Datasets by name, end to end with the real binary: `--data fashion-mnist` and `bp-train data
 * list|fetch|verify|path` against a real HTTP server on 127.0.0.1 (test/helpers/dataset-server.ts)
 * named by BP_TRAIN_MIRRORS, into a cache named by BP_TRAIN_CACHE. The real hosts are never
 * contacted: BP_TRAIN_CATALOG (a documented way to describe datasets of one's own) replaces the
 * built-in fashion-mnist and kmnist entries by small copies made here, with their real checksums.
 * Every failure is one line on stderr, exit code 3, no stack, and nothing partial in the cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_IN_CATALOG } from '../../src/data/catalog.js';
import { startDatasetServer, type DatasetServer } from '../helpers/dataset-server.js';
import { outputLines, runCli, type RunResult } from '../helpers/run-cli.js';
import { render, runInTerminal } from '../helpers/terminal.js';
import { entryFor, FASHION_NAMES, tinyDatasetFiles, writeCatalog } from '../helpers/tiny-dataset.js';

const KMNIST_NAMES = ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'];
const fashion = tinyDatasetFiles({ seed: 11 });
const kmnist = tinyDatasetFiles({ seed: 21 });
const FILES = Object.keys(fashion);
const root = mkdtempSync(join(tmpdir(), 'bp-train-data-cli-'));
const catalog = join(root, 'catalog.json');
let server: DatasetServer;
let cache: string;
let run = 0;

beforeAll(async () => {
  server = await startDatasetServer({ 'fashion-mnist': fashion, kmnist });
  writeCatalog(catalog, [entryFor('fashion-mnist', fashion, { classNames: FASHION_NAMES }), entryFor('kmnist', kmnist, { classNames: KMNIST_NAMES })]);
});
/** The tmpfs mounts of the full-disk and read-only tests, unmounted (even when a filter skipped them) before the folder goes. */
const mounts: string[] = [];
afterAll(async () => {
  await server.close();
  for (const dir of mounts) execFileSync('umount', [dir]);
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cache = join(root, `cache-${++run}`);
});

/** The child's environment: this test's cache and mirrors, short timeouts, no proxy or offline switch inherited. */
function env(mirrors: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    BP_TRAIN_CATALOG: catalog,
    BP_TRAIN_CACHE: cache,
    BP_TRAIN_MIRRORS: mirrors,
    BP_TRAIN_TIMEOUT_MS: '300',
    BP_TRAIN_RETRIES: '1',
    BP_TRAIN_RETRY_MS: '10',
    BP_TRAIN_OFFLINE: undefined,
    HTTP_PROXY: undefined,
    HTTPS_PROXY: undefined,
    http_proxy: undefined,
    https_proxy: undefined,
    ...extra,
  };
}

function expectExit(result: RunResult, code: number): void {
  expect(result.code, `exit code\n--- stdout:\n${result.stdout}--- stderr:\n${result.stderr}`).toBe(code);
}

/** A failed run: exit 3, and stderr is exactly one line, a data error, no stack. */
function expectDataError(result: RunResult): string {
  expectExit(result, 3);
  const lines = outputLines(result.stderr).filter((l) => !l.startsWith('bp-train: note:') && !l.startsWith('bp-train: downloading'));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^bp-train: data error: /);
  expect(result.stderr).not.toMatch(/^\s+at\s/m);
  return lines[0];
}

/** The dataset's cache folder holds exactly the four files, byte for byte. */
function expectCached(name: 'fashion-mnist' | 'kmnist'): void {
  const files = name === 'fashion-mnist' ? fashion : kmnist;
  const dir = join(cache, name);
  expect(readdirSync(dir).sort()).toEqual(FILES.slice().sort());
  for (const f of FILES) expect(readFileSync(join(dir, f)).equals(files[f]), f).toBe(true);
}

describe('bp-train data fetch', () => {
  it('downloads from the first mirror that serves the files, with plain lines in a log, then finds them there', async () => {
    const first = await runCli(['data', 'fetch', 'fashion-mnist'], { env: env(server.mirrors('missing', 'good')) });
    expectExit(first, 0);
    expect(first.stdout).toBe(`fashion-mnist: ready in ${join(cache, 'fashion-mnist')}: downloaded 4 of 4 files\n`);
    const err = outputLines(first.stderr);
    expect(err).not.toContain('\r');
    for (const f of FILES) {
      expect(err).toContain(`bp-train: note: ${server.mirror('missing')}/fashion-mnist/${f}: 404 Not Found; trying the next mirror`);
      expect(err.some((l) => l.startsWith(`bp-train: downloading fashion-mnist/${f} (`) && l.endsWith(`from ${server.mirror('good')}/fashion-mnist/${f}`))).toBe(true);
      expect(err.some((l) => new RegExp(`^bp-train: fashion-mnist/${f.replace(/\./g, '\\.')}: .* in \\d+\\.\\d s \\(.*/s\\), size, md5 and sha256 verified$`).test(l))).toBe(true);
    }
    expectCached('fashion-mnist');

    const requests = server.requests.length;
    const again = await runCli(['data', 'fetch', 'fashion-mnist'], { env: env(server.mirrors('good')) });
    expectExit(again, 0);
    expect(again.stdout).toBe(`fashion-mnist: ready in ${join(cache, 'fashion-mnist')}: all 4 files were there and are verified\n`);
    expect(server.requests.length).toBe(requests);
  });

  it('every mirror failing is one line listing each with its reason, exit 3, and an empty cache', async () => {
    const result = await runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('missing', 'unavailable', 'html')) });
    const line = expectDataError(result);
    const url = (b: string): string => `${server.mirror(b)}/kmnist/${FILES[0]}`;
    expect(line).toBe(
      `bp-train: data error: kmnist/${FILES[0]}: download failed from every mirror: ${url('missing')} (404 Not Found); ` +
        `${url('unavailable')} (503 Service Unavailable, after 2 attempts); ${url('html')} (served an HTML page (status 200, Content-Type text/html; charset=utf-8), not the file)`,
    );
    expect(readdirSync(join(cache, 'kmnist'))).toEqual([]);
  });

  it('a download cut halfway is resumed with Range', async () => {
    const result = await runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('cut-once')) });
    expectExit(result, 0);
    expectCached('kmnist');
    const half = Math.floor(kmnist[FILES[0]].length / 2);
    const log = server.requests.filter((r) => r.behaviour === 'cut-once' && r.dataset === 'kmnist' && r.file === FILES[0]);
    expect(log.map((r) => [r.range, r.status])).toEqual([
      [null, 200],
      [`bytes=${half}-`, 206],
    ]);
    expect(result.stderr).toMatch(new RegExp(`bp-train: downloading kmnist/${FILES[0]} \\(.*\\) from .*, resuming at `));
  });

  it('an unknown name is a usage error (exit 2) naming the known ones', async () => {
    const result = await runCli(['data', 'fetch', 'fashion'], { env: env(server.mirrors('good')) });
    expectExit(result, 2);
    expect(result.stderr).toMatch(/^bp-train: error: unknown dataset 'fashion' \(known: mnist, mnist-lite, fashion-mnist, kmnist\)$/m);
  });

  it('bad settings are one line naming the variable', async () => {
    const bad = await runCli(['data', 'fetch', 'kmnist'], { env: env('ftp://127.0.0.1/x') });
    expect(expectDataError(bad)).toBe("bp-train: data error: BP_TRAIN_MIRRORS: 'ftp://127.0.0.1/x' is not an http:// or https:// URL (expected comma-separated base URLs)");
    const timeout = await runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('good'), { BP_TRAIN_TIMEOUT_MS: 'soon' }) });
    expect(expectDataError(timeout)).toBe("bp-train: data error: BP_TRAIN_TIMEOUT_MS: 'soon' is not an integer from 1 to 3600000");
    const proxy = await runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('good'), { HTTPS_PROXY: 'http://[bad' }) });
    expect(expectDataError(proxy)).toBe("bp-train: data error: HTTPS_PROXY: 'http://[bad' is not a proxy URL (expected http://HOST:PORT)");
    expect(existsSync(join(cache, 'kmnist', FILES[0]))).toBe(false);
  });
});

describe('--data fashion-mnist', () => {
  it('downloads on first use, trains, and eval, the chart and predict name the classes', async () => {
    const model = join(root, `fashion-${run}.safetensors`);
    const train = await runCli(['--data', 'fashion-mnist', '--iters', '30', '--batch-size', '10', '--hidden', '10', '--backend', 'js', '--save', model], { env: env(server.mirrors('good')) });
    expectExit(train, 0);
    expect(train.stdout).toMatch(/^training on fashion-mnist: 100 train \/ 20 test, /m);
    expect(train.stderr).toMatch(/^bp-train: downloading fashion-mnist\/train-images-idx3-ubyte\.gz/m);
    expectCached('fashion-mnist');

    // eval: the model's own data, from the cache, offline
    const before = server.connections();
    const text = await runCli(['eval', '--model', model, '--offline'], { env: env(server.mirrors('good')) });
    expectExit(text, 0);
    const lines = outputLines(text.stdout);
    const perClass = lines.indexOf('per class:');
    expect(perClass).toBeGreaterThan(0);
    FASHION_NAMES.forEach((name, c) => expect(lines[perClass + 1 + c]).toMatch(new RegExp(`^ {3}${c} ${name.replace('/', '\\/')} +(\\d\\.\\d{4}|-)  \\(\\d+ of \\d+\\)$`)));
    expect(lines.some((l) => /^ {3}9 Ankle boot +( +\d+){10}$/.test(l))).toBe(true); // the matrix's last row, named

    const json = await runCli(['eval', '--model', model, '--json', '--offline'], { env: env(server.mirrors('good')) });
    expectExit(json, 0);
    const result = JSON.parse(json.stdout) as { classNames: string[]; perClass: { label: number; name: string }[]; source: string };
    expect(result.source).toBe('fashion-mnist');
    expect(result.classNames).toEqual(FASHION_NAMES);
    expect(result.perClass.map((c) => c.name)).toEqual(FASHION_NAMES);

    const svg = join(root, `fashion-${run}.svg`);
    expectExit(await runCli(['eval', '--model', model, '--plot', svg, '--offline'], { env: env(server.mirrors('good')) }), 0);
    const chart = readFileSync(svg, 'utf8');
    for (const name of FASHION_NAMES) expect(chart).toContain(`>${name}</text>`);
    expect(server.connections()).toBe(before); // eval never went to the network

    // predict: a picture of the first test image, named by the model's classes
    const png = new PNG({ width: 28, height: 28, colorType: 0 });
    const pixels = Buffer.alloc(28 * 28, 0);
    for (let x = 4; x < 24; x++) for (let y = 8; y < 12; y++) pixels[y * 28 + x] = 255;
    for (let i = 0; i < 28 * 28; i++) {
      png.data[i * 4] = png.data[i * 4 + 1] = png.data[i * 4 + 2] = pixels[i];
      png.data[i * 4 + 3] = 255;
    }
    const picture = join(root, `band-${run}.png`);
    writeFileSync(picture, PNG.sync.write(png));
    const predicted = await runCli(['predict', '--model', model, '--json', picture], { env: env(server.mirrors('good')) });
    expectExit(predicted, 0);
    const p = JSON.parse(predicted.stdout) as { class: number; name: string; top: { class: number; name: string }[] };
    expect(p.name).toBe(FASHION_NAMES[p.class]);
    expect(p.top.map((t) => t.name)).toEqual(p.top.map((t) => FASHION_NAMES[t.class]));
    const plain = await runCli(['predict', '--model', model, picture], { env: env(server.mirrors('good')) });
    expect(plain.stdout).toMatch(new RegExp(`^${picture.replace(/[.]/g, '\\.')}: ${p.class} ${FASHION_NAMES[p.class].replace('/', '\\/')}  \\(`));
  });

  it('eval of a kmnist model shows the hiragana', async () => {
    const model = join(root, `kmnist-${run}.safetensors`);
    expectExit(await runCli(['--data', 'kmnist', '--iters', '10', '--batch-size', '10', '--hidden', '10', '--backend', 'js', '--save', model, '--quiet'], { env: env(server.mirrors('good')) }), 0);
    const text = await runCli(['eval', '--model', model], { env: env(server.mirrors('good')) });
    expectExit(text, 0);
    const lines = outputLines(text.stdout);
    KMNIST_NAMES.forEach((name, c) => expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {3}${c} ${name} +(\\d\\.\\d{4}|-)  \\(`))));
  });
});

describe('offline', () => {
  it('--offline and BP_TRAIN_OFFLINE=1: one line saying how to fetch, and not one connection', async () => {
    const before = server.connections();
    const dir = join(cache, 'kmnist');
    const expected = (flag: string): string =>
      `bp-train: data error: kmnist: not in the cache (missing ${FILES.join(', ')} in ${dir}) and ${flag} forbids downloading: ` +
      `run 'bp-train data fetch kmnist' where there is a network, or put the files in that folder`;
    expect(expectDataError(await runCli(['--data', 'kmnist', '--offline', '--iters', '1'], { env: env(server.mirrors('good')) }))).toBe(expected('--offline'));
    expect(expectDataError(await runCli(['gradcheck', '--data', 'kmnist'], { env: env(server.mirrors('good'), { BP_TRAIN_OFFLINE: '1' }) }))).toBe(expected('BP_TRAIN_OFFLINE'));
    expect(server.connections()).toBe(before);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('bp-train data verify', () => {
  it('passes a good cache, and finds a corrupted file: exit 3, one line, the file removed, fetch brings it back', async () => {
    expectExit(await runCli(['data', 'fetch', 'fashion-mnist', '--quiet'], { env: env(server.mirrors('good')) }), 0);
    const good = await runCli(['data', 'verify'], { env: env(server.mirrors('good')) });
    expectExit(good, 0);
    expect(outputLines(good.stdout)).toEqual(FILES.map((f) => `fashion-mnist/${f}: ok (size, md5 and sha256)`));

    const path = join(cache, 'fashion-mnist', 't10k-images-idx3-ubyte.gz');
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(path, bytes);
    const bad = await runCli(['data', 'verify', 'fashion-mnist'], { env: env(server.mirrors('good')) });
    const line = expectDataError(bad);
    expect(line).toMatch(
      new RegExp(
        `^bp-train: data error: ${cache}: fashion-mnist: t10k-images-idx3-ubyte\\.gz failed \\(checksum mismatch: md5 [0-9a-f]{32}, expected [0-9a-f]{32}\\) and was removed; ` +
          `run 'bp-train data fetch fashion-mnist'$`,
      ),
    );
    expect(bad.stdout).toMatch(/^fashion-mnist\/t10k-images-idx3-ubyte\.gz: FAILED: checksum mismatch: md5 [0-9a-f]{32}, expected [0-9a-f]{32}: removed$/m);
    expect(existsSync(path)).toBe(false);

    const json = await runCli(['data', 'verify', '--json'], { env: env(server.mirrors('good')) });
    expectExit(json, 3);
    const report = JSON.parse(json.stdout) as { ok: boolean; datasets: { name: string; files: { name: string; status: string }[] }[] };
    expect(report.ok).toBe(false);
    expect(report.datasets[0].files.find((f) => f.name === 't10k-images-idx3-ubyte.gz')?.status).toBe('missing');

    expectExit(await runCli(['data', 'fetch', 'fashion-mnist', '--quiet'], { env: env(server.mirrors('good')) }), 0);
    expectCached('fashion-mnist');
  });

  it('a dataset that is not downloaded fails verify by name', async () => {
    expect(expectDataError(await runCli(['data', 'verify', 'kmnist'], { env: env(server.mirrors('good')) }))).toBe(`bp-train: data error: ${cache}: kmnist: not downloaded; run 'bp-train data fetch kmnist'`);
  });
});

describe('bp-train data list and path', () => {
  it('list shows every dataset and what is cached, in text and JSON', async () => {
    expectExit(await runCli(['data', 'fetch', 'kmnist', '--quiet'], { env: env(server.mirrors('good')) }), 0);
    const text = await runCli(['data', 'list'], { env: env(server.mirrors('good')) });
    expectExit(text, 0);
    const lines = outputLines(text.stdout);
    expect(lines[0]).toBe(`cache folder: ${cache} (from BP_TRAIN_CACHE)`);
    expect(lines.find((l) => l.startsWith('kmnist '))).toMatch(/^kmnist +cached +[\d.]+ kB +kmnist \(test copy\)$/);
    expect(lines.find((l) => l.startsWith('fashion-mnist '))).toMatch(/^fashion-mnist +not downloaded +[\d.]+ kB /);
    expect(lines.find((l) => l.startsWith('mnist '))).toMatch(/^mnist +bundled /);
    expect(lines).toContain(`${' '.repeat('fashion-mnist'.length)}  classes: ${KMNIST_NAMES.join(', ')}`);

    const json = await runCli(['data', 'list', '--json'], { env: env(server.mirrors('good')) });
    const listed = JSON.parse(json.stdout) as { cache: string; datasets: { name: string; status: string; folder: string | null; classNames: string[] }[] };
    expect(listed.cache).toBe(cache);
    expect(listed.datasets.map((d) => [d.name, d.status])).toEqual([
      ['mnist', 'bundled'],
      ['mnist-lite', 'bundled'],
      ['fashion-mnist', 'not downloaded'],
      ['kmnist', 'cached'],
    ]);
    expect(listed.datasets[3].folder).toBe(join(cache, 'kmnist'));
  });

  it('list without BP_TRAIN_CATALOG shows the real catalog: sizes as published', async () => {
    const result = await runCli(['data', 'list', '--json'], { env: env(server.mirrors('good'), { BP_TRAIN_CATALOG: undefined }) });
    const listed = JSON.parse(result.stdout) as { datasets: { name: string; bytes: number | null }[] };
    for (const entry of BUILT_IN_CATALOG) {
      expect(listed.datasets.find((d) => d.name === entry.name)?.bytes).toBe(entry.files.reduce((s, f) => s + (f.size ?? 0), 0));
    }
  });

  it('path prints the folder for --data, and says when it is empty', async () => {
    const empty = await runCli(['data', 'path', 'fashion-mnist'], { env: env(server.mirrors('good')) });
    expectExit(empty, 0);
    expect(empty.stdout).toBe(`${join(cache, 'fashion-mnist')}\n`);
    expect(empty.stderr).toMatch(/fashion-mnist is not \(fully\) downloaded yet: run 'bp-train data fetch fashion-mnist'/);
    expectExit(await runCli(['data', 'fetch', 'fashion-mnist', '--quiet'], { env: env(server.mirrors('good')) }), 0);
    const full = await runCli(['data', 'path', 'fashion-mnist'], { env: env(server.mirrors('good')) });
    expect([full.stdout, full.stderr]).toEqual([`${join(cache, 'fashion-mnist')}\n`, '']);
    // the folder works as --data, with the class names found from it
    const folder = full.stdout.trim();
    const train = await runCli(['--data', folder, '--iters', '5', '--batch-size', '10', '--hidden', '5', '--backend', 'js', '--quiet'], { env: env(server.mirrors('good')) });
    expectExit(train, 0);

    expectExit(await runCli(['data', 'path', 'mnist-lite'], { env: env(server.mirrors('good')) }), 2);
    const mnist = await runCli(['data', 'path', 'mnist'], { env: env(server.mirrors('good')) });
    expectExit(mnist, 0);
    expect(existsSync(join(mnist.stdout.trim(), 'train-images-idx3-ubyte'))).toBe(true);
  });
});

describe('on a terminal', () => {
  it('a progress bar with bytes, speed and ETA, cleared when each file is verified', async () => {
    const saved = { ...process.env };
    for (const [key, value] of Object.entries(env(server.mirrors('slow')))) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    let result;
    try {
      result = await runInTerminal(['data', 'fetch', 'fashion-mnist']);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(result.code, result.text).toBe(0);
    const { redraws, finalLines } = await render(result);
    const bars = redraws.map((r) => r.line).filter((l) => l.startsWith('fashion-mnist/train-images-idx3-ubyte.gz '));
    expect(bars.length).toBeGreaterThanOrEqual(3);
    const size = (fashion[FILES[0]].length / 1024).toFixed(1);
    for (const bar of bars) expect(bar).toMatch(new RegExp(`^fashion-mnist/train-images-idx3-ubyte\\.gz [█░]+ [\\d.]+ (bytes|kB) of ${size} kB \\| ([\\d.]+ (bytes|kB|MB)/s|-) \\| ETA (\\d+s|\\d+m\\d\\ds|-)$`));
    expect(finalLines.filter((l) => / verified$/.test(l))).toHaveLength(4);
    expect(finalLines.some((l) => l.includes('█'))).toBe(false); // every bar was cleared
    expectCached('fashion-mnist');
  });
});

/** Why a tmpfs cannot be mounted here, or null when it can (as test/cli/full-disk.test.ts). */
function mountTmpfs(disk: string, options: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root (CI runs as root)';
  mkdirSync(disk, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk], { encoding: 'utf8' });
  if (mounted.status === 0) mounts.push(disk);
  return mounted.status === 0 ? null : `mount -t tmpfs not permitted here: ${mounted.stderr.trim()}`;
}

describe('a cache folder that cannot be made', () => {
  const readOnly = join(root, 'read-only');
  const skip = mountTmpfs(readOnly, 'ro,size=16k');

  it('is one line naming the folder and why, exit 3 (no hang where the system refuses a folder)', async () => {
    const fetch = (folder: string): Promise<RunResult> => runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('good'), { BP_TRAIN_CACHE: folder }), timeoutMs: 20_000 });
    const advice = 'set BP_TRAIN_CACHE to a writable folder';
    expect(expectDataError(await fetch('/dev/null/cache'))).toBe(`bp-train: data error: /dev/null/cache/kmnist: cannot create the cache folder (a part of its path is not a folder); ${advice}`);
    // mkdir's recursive option never returned here on Node 20
    expect(expectDataError(await fetch('/proc/bp-train/cache'))).toBe(`bp-train: data error: /proc/bp-train/cache/kmnist: cannot create the cache folder (the system refuses a folder there); ${advice}`);
  });

  it.skipIf(skip !== null)(`on a read-only file system says so${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const result = await runCli(['data', 'fetch', 'kmnist'], { env: env(server.mirrors('good'), { BP_TRAIN_CACHE: join(readOnly, 'a', 'b') }) });
    expect(expectDataError(result)).toBe(`bp-train: data error: ${join(readOnly, 'a', 'b', 'kmnist')}: cannot create the cache folder (read-only file system); set BP_TRAIN_CACHE to a writable folder`);
  });
});

describe('a full disk', () => {
  const disk = join(root, 'disk');
  const skip = mountTmpfs(disk, 'size=16k');

  it.skipIf(skip !== null)(`is one line and exit 3, and the cache is unchanged${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const result = await runCli(['data', 'fetch', 'fashion-mnist'], { env: env(server.mirrors('good'), { BP_TRAIN_CACHE: disk }) });
    const target = join(disk, 'fashion-mnist', FILES[0]);
    expect(expectDataError(result)).toBe(`bp-train: data error: ${target}: cannot write to the cache: no space left on device (the cache is unchanged)`);
    expect(readdirSync(join(disk, 'fashion-mnist'))).toEqual([]);
  });
});
