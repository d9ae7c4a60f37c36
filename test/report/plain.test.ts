import { beforeAll, describe, expect, it } from 'vitest';
import { initColor } from '../../src/report/color.js';
import { PlainReporter } from '../../src/report/plain.js';
import type { ProgressEvent, StartEvent } from '../../src/train/events.js';

const start: StartEvent = {
  event: 'start',
  source: 'test',
  trainSize: 1000,
  testSize: 100,
  iterations: 2500,
  startIteration: 0,
  itersPerEpoch: 1000,
  batchSize: 1,
  hidden: [10],
  network: '784-10-10 relu std 0.01',
  optimizer: 'sgd lr 0.1',
  lr: 0.1,
  seed: 1,
  backend: 'js',
};

function progress(iteration: number, trainMs: number): ProgressEvent {
  const epoch = Math.ceil(iteration / 1000);
  return { event: 'progress', iteration, epoch, epochIteration: iteration - (epoch - 1) * 1000, itersPerEpoch: 1000, iterations: 2500, loss: 0.5, elapsedMs: trainMs + 5000, trainMs };
}

/** The lines a plain reporter that prints a progress line at every progress event writes for `events`. */
function linesFor(events: (StartEvent | ProgressEvent)[]): string[] {
  const lines: string[] = [];
  const reporter = new PlainReporter({ out: (l) => lines.push(l), err: (l) => lines.push(`err: ${l}`) }, false, 0);
  for (const e of events) reporter.event(e);
  return lines.slice(1); // after the start line
}

describe('PlainReporter progress lines', () => {
  beforeAll(() => initColor(false));

  it('carry the speed of the training clock (trainMs) and both ETAs at that speed', () => {
    // 400 it/s on the training clock; elapsedMs (wall, with measurements) runs ahead and must not count.
    const lines = linesFor([start, progress(100, 250), progress(200, 500), progress(1200, 3000)]);
    expect(lines).toEqual([
      '  iteration 100/2,500 (epoch 1, 100/1000), loss 0.5000, - it/s, epoch ETA -, run ETA -',
      '  iteration 200/2,500 (epoch 1, 200/1000), loss 0.5000, 400 it/s, epoch ETA 2s, run ETA 6s',
      '  iteration 1,200/2,500 (epoch 2, 200/1000), loss 0.5000, 400 it/s, epoch ETA 2s, run ETA 3s',
    ]);
  });

  it('give the last partial epoch its own size in the epoch ETA', () => {
    // Epoch 3 has 500 iterations: at 2,100 (epoch iteration 100), 400 remain: 1 s at 400 it/s.
    const lines = linesFor([start, progress(2000, 5000), progress(2100, 5250)]);
    expect(lines[1]).toBe('  iteration 2,100/2,500 (epoch 3, 100/1000), loss 0.5000, 400 it/s, epoch ETA 1s, run ETA 1s');
  });
});
