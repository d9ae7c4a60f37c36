/**
 * Tests for the gradient check (src/train/gradcheck.ts) on a small in-memory split: in float64
 * backprop and central differences must agree to far below 1e-8 for every parameter.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/train/gradcheck.js';
import { PARAM_NAMES } from '../../src/network/two-layer-net.js';
import { blobSplit, noiseSplit } from './synthetic.js';

const config = { hidden: 10, samples: 5, seed: 1, dtype: 'float64' as const, weightInitStd: 0.01 };

describe('gradcheck', () => {
  it('reports W1, b1, W2, b2 in order, each with mean |diff| < 1e-8 in float64 on 5 random 28x28 images', () => {
    const results = gradcheck(noiseSplit(5, 17), config);
    expect(results.map((r) => r.param)).toEqual([...PARAM_NAMES]);
    for (const r of results) {
      expect(r.event).toBe('gradcheck');
      expect(r.meanAbsDiff, r.param).toBeLessThan(1e-8);
      expect(r.maxAbsDiff, r.param).toBeLessThan(1e-7);
      expect(r.maxAbsDiff, r.param).toBeGreaterThanOrEqual(r.meanAbsDiff);
      expect(r.maxRelError, r.param).toBeLessThan(1e-3);
    }
  });

  it('agrees just as well with a larger weight scale (gradients far from 0)', () => {
    const results = gradcheck(blobSplit(5, 3), { ...config, weightInitStd: 0.1, seed: 4 });
    for (const r of results) {
      expect(r.meanAbsDiff, r.param).toBeLessThan(1e-8);
      expect(r.maxRelError, r.param).toBeLessThan(1e-4);
    }
  });

  it('uses at most the split count of samples', () => {
    const results = gradcheck(noiseSplit(2, 5), { ...config, samples: 10 });
    expect(results).toHaveLength(4);
    for (const r of results) expect(Number.isFinite(r.meanAbsDiff)).toBe(true);
  });
});
