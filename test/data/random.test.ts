/** Tests for the seeded generator in src/data/random.ts: determinism, resumption and distributions. */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';

const draw = (random: Random, n: number): number[] => Array.from({ length: n }, () => random.next());

describe('Random', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(new Random(42), 50)).toEqual(draw(new Random(42), 50));
  });

  it('gives different sequences for different (even nearby) seeds', () => {
    const a = draw(new Random(42), 50);
    const b = draw(new Random(43), 50);
    expect(a).not.toEqual(b);
    expect(a.filter((v, i) => v === b[i])).toHaveLength(0);
  });

  it('resumes the exact stream from getState/setState and fromState', () => {
    const random = new Random(7);
    draw(random, 13);
    const state = random.getState();
    const expected = draw(random, 100);

    const resumed = new Random(999);
    resumed.setState(state);
    expect(draw(resumed, 100)).toEqual(expected);
    expect(draw(Random.fromState(state), 100)).toEqual(expected);
    expect(state.every((word) => Number.isInteger(word) && word >= 0 && word < 2 ** 32)).toBe(true);
  });

  it('next() stays in [0, 1) and has mean ~1/2', () => {
    const values = draw(new Random(1), 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
  });

  it('nextInt(n) stays in 0..n-1 and hits every value about equally', () => {
    const random = new Random(2);
    const counts = new Array<number>(7).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 70_000; i++) {
      const k = random.nextInt(7);
      if (Number.isInteger(k) && k >= 0 && k < 7) counts[k]++;
      else outOfRange++;
    }
    expect(outOfRange).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(new Random(3).nextInt(1)).toBe(0);
  });

  it('nextGaussian() has mean ~0 and variance ~1 over 100k draws', () => {
    const random = new Random(12345);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const g = random.nextGaussian();
      sum += g;
      sumSq += g * g;
    }
    const mean = sum / n;
    expect(Number.isFinite(sumSq)).toBe(true);
    const variance = sumSq / n - mean * mean;
    // Standard errors: 1/sqrt(n) = 0.0032 for the mean, sqrt(2/n) = 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.025);
  });

  it('shuffle() is a permutation, deterministic per seed, and actually moves things', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const a = [...items];
    const b = new Uint32Array(items);
    new Random(5).shuffle(a);
    new Random(5).shuffle(b);

    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(Array.from(b)).toEqual(a);
    expect(a.filter((v, i) => v === i).length).toBeLessThan(20);

    const c = [...items];
    new Random(6).shuffle(c);
    expect(c).not.toEqual(a);
  });
});
