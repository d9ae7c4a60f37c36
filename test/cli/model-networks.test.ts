/**
 * Model files of every network through the CLI: a file written before chapter 6 (format
 * version 1, test/fixtures/model-v1-784-8-10.safetensors, made by bp-train at commit 25c7080)
 * still evaluates and resumes exactly as that version did; a deeper net with another
 * activation, init and optimizer is saved, evaluated, used by predict, and refuses a --resume
 * that contradicts it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.js';
import { jsonLines, outputLines, PROJECT_ROOT, runCli, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-networks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const V1 = join(PROJECT_ROOT, 'test', 'fixtures', 'model-v1-784-8-10.safetensors');

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** SHA-256 of a model file's data section (every tensor's bytes). */
function dataDigest(file: string): string {
  const bytes = readFileSync(file);
  return createHash('sha256').update(bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)))).digest('hex');
}

function metadata(file: string): Record<string, string> {
  const bytes = readFileSync(file);
  return (JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> }).__metadata__;
}

describe('a model file of format version 1 (before chapter 6)', () => {
  it('evaluates as that version did: 21 of its 100 test images, a TwoLayerNet 784-8-10', async () => {
    const json = await runCli(['eval', '--model', V1, '--json']);
    expectExit(json, 0);
    expect(JSON.parse(json.stdout)).toMatchObject({ iteration: 20, count: 100, correct: 21, accuracy: 0.21, testLimit: 100, source: 'mnist-lite' });
    const text = await runCli(['eval', '--model', V1]);
    expectExit(text, 0);
    expect(outputLines(text.stdout)[0]).toMatch(/: TwoLayerNet 784-8-10, 20 iterations on mnist-lite$/);
  });

  it('resumes to iteration 40 with the very weights that version reached, and is written back as version 2', async () => {
    const file = join(dir, 'v1.safetensors');
    copyFileSync(V1, file);
    const run = await runCli(['--resume', file, '--save', file, '--iters', '40', '--json']);
    expectExit(run, 0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ event: 'start', startIteration: 20, network: '784-8-10 relu std 0.1', optimizer: 'sgd lr 0.1', backend: 'wasm' });
    // Recorded by resuming the same file with bp-train at commit 25c7080 (--iters 40).
    expect(dataDigest(file)).toBe('8e5002874634716f10578f4cef760feb1cb813ebe0d6a54f12ca8c3c1d895107');
    const meta = metadata(file);
    expect(meta.format_version).toBe('2');
    expect(JSON.parse(meta.optimizer)).toEqual({ name: 'sgd', hyper: { lr: 0.1 }, scalars: {} });
    expect(JSON.parse(meta.network)).toMatchObject({ hiddenSizeList: [8], activation: 'relu', weightInitStd: 0.1 });
  });
});

describe('a deeper network: 784-40-20-10 tanh, Xavier init, RMSprop', () => {
  const model = join(dir, 'deep.safetensors');
  const OPTIONS = ['--data', 'mnist-lite', '--test-limit', '300', '--epochs', '2', '--hidden', '40,20', '--activation', 'tanh', '--init', 'xavier', '--optimizer', 'rmsprop'];
  let testAcc = NaN;

  beforeAll(async () => {
    const run = await runCli([...OPTIONS, '--save', model, '--json']);
    expectExit(run, 0);
    const events = jsonLines(run.stdout);
    expect(events[0]).toMatchObject({ hidden: [40, 20], network: '784-40-20-10 tanh xavier', optimizer: 'rmsprop lr 0.01 decayRate 0.99' });
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', status: 'ok', network: '784-40-20-10 tanh xavier, rmsprop lr 0.01 decayRate 0.99' });
    testAcc = summary.testAcc as number;
    expect(testAcc).toBeGreaterThan(0.5);
  });

  it('is saved with its tensors, the RMSprop state and the network', () => {
    const bytes = readFileSync(model);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape: number[] }>;
    const params = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
    expect(Object.keys(header).filter((k) => k !== '__metadata__')).toEqual([...params, ...params.map((p) => `optim.h.${p}`)]);
    expect(header['optim.h.W2'].shape).toEqual([40, 20]);
    expect(JSON.parse(metadata(model).network).layers).toEqual(['Affine1', 'Tanh1', 'Affine2', 'Tanh2', 'Affine3', 'SoftmaxWithLoss']);
  });

  it('eval finds the test accuracy its training run reported', async () => {
    const run = await runCli(['eval', '--model', model, '--json']);
    expectExit(run, 0);
    expect((JSON.parse(run.stdout) as { accuracy: number }).accuracy).toBe(testAcc);
    const text = await runCli(['eval', '--model', model]);
    expect(outputLines(text.stdout)[0]).toMatch(/: MultiLayerNet 784-40-20-10 tanh xavier, 160 iterations on mnist-lite$/);
  });

  it('predict classifies a picture with it', async () => {
    const { test } = loadDataset('mnist', { trainLimit: 1, testLimit: 1 });
    const png = new PNG({ width: 28, height: 28 });
    for (let i = 0; i < 784; i++) png.data.set([test.images[i], test.images[i], test.images[i], 255], 4 * i);
    const file = join(dir, 'digit.png');
    writeFileSync(file, PNG.sync.write(png));
    const run = await runCli(['predict', '--model', model, file, '--json']);
    expectExit(run, 0);
    const [prediction] = jsonLines(run.stdout) as { class: number; top: { class: number; probability: number }[] }[];
    expect(prediction.top).toHaveLength(3);
    expect(prediction.class).toBe(prediction.top[0].class);
    const sum = prediction.top.reduce((s, t) => s + t.probability, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('--resume refuses options that contradict the file: another optimizer, other widths', async () => {
    for (const [args, message] of [
      [['--optimizer', 'adam'], /--optimizer adam contradicts the model file .*deep.safetensors, which was trained with --optimizer rmsprop/],
      [['--hidden', '40'], /--hidden 40 contradicts the model file .*, which was trained with --hidden 40,20/],
      [['--init', 'he'], /--init he contradicts the model file .*, which was trained with --init xavier/],
    ] as const) {
      const run = await runCli(['--resume', model, '--iters', '200', ...args]);
      expectExit(run, 2);
      expect(outputLines(run.stderr)[0]).toMatch(message);
    }
  });
});
