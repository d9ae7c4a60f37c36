/**
 * The option objects of the library's constructors and functions: a key they do not know is a
 * TypeError naming it and the key it is nearest to, where JavaScript would otherwise ignore it
 * and use the default (a misspelt hiddenSizeList would train the default network, a misspelt
 * gate bar would switch the gate off).
 */
import { describe, expect, it } from 'vitest';
import { MultiLayerNet, type MultiLayerNetOptions } from '../../src/network/multi-layer-net.js';
import { TwoLayerNet, type TwoLayerNetOptions } from '../../src/network/two-layer-net.js';
import { loadDataset } from '../../src/data/sources.js';
import { cutDataset, type DataProtocol } from '../../src/experiments/experiment.js';
import { compareWithBaseline, type RelativeBars } from '../../src/train/baseline.js';
import { gradcheck, type GradcheckConfig } from '../../src/train/gradcheck.js';
import { checkGates, type GateBars, type Summary } from '../../src/train/summary.js';
import { initialState, type TrainConfig, type TrainResult } from '../../src/train/trainer.js';
import type { MetricsRecord } from '../../src/train/metrics-file.js';

const NET_KEYS = 'inputSize, hiddenSizeList, outputSize, activation, weightInitStd, useBatchnorm, useDropout, dropoutRatio, weightDecayLambda, seed, dtype';
const net = (extra: Record<string, unknown>): MultiLayerNet => new MultiLayerNet({ inputSize: 4, hiddenSizeList: [3], outputSize: 2, ...extra } as MultiLayerNetOptions);

describe('unknown option keys', () => {
  it.each([
    ['hiddenSizeLst', "'hiddenSizeList'"],
    ['useBatchNorm', "'useBatchnorm'"], // the book's use_batchnorm has no capital N
    ['weight_init_std', "'weightInitStd'"], // the book's snake_case
    ['dropout_ration', "'dropoutRatio'"], // the book's spelling, two letters off
  ])('MultiLayerNet: %s is refused, with %s suggested', (key, near) => {
    expect(() => net({ [key]: 1 })).toThrow(new TypeError(`MultiLayerNet: unknown option '${key}' (did you mean ${near}?); the options are ${NET_KEYS}`));
  });

  it('MultiLayerNet: a key near none of them is refused with the list only', () => {
    expect(() => net({ optimizer: 'adam' })).toThrow(new TypeError(`MultiLayerNet: unknown option 'optimizer'; the options are ${NET_KEYS}`));
  });

  it('MultiLayerNet: options that are not an object are a TypeError, not a crash on a property', () => {
    expect(() => new MultiLayerNet(null as unknown as MultiLayerNetOptions)).toThrow(TypeError);
    expect(() => new MultiLayerNet(null as unknown as MultiLayerNetOptions)).toThrow('MultiLayerNet: options must be an object');
  });

  it('TwoLayerNet: hidden_size is refused, hiddenSize suggested; every known key is taken', () => {
    const options = { inputSize: 4, hidden_size: 3, outputSize: 2 } as unknown as TwoLayerNetOptions;
    expect(() => new TwoLayerNet(options)).toThrow(new TypeError("TwoLayerNet: unknown option 'hidden_size' (did you mean 'hiddenSize'?); the options are inputSize, hiddenSize, outputSize, weightInitStd, seed, dtype"));
    const two = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2, weightInitStd: 0.1, seed: 2, dtype: 'float64' });
    expect(two.params.W1.data).toBeInstanceOf(Float64Array);
  });

  it('initialState: a misspelt config key is refused before any weight is drawn', () => {
    const config = { hidden: 8, weightInitStd: 0.01, lr: 0.1, batchSize: 10, iterations: 5, seed: 1, learningRate: 0.1 } as TrainConfig;
    expect(() => initialState(config, 784)).toThrow("initialState: config: unknown option 'learningRate'; the options are hidden, activation, weightInitStd,");
  });

  it('checkGates and compareWithBaseline: a misspelt bar is refused, not a gate switched off', () => {
    const result = { testAcc: 0.5, trainAcc: 0.5, finalLoss: 1 } as TrainResult;
    expect(() => checkGates(result, { minTestAc: 0.9 } as GateBars)).toThrow("checkGates: bars: unknown option 'minTestAc' (did you mean 'minTestAcc'?)");
    expect(checkGates(result, { minTestAcc: 0.9 }).map((g) => g.passed)).toEqual([false]);
    const record = { metrics: { testAcc: 0.9 } } as unknown as MetricsRecord;
    expect(() => compareWithBaseline(record, {} as Summary, [], { max_drop: 0 } as RelativeBars, true)).toThrow("compareWithBaseline: bars: unknown option 'max_drop' (did you mean 'maxDrop'?)");
  });

  it('loadDataset and cutDataset: a misspelt limit is refused, not the whole split used', () => {
    expect(() => loadDataset('mnist-lite', { trainlimit: 5 } as object)).toThrow("loadDataset: limits: unknown option 'trainlimit' (did you mean 'trainLimit'?)");
    const dataset = loadDataset('mnist-lite', { trainLimit: 50, testLimit: 20 });
    expect(() => cutDataset(dataset, { trainLimt: 10 } as DataProtocol)).toThrow("cutDataset: protocol: unknown option 'trainLimt' (did you mean 'trainLimit'?)");
    expect(cutDataset(dataset, { trainLimit: 10 }).train.count).toBe(10);
  });

  it('gradcheck: a misspelt key is refused, and without dtype it checks in float64 (differences ~1e-10, not float32 ~1e-7)', () => {
    const { train } = loadDataset('mnist-lite', { trainLimit: 3, testLimit: 1 });
    const config: GradcheckConfig = { hidden: [5], samples: 3, seed: 1, weightInitStd: 0.01 };
    expect(() => gradcheck(train, { ...config, use_batchnorm: true } as GradcheckConfig)).toThrow("gradcheck: config: unknown option 'use_batchnorm' (did you mean 'useBatchnorm'?)");
    const worst = Math.max(...gradcheck(train, config).map((r) => r.maxAbsDiff));
    expect(worst).toBeLessThan(1e-9);
    expect(Math.max(...gradcheck(train, { ...config, dtype: 'float32' }).map((r) => r.maxAbsDiff))).toBeGreaterThan(1e-9);
  });
});
