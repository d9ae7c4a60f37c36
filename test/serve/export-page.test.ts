/**
 * `bp-train export-page`: the page of a saved model as four static files (the built page and
 * data.js with the model and its confusion matrix), and the one-line failures: a missing model
 * (exit 3), an --out that cannot be a folder (exit 5, nothing written), no --out (exit 2).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/model/model-decode.js';
import type { PageData } from '../../src/serve/protocol.js';
import { loadModel } from '../../src/model/model-file.js';
import { outputLines, PROJECT_ROOT, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-export-'));
const model = join(dir, 'model.safetensors');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const trained = await runCli(['--data', 'mnist-lite', '--test-limit', '400', '--iters', '160', '--optimizer', 'adam', '--save', model, '--quiet']);
  expect(trained.code, trained.stderr).toBe(0);
});

describe('export-page', () => {
  it('writes the built page and data.js: the model without its optimizer state, its confusion matrix and mistakes', async () => {
    const out = join(dir, 'site', 'nested');
    const run = await runCli(['export-page', '--model', model, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data.js', 'index.html', 'page.css', 'page.js']);
    for (const name of ['index.html', 'page.css', 'page.js']) expect(readFileSync(join(out, name)).equals(readFileSync(join(PROJECT_ROOT, 'build/page', name)))).toBe(true);
    const script = readFileSync(join(out, 'data.js'), 'utf8');
    expect(script).toMatch(/^window\.BP_TRAIN_DATA = \{.*\};\n$/);
    const data = JSON.parse(script.slice('window.BP_TRAIN_DATA = '.length, -2)) as PageData;
    if (data.mode !== 'model') throw new Error('not a model page');
    expect([data.file, data.snapshot.epoch, data.snapshot.iteration]).toEqual(['model.safetensors', 2, 160]);
    expect(data.snapshot.test).toMatchObject({ source: 'mnist-lite', count: 400, rows: 28, cols: 28 });
    expect(data.snapshot.confusion.flat().reduce((a, b) => a + b, 0)).toBe(400);
    const page = decodeModel(Buffer.from(data.snapshot.model, 'base64'), 'data.js');
    const saved = loadModel(model);
    expect(page.meta.history).toEqual(saved.meta.history);
    expect(page.optimizer.name).toBe('adam');
    expect(Object.keys(page.optimizer.state().tensors)).toEqual([]); // the page only predicts
    for (const name of Object.keys(saved.net.params)) expect([...page.net.params[name].data]).toEqual([...saved.net.params[name].data]);
  });

  it("replaces nothing of the user's: the model or other files in --out are a usage error (2), an earlier export is written again", async () => {
    const out = join(dir, 'users-site');
    mkdirSync(out);
    const inside = join(out, 'data.js');
    copyFileSync(model, inside);
    const overModel = await runCli(['export-page', '--model', inside, '--out', out]);
    expect([overModel.code, outputLines(overModel.stderr)[0]]).toEqual([2, `bp-train: error: --model '${inside}' is data.js in --out '${out}': the page would be written over it; give another --out`]);
    expect(readFileSync(inside).equals(readFileSync(model))).toBe(true);
    rmSync(inside);
    writeFileSync(join(out, 'index.html'), 'my own page');
    const mine = await runCli(['export-page', '--model', model, '--out', out]);
    expect([mine.code, outputLines(mine.stderr)[0]]).toEqual([2, `bp-train: error: --out '${out}' already holds index.html, not a page bp-train exported: give a new or empty folder`]);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('my own page');
    const again = join(dir, 'again');
    for (let i = 0; i < 2; i++) expect((await runCli(['export-page', '--model', model, '--out', again])).code).toBe(0);
  });

  it('fails in one line: a missing model (3), an --out that is a file (2), no --out (2)', async () => {
    const missing = await runCli(['export-page', '--model', join(dir, 'nope.safetensors'), '--out', join(dir, 'x')]);
    expect([missing.code, outputLines(missing.stderr)]).toEqual([3, [`bp-train: data error: ${join(dir, 'nope.safetensors')}: no such model file`]]);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep');
    const notFolder = await runCli(['export-page', '--model', model, '--out', file]);
    expect([notFolder.code, outputLines(notFolder.stderr)]).toEqual([2, [`bp-train: error: --out '${file}': it is a file, not a folder`, "Run 'bp-train export-page --help' for the options."]]);
    expect(readFileSync(file, 'utf8')).toBe('keep');
    const noOut = await runCli(['export-page', '--model', model]);
    expect([noOut.code, outputLines(noOut.stderr)[0]]).toEqual([2, "bp-train: error: required option '--out <dir>' not specified"]);
  });
});
