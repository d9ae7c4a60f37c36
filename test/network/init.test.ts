/**
 * Tests for the initial weights (src/network/init.ts through MultiLayerNet): the named fan-in
 * scales, the sample standard deviation of each layer of a 784-100-100-10 net, zero biases,
 * the draw order (checked against a generator run by hand), and TwoLayerNet's exact weights
 * for the one-hidden-layer case.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import type { Matrix } from '../../src/kernels/matrix.js';
import { initScale } from '../../src/network/init.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import { TwoLayerNet } from '../../src/network/two-layer-net.js';

const bytes = (m: Matrix): Buffer => Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
/** Byte equality of two weight matrices (toEqual on 150 kB arrays is slow). */
const sameBytes = (a: Matrix, b: Matrix): boolean => a.size === b.size && bytes(a).equals(bytes(b));

function meanStd(m: Matrix): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  for (const v of m.data) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / m.size;
  return { mean, std: Math.sqrt(sumSq / m.size - mean * mean) };
}

describe('initScale', () => {
  it("gives sqrt(2 / fan-in) for 'he' and 'relu', sqrt(1 / fan-in) for 'xavier' and 'sigmoid', in any case", () => {
    expect(initScale('he', 784)).toBe(Math.sqrt(2 / 784));
    expect(initScale('ReLU' as 'relu', 100)).toBe(Math.sqrt(0.02));
    expect(initScale('xavier', 784)).toBe(1 / 28);
    expect(initScale('Sigmoid' as 'sigmoid', 100)).toBe(0.1);
    expect(initScale(0.01, 784)).toBe(0.01);
  });
});

describe('MultiLayerNet weights, 784-100-100-10', () => {
  // Sample std of n draws has a relative standard error of about 1 / sqrt(2n): 0.25% for W1's
  // 78,400, 0.7% for W2's 10,000, 2.2% for W3's 1,000. The bounds are 6 to 8 of those.
  const bounds = [0.015, 0.05, 0.15];
  const fanIns = [784, 100, 100];
  const cases = [
    { weightInitStd: 'he', factor: 2 },
    { weightInitStd: 'relu', factor: 2 },
    { weightInitStd: 'xavier', factor: 1 },
    { weightInitStd: 'sigmoid', factor: 1 },
  ] as const;

  for (const { weightInitStd, factor } of cases) {
    it(`'${weightInitStd}': W_i has mean ~0 and std ~sqrt(${factor} / n_(i-1)); every b_i is 0`, () => {
      const net = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [100, 100], outputSize: 10, weightInitStd, seed: 11 });
      fanIns.forEach((fanIn, i) => {
        const expected = Math.sqrt(factor / fanIn);
        const { mean, std } = meanStd(net.params[`W${i + 1}`]);
        expect(Math.abs(std / expected - 1), `W${i + 1} std ${std} vs ${expected}`).toBeLessThan(bounds[i]);
        expect(Math.abs(mean), `W${i + 1} mean`).toBeLessThan(6 * (expected / Math.sqrt(net.params[`W${i + 1}`].size)));
        expect(Array.from(net.params[`b${i + 1}`].data).every((v) => v === 0)).toBe(true);
      });
    });
  }

  it("defaults to He ('relu'): 0.0505 for W1 and 0.1414 after", () => {
    const net = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [100, 100], outputSize: 10, seed: 12 });
    expect(Math.abs(meanStd(net.params.W1).std / 0.0505 - 1)).toBeLessThan(0.015);
    expect(Math.abs(meanStd(net.params.W2).std / 0.1414 - 1)).toBeLessThan(0.05);
    expect(net.spec.weightInitStd).toBe('relu');
  });

  it('a number is the std of every layer, the output layer included', () => {
    const net = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [100, 100], outputSize: 10, weightInitStd: 0.3, seed: 13 });
    [0.015, 0.05, 0.15].forEach((bound, i) => expect(Math.abs(meanStd(net.params[`W${i + 1}`]).std / 0.3 - 1)).toBeLessThan(bound));
  });
});

describe('draw order', () => {
  it('draws W1 row by row, then W2, then W3, each scale * nextGaussian() of one generator', () => {
    const net = new MultiLayerNet({ inputSize: 5, hiddenSizeList: [4, 3], outputSize: 2, weightInitStd: 'he', seed: 21, dtype: 'float64' });
    const random = new Random(21);
    for (const [name, fanIn] of [['W1', 5], ['W2', 4], ['W3', 3]] as const) {
      const expected = Array.from({ length: net.params[name].size }, () => Math.sqrt(2 / fanIn) * random.nextGaussian());
      expect(Array.from(net.params[name].data), name).toEqual(expected);
    }
  });

  it("one hidden layer with a numeric std gives exactly TwoLayerNet's weights (784-50-10, std 0.01, seed 1)", () => {
    const multi = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [50], outputSize: 10, weightInitStd: 0.01, seed: 1 });
    const two = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10 });
    expect(Object.keys(multi.params)).toEqual(['W1', 'b1', 'W2', 'b2']);
    for (const name of ['W1', 'b1', 'W2', 'b2'] as const) expect(sameBytes(multi.params[name], two.params[name]), name).toBe(true);
    expect(sameBytes(multi.params.W1, new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 2 }).params.W1)).toBe(false);
    expect(multi.dtype).toBe('float32');
  });

  it('the same holds in float64 and for another seed and std', () => {
    const multi = new MultiLayerNet({ inputSize: 30, hiddenSizeList: [8], outputSize: 10, weightInitStd: 0.5, seed: 42, dtype: 'float64' });
    const two = new TwoLayerNet({ inputSize: 30, hiddenSize: 8, outputSize: 10, weightInitStd: 0.5, seed: 42, dtype: 'float64' });
    for (const name of ['W1', 'W2'] as const) expect(sameBytes(multi.params[name], two.params[name]), name).toBe(true);
  });
});
