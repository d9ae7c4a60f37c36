/**
 * The pacer of a team's steps (src/kernels/team-pacer.ts) on a fake clock: which steps it
 * shares and which it takes alone, when sharing pays, when it does not, and when that changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PACER_DEFAULTS, pacerSettings, TeamPacer, type PacerSettings } from '../../src/kernels/team-pacer.js';

afterEach(() => {
  Object.assign(pacerSettings, PACER_DEFAULTS);
});

/**
 * Drives a pacer for `steps` steps: a shared step takes cost(true, s) ms, one alone cost(false, s)
 * (the fake clock moves on by that much at each reading, so a step lasts what its end adds).
 * Returns the kinds, 'S' shared and 'a' alone ('f' for the steps that mustBeAlone forced).
 */
function drive(
  steps: number,
  cost: (shared: boolean, step: number) => number,
  forced: (step: number) => boolean = () => false,
  settings: Partial<PacerSettings> = {},
): string {
  let t = 0;
  let step = 0;
  Object.assign(pacerSettings, {
    now: (shared: boolean) => (t += cost(shared, step)),
    sharedWindow: 4,
    aloneWindow: 2,
    firstAlone: 2,
    shareBelow: 0.9,
    minTry: 1,
    slack: 1.5,
    backoffMin: 4,
    backoffMax: 16,
    stale: 12,
    staleNarrow: 6,
    narrow: 0.75,
    ...settings,
  });
  const pacer = new TeamPacer();
  let kinds = '';
  for (; step < steps; step++) {
    const mustBeAlone = forced(step);
    const shared = pacer.begin(mustBeAlone);
    kinds += mustBeAlone ? 'f' : shared ? 'S' : 'a';
    pacer.end();
  }
  return kinds;
}

/** The first shared step after steps alone: the helpers wake up in it, and it is not timed. */
const W = 'S';

describe('TeamPacer', () => {
  it('shares while sharing pays, measuring the steps alone first, every `staleNarrow` shared steps until it has 3 windows alone, then every `stale`', () => {
    expect(drive(40, (shared) => (shared ? 1 : 2))).toBe('aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(12) + 'aa' + W);
  });

  it('goes alone when sharing does not pay, for twice as long after each failed try, at most backoffMax', () => {
    // Shared steps of 3 against 2 alone: n timed shared steps but the slowest may take
    // 2 * (0.9 n + 1.5) (slack), so each try ends at its fourth timed step (3 * 3 = 9 > 8.4).
    const kinds = drive(76, (shared) => (shared ? 3 : 2));
    const tryOnce = W + 'SSSS';
    expect(kinds).toBe('aa' + tryOnce + 'aaaa' + tryOnce + 'a'.repeat(8) + tryOnce + 'a'.repeat(16) + tryOnce + 'a'.repeat(16) + tryOnce + 'aaaaa');
  });

  it('shares again once it pays again, the backoff back to its first length', () => {
    // Sharing is slow until step 20, then fast; the steps alone always take 2.
    const kinds = drive(50, (shared, step) => (shared ? (step < 20 ? 3 : 1) : 2));
    expect(kinds).toBe('aa' + W + 'SSSS' + 'aaaa' + W + 'SSSS' + 'a'.repeat(8) + W + 'S'.repeat(12) + 'aa' + W + 'S'.repeat(10));
    // Slow again from step 40: after the success, the backoff starts again at backoffMin (4).
    const again = drive(70, (shared, step) => (shared ? (step < 20 || step >= 40 ? 3 : 1) : 2));
    expect(again.slice(35)).toBe('SS' + 'aa' + W + 'SSSS' + 'aaaa' + W + 'SSSS' + 'a'.repeat(8) + W + 'SSSS' + 'aaaa');
  });

  it('leaves the slowest step of a window out: one slow step (the machine, not sharing) does not end a try', () => {
    expect(drive(40, (shared, step) => (shared ? (step === 5 ? 50 : 1) : 2))).toBe('aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(12) + 'aa' + W);
  });

  it('shares from the first step with firstAlone 0', () => {
    expect(drive(8, (shared) => (shared ? 1 : 2), () => false, { firstAlone: 0 })).toBe(W + 'SSSSSSS');
  });

  it('takes at least minTry timed steps to end a try', () => {
    expect(drive(20, (shared) => (shared ? 3 : 2), () => false, { minTry: 6, sharedWindow: 8 })).toBe('aa' + W + 'SSSSSS' + 'aaaa' + W + 'SSSSSS');
  });

  it('ends a try at the end of its window when it is slower only by less than the slack', () => {
    // 2 against 2: 4 shared steps stay within 2 * (0.9 * 4 + 1.5) but not within 2 * 0.9 * 4.
    expect(drive(20, () => 2)).toBe('aa' + W + 'SSSS' + 'aaaa' + W + 'SSSS' + 'aaaa');
  });

  it('measures the steps alone sooner again when sharing pays only a little', () => {
    // 1.6 against 2: below shareBelow (0.9), above narrow (0.75); staleNarrow 6 is reached at the end of the second window.
    expect(drive(30, (shared) => (shared ? 1.6 : 2))).toBe('aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(8) + 'aa' + W + 'S'.repeat(5));
  });

  it('compares with the fastest of the last 3 windows alone: one slow window does not make sharing look good', () => {
    // Sharing takes 3, alone 2, but the last window alone before the try at step 24 (steps 22
    // and 23) is slowed to 10: compared with it alone, 4 shared steps of 3 would pass.
    const kinds = drive(40, (shared, step) => (shared ? 3 : step === 22 || step === 23 ? 10 : 2));
    expect(kinds).toBe('aa' + W + 'SSSS' + 'aaaa' + W + 'SSSS' + 'a'.repeat(8) + W + 'SSSS' + 'a'.repeat(11));
  });

  it('neither times nor counts the steps that must be alone (the helpers count alongside)', () => {
    // The clock is not read for them; the window of shared steps goes on after them.
    const kinds = drive(30, (shared) => (shared ? 3 : 2), (step) => step >= 6 && step < 16);
    expect(kinds).toBe('aa' + W + 'SSS' + 'f'.repeat(10) + 'S' + 'aaaa' + W + 'SSSS' + 'aaaa');
  });
});
