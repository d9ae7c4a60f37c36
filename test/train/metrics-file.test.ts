/**
 * The metrics file: what it records, that it reads back to the same values, and that anything
 * else (cut short, not JSON, not bp-train's, an older or newer format, a wrong type) is a
 * DataError naming the file and the problem in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { metricsText, parseMetricsFile, readMetricsFile } from '../../src/train/metrics-file.js';
import { configChanges } from '../../src/train/run-config.js';
import { configOf, ENVIRONMENT, metricsFileOf } from './ci-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'bp-metrics-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The DataError message of parsing `text`, or a failure if it parses. */
function refusal(text: string): string {
  try {
    parseMetricsFile(text, 'm.json');
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    const message = (err as DataError).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`parsed: ${JSON.stringify(text.slice(0, 80))}`);
}

describe('metrics file', () => {
  const file = metricsFileOf();
  const text = metricsText(file);

  it('is one JSON object: the format marker and version first, the summary fields, then config, history, environment', () => {
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(0, 4)).toEqual(['format', 'formatVersion', 'version', 'event']);
    expect(Object.keys(parsed).slice(-3)).toEqual(['config', 'history', 'environment']);
    expect(parsed).toMatchObject({ format: 'bp-train-metrics', formatVersion: 1, version: '0.1.0', event: 'summary', testAcc: 0.846, status: 'ok' });
    expect(parsed.config).toEqual(configOf());
    expect(parsed.environment).toEqual(ENVIRONMENT);
    expect((parsed.history as unknown[]).length).toBe(2);
  });

  it('reads back to the values it was written with', () => {
    const record = parseMetricsFile(text, 'm.json');
    expect(record.file).toBe('m.json');
    expect(record.version).toBe('0.1.0');
    expect(record.status).toBe('ok');
    expect(record.metrics).toEqual({ testAcc: 0.846, valAcc: null, trainAcc: 0.859, bestTestAcc: 0.846, bestEpoch: 10, loss: 0.5347353567911808, iterations: 200, epochs: 10 });
    expect(record.timing).toEqual({ wallMs: 591, trainMs: 67, evalMs: 40, loadMs: 263, examplesPerSec: 297752, peakRssMb: 128 });
    expect(record.threads).toBe(2);
    expect(record.config).toEqual(configOf());
    expect(record.environment).toEqual(ENVIRONMENT);
    expect(record.history[1]).toEqual({ epoch: 2, iteration: 200, loss: 0.5347, trainAcc: 0.859, testAcc: 0.846 });
  });

  it('reads a file written before chapter 6 (hidden a number, no activation, init or other hyperparameters) as that run: no config change', () => {
    const old = JSON.parse(text) as { config: Record<string, unknown> };
    for (const key of ['activation', 'init', 'momentum', 'decayRate', 'beta1', 'beta2']) delete old.config[key];
    old.config.hidden = 50;
    const record = parseMetricsFile(JSON.stringify(old), 'old.json');
    expect(record.config).toEqual(configOf());
    expect(configChanges(record.config, configOf())).toEqual([]);
  });

  it('a baseline with another network or optimizer is a change of those keys, lists shown as --hidden writes them', () => {
    const adam = configOf({ network: 'MultiLayerNet', hidden: [100, 100], init: 'he', weightInitStd: null, optimizer: 'Adam', lr: 0.001, beta1: 0.9, beta2: 0.999 });
    const changes = configChanges(configOf(), adam).map((c) => [c.key, c.setBy, c.baseline, c.value]);
    expect(changes).toEqual([
      ['network', 'the network', 'TwoLayerNet', 'MultiLayerNet'],
      ['hidden', '--hidden', '50', '100,100'],
      ['init', '--init', 'std', 'he'],
      ['weightInitStd', '--weight-init-std', 0.01, null],
      ['optimizer', '--optimizer', 'SGD', 'Adam'],
      ['lr', '--lr', 0.1, 0.001],
      ['beta1', '--beta1', null, 0.9],
      ['beta2', '--beta2', null, 0.999],
    ]);
    expect(parseMetricsFile(metricsText(metricsFileOf({}, adam)), 'adam.json').config).toEqual(adam);
  });

  it('writes NaN (nothing measured) as null and reads it back as null', () => {
    const record = parseMetricsFile(metricsText(metricsFileOf({ testAcc: NaN, status: 'diverged', diverged: true })), 'm.json');
    expect(record.metrics.testAcc).toBeNull();
    expect(record.status).toBe('diverged');
  });

  it('is refused when cut short anywhere', () => {
    // every cut but the final newline's (the object is whole without it)
    for (let cut = 0; cut < text.length - 1; cut += 7) expect(refusal(text.slice(0, cut))).toMatch(/^m\.json: is (empty|not JSON)/);
    expect(parseMetricsFile(text.slice(0, -1), 'm.json').metrics.testAcc).toBe(0.846);
  });

  it.each([
    ['empty', '', 'm.json: is empty, not a metrics file (written by bp-train --metrics)'],
    ['blank', ' \n', 'm.json: is empty, not a metrics file (written by bp-train --metrics)'],
    ['not JSON', 'hello\n', "m.json: is not JSON (Unexpected token 'h'): truncated, or not a metrics file"],
    ['a JSON array', '[1, 2]', 'm.json: is JSON but not a bp-train metrics file (not an object)'],
    ['JSON null', 'null', 'm.json: is JSON but not a bp-train metrics file (not an object)'],
    ['foreign JSON', '{"name": "package"}', 'm.json: is not a bp-train metrics file (no "format": "bp-train-metrics")'],
    ['another format', '{"format": "dvc"}', 'm.json: is not a bp-train metrics file (no "format": "bp-train-metrics")'],
  ])('%s is refused', (_, input, message) => {
    expect(refusal(input)).toBe(message);
  });

  it('a summary of an older bp-train (no configuration) is refused with the reason', () => {
    const { format, formatVersion, version, config, history, environment, ...summary } = metricsFileOf();
    void [format, formatVersion, version, config, history, environment];
    expect(refusal(JSON.stringify(summary))).toMatch(/^m\.json: is not a bp-train metrics file: it records no configuration \(a summary written by an older bp-train/);
  });

  it('a newer or unknown format version is refused', () => {
    expect(refusal(JSON.stringify({ ...file, formatVersion: 2 }))).toBe(
      'm.json: was written by a newer bp-train (metrics format version 2; this one reads version 1)',
    );
    expect(refusal(JSON.stringify({ ...file, formatVersion: '1' }))).toBe('m.json: has an unknown metrics format version "1" (expected 1)');
  });

  it.each([
    ['config.seed', { config: { ...configOf(), seed: 'x' } }, '"config.seed" is "x", expected an integer'],
    ['config.lr', { config: { ...configOf(), lr: null } }, '"config.lr" is null, expected a number'],
    ['config.trainLimit', { config: { ...configOf(), trainLimit: 1.5 } }, '"config.trainLimit" is 1.5, expected an integer or null'],
    ['config.backend', { config: { ...configOf(), backend: undefined } }, '"config.backend" is missing, expected a string'],
    ['config', { config: [1] }, '"config" is [1], expected an object'],
    ['testAcc', { testAcc: '0.9' }, '"testAcc" is "0.9", expected a number or null'],
    ['testAcc above 1', { testAcc: 2 }, '"testAcc" is 2, expected an accuracy from 0 to 1 or null'],
    ['negative loss', { loss: -1 }, '"loss" is -1, expected a number >= 0 or null'],
    ['wallMs', { wallMs: undefined }, '"wallMs" is missing, expected a number or null'],
    ['version', { version: 1 }, '"version" is 1, expected a string'],
    ['environment.cpu', { environment: { ...ENVIRONMENT, cpu: 3 } }, '"environment.cpu" is 3, expected a string'],
    ['history', { history: {} }, '"history" is {}, expected an array of epoch records'],
    ['history[0].epoch', { history: [{ epoch: 'one', iteration: 1 }] }, '"history[0].epoch" is "one", expected an integer'],
  ])('a wrong %s is refused, naming the field', (_, change, problem) => {
    expect(refusal(JSON.stringify({ ...file, ...change }))).toBe(`m.json: is a malformed bp-train metrics file: ${problem}`);
  });

  it("reads a file that an editor saved with a byte-order mark; a binary file's error shows no bytes that are not text", () => {
    expect(parseMetricsFile(`\uFEFF${text}`, 'm.json').metrics.testAcc).toBe(0.846);
    const binary = `\x08\x00\x00\x00\x00\x00\x00\x00{"__metadata__":\u00ff\u0101`;
    expect(refusal(binary)).toMatch(/^m\.json: is not JSON \([\x20-\x7e]*\): truncated, or not a metrics file$/);
  });

  it('reading names the file (or its label) and the problem: missing, a directory', () => {
    expect(() => readMetricsFile(join(root, 'none.json'), '--baseline none.json')).toThrow(new DataError('--baseline none.json', 'no such file'));
    expect(() => readMetricsFile(root)).toThrow(new DataError(root, 'is a directory, not a metrics file'));
    const good = join(root, 'good.json');
    writeFileSync(good, text);
    expect(readMetricsFile(good).metrics.testAcc).toBe(0.846);
  });
});

describe('configChanges', () => {
  it('lists each key that differs, with what sets it, in the order of the configuration', () => {
    expect(configChanges(configOf(), configOf())).toEqual([]);
    expect(configChanges(configOf(), configOf({ seed: 2, iterations: 100, testLimit: 500 }))).toEqual([
      { key: 'iterations', setBy: '--iters/--epochs', baseline: 200, value: 100 },
      { key: 'seed', setBy: '--seed', baseline: 1, value: 2 },
      { key: 'testLimit', setBy: '--test-limit', baseline: null, value: 500 },
    ]);
  });
});
