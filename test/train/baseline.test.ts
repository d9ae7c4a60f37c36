/**
 * A run against its baseline: the changes of each figure, and the relative gates at their
 * edges (a drop of exactly the bar passes, anything more fails; a loss rise likewise; a
 * figure not measured fails), with hand values.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { applyComparison, checkUsableBaseline, compareWithBaseline } from '../../src/train/baseline.js';
import { recordOf, summaryOf } from './ci-fixtures.js';

const baseline = recordOf('main.json', { testAcc: 0.9123, trainAcc: 0.95, loss: 0.25 });

describe('compareWithBaseline', () => {
  it('gives each result figure with its change, and none of the timing ones', () => {
    const c = compareWithBaseline(baseline, summaryOf({ testAcc: 0.9023, trainAcc: 0.95, loss: 0.3, iterations: 100, epochs: 5 }), [], {}, true);
    expect(c.file).toBe('main.json');
    expect(c.version).toBe('0.1.0');
    expect(c.metrics.map((m) => m.metric)).toEqual(['testAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs']);
    const testAcc = c.metrics[0];
    expect(testAcc.baseline).toBe(0.9123);
    expect(testAcc.value).toBe(0.9023);
    expect(testAcc.change).toBeCloseTo(-0.01, 12);
    expect(c.metrics[1].change).toBe(0);
    expect(c.metrics.find((m) => m.metric === 'iterations')).toEqual({ metric: 'iterations', baseline: 200, value: 100, change: -100 });
    expect(c.gates).toEqual([]);
  });

  it('--max-drop passes a drop of exactly the bar (0.9123 -> 0.9113, bar 0.001) and fails one count more', () => {
    const exact = compareWithBaseline(baseline, summaryOf({ testAcc: 0.9113 }), [], { maxDrop: 0.001 }, true);
    // 0.9113 - 0.9123 is -0.0010000000000000009 in floats: the rounding allowance makes it pass
    expect(0.9123 - 0.9113).toBeGreaterThan(0.001);
    expect(exact.gates).toEqual([
      { option: '--max-drop', metric: 'testAcc', bar: 0.001, baseline: 0.9123, value: 0.9113, change: 0.9113 - 0.9123, passed: true },
    ]);
    const more = compareWithBaseline(baseline, summaryOf({ testAcc: 0.9112 }), [], { maxDrop: 0.001 }, true);
    expect(more.gates[0].passed).toBe(false);
    const better = compareWithBaseline(baseline, summaryOf({ testAcc: 0.99 }), [], { maxDrop: 0 }, true);
    expect(better.gates[0].passed).toBe(true);
  });

  it('--max-train-drop and --max-loss-rise look at the train accuracy and the loss, in their own directions', () => {
    const c = compareWithBaseline(baseline, summaryOf({ trainAcc: 0.94, loss: 0.2 }), [], { maxTrainDrop: 0.005, maxLossRise: 0 }, true);
    expect(c.gates.map((g) => [g.option, g.metric, g.passed])).toEqual([
      ['--max-train-drop', 'trainAcc', false],
      ['--max-loss-rise', 'loss', true], // the loss fell
    ]);
    const rise = compareWithBaseline(baseline, summaryOf({ loss: 0.35 }), [], { maxLossRise: 0.1 }, true);
    expect(rise.gates[0]).toMatchObject({ option: '--max-loss-rise', baseline: 0.25, value: 0.35, passed: true });
    const over = compareWithBaseline(baseline, summaryOf({ loss: 0.36 }), [], { maxLossRise: 0.1 }, true);
    expect(over.gates[0].passed).toBe(false);
  });

  it('a figure this run did not measure (NaN) fails its gate', () => {
    const c = compareWithBaseline(baseline, summaryOf({ testAcc: NaN }), [], { maxDrop: 1 }, true);
    expect(c.gates[0]).toMatchObject({ value: null, change: null, passed: false });
    expect(c.metrics[0]).toEqual({ metric: 'testAcc', baseline: 0.9123, value: null, change: null });
  });

  it('checks no gate for a run that did not finish, but still lists its figures', () => {
    const c = compareWithBaseline(baseline, summaryOf({ testAcc: 0.5 }), [], { maxDrop: 0.001 }, false);
    expect(c.gates).toEqual([]);
    expect(c.metrics[0].value).toBe(0.5);
  });
});

describe('applyComparison', () => {
  it('puts the comparison in the summary and turns an ok run with a failed relative gate into gate-failed', () => {
    const summary = summaryOf({ testAcc: 0.5 });
    const c = compareWithBaseline(baseline, summary, [], { maxDrop: 0.001 }, true);
    applyComparison(summary, c);
    expect(summary.baseline).toBe(c);
    expect(summary.status).toBe('gate-failed');
    const passing = summaryOf({ testAcc: 0.9123 });
    applyComparison(passing, compareWithBaseline(baseline, passing, [], { maxDrop: 0.001 }, true));
    expect(passing.status).toBe('ok');
  });
});

describe('checkUsableBaseline', () => {
  it('refuses the file of a run that diverged or was interrupted', () => {
    const diverged = recordOf('d.json', { status: 'diverged', diverged: true, iterations: 56 });
    expect(() => checkUsableBaseline(diverged, '--baseline d.json', {})).toThrow(
      new DataError('--baseline d.json', 'its run diverged at iteration 56: not a finished run to compare with'),
    );
    const interrupted = recordOf('i.json', { status: 'interrupted', interrupted: true, iterations: 30 });
    expect(() => checkUsableBaseline(interrupted, 'i.json', {})).toThrow(/i\.json: its run was interrupted at iteration 30/);
  });

  it('refuses a gate on a figure the baseline does not have, and accepts a failed-gate baseline', () => {
    const unmeasured = recordOf('u.json', { testAcc: NaN });
    expect(() => checkUsableBaseline(unmeasured, 'u.json', { maxDrop: 0.01 })).toThrow(new DataError('u.json', 'records no testAcc to check --max-drop against'));
    expect(() => checkUsableBaseline(unmeasured, 'u.json', {})).not.toThrow();
    expect(() => checkUsableBaseline(recordOf('g.json', { status: 'gate-failed' }), 'g.json', { maxDrop: 0.01 })).not.toThrow();
  });
});
