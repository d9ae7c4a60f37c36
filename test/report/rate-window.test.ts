import { describe, expect, it } from 'vitest';
import { RateWindow } from '../../src/report/rate-window.js';

/** A window fed `samples` as [ms, iteration] after a reset at training time 0, iteration `from`. */
function windowOf(samples: [number, number][], from = 0, spanMs = 2000, minSpanMs = 300): RateWindow {
  const w = new RateWindow(spanMs, minSpanMs);
  w.reset(0, from);
  for (const [ms, iteration] of samples) w.add(ms, iteration);
  return w;
}

/** Samples every `everyMs` from `startMs` to `endMs` at `perSecond`, starting from `iteration0` at startMs. */
function steady(startMs: number, endMs: number, everyMs: number, perSecond: number, iteration0: number): [number, number][] {
  const out: [number, number][] = [];
  for (let ms = startMs + everyMs; ms <= endMs; ms += everyMs) out.push([ms, Math.round(iteration0 + ((ms - startMs) * perSecond) / 1000)]);
  return out;
}

describe('RateWindow', () => {
  it('gives no speed (NaN) and no ETA until its samples span minSpanMs', () => {
    const w = windowOf([[100, 10], [200, 20]]);
    expect(w.perSecond()).toBeNaN();
    expect(w.secondsFor(100)).toBeNaN();
    w.add(300, 30);
    expect(w.perSecond()).toBe(100);
    expect(w.secondsFor(250)).toBe(2.5);
  });

  it('counts from the reset sample: a resumed run starts at its start iteration', () => {
    const w = windowOf([[500, 5200]], 5000);
    expect(w.perSecond()).toBe(400);
  });

  it('gives the speed of the last spanMs only, whatever came before', () => {
    // 3 s at 100 it/s, then 3 s at 1000 it/s: 2 s into the fast part, only the fast part counts.
    const slow = steady(0, 3000, 100, 100, 0);
    const fast = steady(3000, 6000, 100, 1000, 300);
    const w = windowOf([...slow, ...fast.slice(0, 20)]);
    expect(w.perSecond()).toBe(1000);
    // 1 s into the fast part the window still reaches 1 s back into the slow one: (1000 + 100) / 2 s.
    const mid = windowOf([...slow, ...fast.slice(0, 10)]);
    expect(mid.perSecond()).toBe(550);
  });

  it('keeps one sample at or before the window start, so the span is at least spanMs once there is history', () => {
    // Samples 700 ms apart: at 3500 the window reaches back to 1400 (span 2100), not 2100 (span 1400).
    const w = windowOf([[700, 70], [1400, 140], [2100, 210], [2800, 280], [3500, 700]]);
    expect(w.perSecond()).toBeCloseTo(((700 - 140) * 1000) / 2100, 9);
  });

  it('is unmoved by bursts of samples close together (irregular sampling)', () => {
    const w = windowOf([[1000, 200], [1001, 200], [1002, 201], [1500, 300], [1500, 300], [2000, 400]]);
    expect(w.perSecond()).toBe(200);
  });

  it('gives the ETA of the remaining iterations at the window speed, 0 for none left', () => {
    const w = windowOf(steady(0, 2000, 100, 250, 0));
    expect(w.perSecond()).toBe(250);
    expect(w.secondsFor(1000)).toBe(4);
    expect(w.secondsFor(0)).toBe(0);
    expect(w.secondsFor(-3)).toBe(0);
  });

  it('gives no ETA when nothing moved in the window (speed 0)', () => {
    const w = windowOf([[1000, 50], [3500, 50], [4000, 50]]);
    expect(w.perSecond()).toBe(0);
    expect(w.secondsFor(10)).toBeNaN();
  });

  it('starts again when the clock or the iteration goes back', () => {
    const w = windowOf(steady(0, 2000, 100, 100, 0));
    w.add(50, 5);
    expect(w.perSecond()).toBeNaN();
    w.add(450, 405);
    expect(w.perSecond()).toBe(1000);
  });
});
