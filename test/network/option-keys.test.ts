/**
 * The option objects of the library's constructors and of initialState: a key they do not know
 * is a TypeError naming it and the key it is nearest to, where JavaScript would otherwise
 * ignore it and use the default (a misspelt hiddenSizeList would train the default network).
 */
import { describe, expect, it } from 'vitest';
import { MultiLayerNet, type MultiLayerNetOptions } from '../../src/network/multi-layer-net.js';
import { TwoLayerNet, type TwoLayerNetOptions } from '../../src/network/two-layer-net.js';
import { initialState, type TrainConfig } from '../../src/train/trainer.js';

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
});
