import { describe, expect, it } from 'vitest';
import { sparkline } from '../../src/report/sparkline.js';

describe('sparkline', () => {
  it('draws the lowest value as ▁ and the highest as █', () => {
    expect(sparkline([0.1, 0.5, 0.9])).toBe('▁▅█');
    expect(sparkline([0.9, 0.95, 0.96, 0.97])).toBe('▁▆▇█');
  });
  it('draws a flat series at mid-height, NaN as a space, nothing for no value', () => {
    expect(sparkline([0.5, 0.5])).toBe('▄▄');
    expect(sparkline([0.1, NaN, 0.2])).toBe('▁ █');
    expect(sparkline([])).toBe('');
  });
  it('keeps at most maxWidth points, ending with the last value', () => {
    const line = sparkline(Array.from({ length: 1000 }, (_, i) => i), 50);
    expect(line).toHaveLength(50);
    expect(line.at(-1)).toBe('█');
  });
});

describe('TtyReporter', () => {
  it('ends the summary with a sparkline of test accuracy per epoch', async () => {
    const { TtyReporter } = await import('../../src/report/tty.js');
    const { initColor } = await import('../../src/report/color.js');
    initColor(false);
    const lines: string[] = [];
    const reporter = new TtyReporter({ out: (l) => lines.push(l), err: (l) => lines.push(l) });
    [0.5, 0.8, 0.9].forEach((testAcc, i) =>
      reporter.event({ event: 'epoch', epoch: i + 1, iteration: 10 * (i + 1), loss: 1, trainAcc: testAcc, testAcc, elapsedMs: 1 }),
    );
    reporter.summary({
      event: 'summary', iterations: 30, epochs: 3, trainAcc: 0.9, testAcc: 0.9, bestTestAcc: 0.9, bestEpoch: 3, loss: 1, status: 'ok',
      diverged: false, interrupted: false, gates: [], backend: 'js', network: '784-5-10 relu std 0.01, sgd lr 0.1', threads: 1, wallMs: 1, trainMs: 1, evalMs: 1, loadMs: 1, examplesPerSec: 1, peakRssMb: 1,
    });
    reporter.close();
    expect(lines.at(-1)).toBe('test accuracy per epoch 0.5000 ▁▇█ 0.9000');
  });
});
