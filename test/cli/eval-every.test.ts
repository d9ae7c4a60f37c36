/**
 * `--eval-every N` on train: the accuracies are measured every N iterations (0: only at the
 * end) instead of every epoch; the training itself, and so the final numbers, are the same.
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../helpers/run-cli.js';

const RUN = ['--data', 'mnist-lite', '--iters', '300', '--seed', '4', '--threads', '1', '--json'];

describe('--eval-every', () => {
  it('measures at iterations 100, 200, 300 with 100, only at 300 with 0, with the same final numbers as every epoch', async () => {
    const runs = await Promise.all([[], ['--eval-every', '100'], ['--eval-every', '0']].map((extra) => runCli([...RUN, ...extra])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [epochly, every100, atEnd] = runs.map((run) => jsonLines(run.stdout));
    const iterations = (events: Record<string, unknown>[]): unknown[] => events.filter((e) => e.event === 'epoch').map((e) => e.iteration);
    expect(iterations(epochly)).toEqual([80, 160, 240, 300]); // mnist-lite: 8,000 / 100 a epoch
    expect(iterations(every100)).toEqual([100, 200, 300]);
    expect(iterations(atEnd)).toEqual([300]);
    const last = (events: Record<string, unknown>[]): Record<string, unknown> => events.filter((e) => e.event === 'epoch').at(-1) ?? {};
    for (const events of [every100, atEnd]) {
      expect(last(events).trainAcc).toBe(last(epochly).trainAcc);
      expect(last(events).testAcc).toBe(last(epochly).testAcc);
    }
  });
});
