/**
 * Hand-made summaries, configurations and metrics files for the tests of the CI side
 * (metrics files, baselines, diffs, JUnit, step summaries): the numbers are written out so
 * that every expected value can be checked by hand.
 */
import { buildMetricsFile, parseMetricsFile, metricsText, type MetricsFile, type MetricsRecord } from '../../src/train/metrics-file.js';
import type { RunConfig, RunEnvironment } from '../../src/train/run-config.js';
import type { Summary } from '../../src/train/summary.js';

export function summaryOf(fields: Partial<Summary> = {}): Summary {
  return {
    event: 'summary',
    iterations: 200,
    epochs: 10,
    trainAcc: 0.859,
    testAcc: 0.846,
    bestTestAcc: 0.846,
    bestEpoch: 10,
    loss: 0.5347353567911808,
    status: 'ok',
    diverged: false,
    interrupted: false,
    gates: [],
    backend: 'wasm',
    network: '784-50-10 relu std 0.01, sgd lr 0.1',
    threads: 2,
    wallMs: 591,
    trainMs: 67,
    evalMs: 40,
    loadMs: 263,
    examplesPerSec: 297752,
    peakRssMb: 128,
    ...fields,
  };
}

export function configOf(fields: Partial<RunConfig> = {}): RunConfig {
  return {
    network: 'TwoLayerNet',
    inputSize: 784,
    hidden: [50],
    outputSize: 10,
    activation: 'relu',
    init: 'std',
    weightInitStd: 0.01,
    batchNorm: false,
    dropout: null,
    weightDecay: 0,
    optimizer: 'SGD',
    lr: 0.1,
    momentum: null,
    decayRate: null,
    beta1: null,
    beta2: null,
    batchSize: 100,
    iterations: 200,
    seed: 1,
    data: 'mnist-lite',
    trainLimit: 2000,
    testLimit: null,
    validation: null,
    trainSize: 2000,
    testSize: 2000,
    backend: 'wasm',
    ...fields,
  };
}

export const ENVIRONMENT: RunEnvironment = { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpu: 'AMD EPYC', cores: 2 };

export function metricsFileOf(summary: Partial<Summary> = {}, config: Partial<RunConfig> = {}): MetricsFile {
  const history = [
    { epoch: 1, iteration: 100, loss: 1.3778, trainAcc: 0.7195, testAcc: 0.702 },
    { epoch: 2, iteration: 200, loss: 0.5347, trainAcc: 0.859, testAcc: 0.846 },
  ];
  return buildMetricsFile(summaryOf(summary), configOf(config), history, ENVIRONMENT, '0.1.0');
}

/** A metrics file as `bp-train diff` and --baseline read it, through its text. */
export function recordOf(file: string, summary: Partial<Summary> = {}, config: Partial<RunConfig> = {}): MetricsRecord {
  return parseMetricsFile(metricsText(metricsFileOf(summary, config)), file);
}
