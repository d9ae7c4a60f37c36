/**
 * A wasm program shared by a team of threads (src/engine/program-team.ts, src/wasm/team.as.ts):
 * steps and counts by 2 and 3 threads give one thread's bits (SHA-256 of every parameter and
 * optimizer slot after the steps, every loss, every count), on specs whose columns and batch do
 * not divide evenly; the team can change size between steps; steps taken alone by thread 0
 * (when sharing does not pay, kernels/team-pacer.ts) change no bit either.
 *
 * Needs `npm run build:wasm` and `npx tsc -p tsconfig.build.json` (the helpers run dist/).
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { PACER_DEFAULTS, pacerSettings } from '../../src/kernels/team-pacer.js';
import type { Activation } from '../../src/network/spec.js';
import type { OptimizerName } from '../../src/optim/optimizer.js';
import { blobSplit, noiseSplit } from '../train/synthetic.js';
import { batchRows, programFor, referenceNet, type Case } from './reference.js';

interface Run {
  losses: number[];
  counts: number[];
  digest: string;
  /** Steps shared with the helpers (not compared: one thread shares none). */
  shared?: number;
}

/** `steps` steps (a count after each), the team's size per step from `threads` in turn. */
async function run(split: Split, c: Case, threads: number[]): Promise<Run> {
  const program = programFor(split, c, referenceNet(split, c));
  try {
    const losses: number[] = [];
    const counts: number[] = [];
    const batches = batchRows(split, c.batch, c.steps, 21);
    for (const [s, rows] of batches.entries()) {
      await program.useThreads(threads[s % threads.length]);
      losses.push(program.step(split, rows));
      counts.push(program.countCorrect(split, s, split.count - s));
    }
    const hash = createHash('sha256');
    for (const data of Object.values(program.getParams())) hash.update(new Uint8Array(data.buffer));
    for (const data of Object.values(program.optimizerState().tensors)) hash.update(new Uint8Array(data.buffer));
    return { losses, counts, digest: hash.digest('hex'), shared: program.teamSteps.shared };
  } finally {
    await program.release();
  }
}

const spec = (hidden: number[], activation: Activation, optimizer: OptimizerName, batch: number, weightDecayLambda = 0): Case => ({
  hidden, activation, optimizer, hyper: optimizer === 'sgd' ? { lr: 0.1 } : {}, batch, steps: 12, weightDecayLambda,
});

describe('a team of threads gives one thread\'s bits', () => {
  const cases: [string, Split, Case][] = [
    ['784-50-10 relu sgd (13 vectors: 6 + 7), batch 100', blobSplit(400, 1), spec([50], 'relu', 'sgd', 100)],
    ['784-100-100-10 relu adam, batch 37', blobSplit(300, 2), spec([100, 100], 'relu', 'adam', 37)],
    ['784-30-20-17-10 sigmoid nesterov, batch 7', noiseSplit(100, 3, 0.8), spec([30, 20, 17], 'sigmoid', 'nesterov', 7)],
    ['784-3-10 tanh adagrad (one vector: threads with no columns), batch 1', noiseSplit(50, 4, 0.7), spec([3], 'tanh', 'adagrad', 1)],
    ['784-10 rmsprop (no hidden layer), batch 20', blobSplit(100, 5), spec([], 'relu', 'rmsprop', 20)],
    ['784-40-24-10 relu momentum, weight decay 0.01, dense images, batch 10', noiseSplit(60, 9, 0), spec([40, 24], 'relu', 'momentum', 10, 0.01)],
  ];
  for (const [what, split, c] of cases) {
    it(what, async () => {
      const { shared, ...one } = await run(split, c, [1]);
      expect(shared).toBe(0);
      for (const threads of [2, 3]) {
        const { shared: byTeam, ...many } = await run(split, c, [threads]);
        expect(many, `${threads} threads`).toEqual(one);
        expect(byTeam, 'steps shared').toBe(c.steps);
      }
    });
  }

  it('changing its size between steps (1, 2, 3, 2)', async () => {
    const split = blobSplit(300, 6);
    const c = spec([60, 30], 'relu', 'adam', 50);
    const { shared: byTeam, ...changing } = await run(split, c, [1, 2, 3, 2]);
    const { shared, ...one } = await run(split, c, [1]);
    expect(changing).toEqual(one);
    expect(byTeam, 'steps shared').toBeGreaterThan(0);
    expect(shared).toBe(0);
  });
});

describe('steps taken alone when sharing them does not pay', () => {
  afterAll(() => {
    Object.assign(pacerSettings, PACER_DEFAULTS);
  });

  it('give the same bits as one thread, switching both ways many times', async () => {
    // A fake clock: shared steps slow for a while, then fast, then slow again (alone always 2).
    let t = 0;
    let readings = 0;
    const kinds: boolean[] = [];
    Object.assign(pacerSettings, {
      now: (shared: boolean) => {
        kinds.push(shared);
        const phase = Math.floor(readings++ / 20) % 2; // 10 steps of each
        return (t += shared ? (phase === 0 ? 3 : 1) : 2);
      },
      sharedWindow: 3,
      aloneWindow: 2,
      firstAlone: 2,
      backoffMin: 2,
      backoffMax: 4,
      stale: 6,
    });
    const split = blobSplit(300, 7);
    const c = { ...spec([50, 20], 'tanh', 'adam', 40), steps: 60, pace: true };
    const { shared, ...one } = await run(split, c, [1]);
    expect(kinds, 'one thread has no pacer').toHaveLength(0);
    expect(shared).toBe(0);
    for (const threads of [2, 3]) {
      kinds.length = 0;
      const { shared: byTeam, ...many } = await run(split, c, [threads]);
      expect(many, `${threads} threads`).toEqual(one);
      expect(byTeam).toBeGreaterThan(10);
      const switches = kinds.filter((k, i) => i > 0 && k !== kinds[i - 1]).length;
      expect(kinds.filter((k) => k).length, 'shared steps (2 readings each)').toBeGreaterThan(20);
      expect(kinds.filter((k) => !k).length, 'steps alone').toBeGreaterThan(20);
      expect(switches, 'switches between the two').toBeGreaterThan(10);
    }
  });
});

describe('counts by the helpers alongside steps that thread 0 takes alone', () => {
  /** 24 steps; counts of both splits started after steps 4 and 12, taken when done or waited for; an in-line count after 14. */
  async function counted(threads: number) {
    const [train, test] = [blobSplit(2500, 8), blobSplit(1200, 9)];
    const c = spec([50, 30], 'relu', 'adam', 40);
    const program = programFor(train, c, referenceNet(train, c));
    await program.useThreads(threads);
    const batches = batchRows(train, c.batch, 24, 10);
    const losses: number[] = [];
    const counts: number[][] = [];
    const inLine: number[] = [];
    const started: boolean[] = [];
    let pending = false;
    const take = (wait: boolean): void => {
      const taken = pending ? program.takeCounts(wait) : null;
      if (taken === null) return;
      counts.push(taken);
      pending = false;
    };
    for (const [s, rows] of batches.entries()) {
      losses.push(program.step(train, rows));
      take(s === 12 || s === 20); // at 12 and 20, wait for what is left (every thread counts it)
      if (s === 4 || s === 12) {
        const alongside = program.startCounts([train, test]);
        started.push(alongside);
        if (alongside) pending = true;
        else counts.push([program.countCorrect(train, 0, train.count), program.countCorrect(test, 0, test.count)]);
      }
      if (s === 14) inLine.push(program.countCorrect(train, 100, 900)); // in line: first finishes the counts alongside
      take(false);
    }
    const hash = createHash('sha256');
    for (const data of Object.values(program.getParams())) hash.update(new Uint8Array(data.buffer));
    const alone = program.teamSteps.alone;
    await program.release();
    return { losses, counts, inLine, digest: hash.digest('hex'), started, alone };
  }

  it('count what the weights counted in line, and change no bit of the steps', async () => {
    const one = await counted(1);
    expect(one.started).toEqual([false, false]);
    for (const threads of [2, 3]) {
      const many = await counted(threads);
      expect(many.started).toEqual([true, true]);
      expect(many.alone, 'steps alone while the helpers counted').toBeGreaterThan(0);
      expect({ ...many, started: [], alone: 0 }).toEqual({ ...one, started: [], alone: 0 });
    }
  });
});
