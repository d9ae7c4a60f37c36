/**
 * The fused wasm net's team (src/kernels/wasm-team.ts, the team part of simd.as.ts): a training
 * step and a count shared by 2 or 3 threads give exactly the bits of one thread (losses,
 * weights, counts), on shapes whose hidden columns and batch do not divide evenly, and the
 * team can shrink and grow between steps, and steps that thread 0 takes alone when sharing does
 * not pay (team-pacer.ts) change no bit either; counts by the helpers alongside steps that thread 0
 * takes alone give the counts of the weights as they were, and change no bit either. Also the
 * layout of the hidden columns.
 *
 * Needs `npm run build` (build/simd.wasm, and dist/ for the helper threads).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { fusedTwoLayerNet, setBackend } from '../../src/kernels/backend.js';
import type { FusedTwoLayerNet, ParamArrays } from '../../src/kernels/fused.js';
import { hiddenLayout } from '../../src/kernels/hidden-layout.js';
import { PACER_DEFAULTS, pacerSettings } from '../../src/kernels/team-pacer.js';
import { wasmArena } from '../../src/kernels/wasm-module.js';
import { COMMAND, TEAM, TEAM_BYTES, WasmTeam } from '../../src/kernels/wasm-team.js';
import { TwoLayerNet } from '../../src/network/two-layer-net.js';
import { twoLayerArrays as paramArrays } from '../../src/engine/count-correct.js';
import { blobSplit, noiseSplit } from '../train/synthetic.js';

setBackend('wasm');
/** Every step shared, as the tests below are about shared steps (the pacer's defaults take the first 64 alone); the pacer's own test changes this. */
const ALWAYS_SHARE = { firstAlone: 0, shareBelow: Infinity, stale: Infinity, staleNarrow: Infinity };
Object.assign(pacerSettings, ALWAYS_SHARE);
const nets: FusedTwoLayerNet[] = [];
afterAll(async () => {
  Object.assign(pacerSettings, PACER_DEFAULTS);
  for (const net of nets) {
    await net.useThreads(1);
    net.release();
  }
});

function fusedNet(hidden: number, batch: number): FusedTwoLayerNet {
  const net = fusedTwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, maxBatch: batch });
  if (net === null) throw new Error('the wasm backend has no fused net');
  nets.push(net);
  return net;
}

/** A digest of each parameter's bytes, to compare bit for bit (a diff of the bytes themselves would take minutes to print). */
function weightBytes(net: FusedTwoLayerNet): string[] {
  const params: ParamArrays = {
    W1: new Float32Array(net.inputSize * net.hiddenSize),
    b1: new Float32Array(net.hiddenSize),
    W2: new Float32Array(net.hiddenSize * net.outputSize),
    b2: new Float32Array(net.outputSize),
  };
  net.getParams(params);
  return Object.values(params).map((a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer)).digest('hex'));
}

/** `steps` steps (the same batches for every caller) and a count after each; a thread count per step when `threads` is a list. */
async function run(split: Split, hidden: number, batch: number, steps: number, threads: number | number[], sizes = [batch]) {
  const net = fusedNet(hidden, batch);
  net.setParams(paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, seed: 3, weightInitStd: 0.1 })));
  const random = new Random(11);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let s = 0; s < steps; s++) {
    await net.useThreads(Array.isArray(threads) ? threads[s % threads.length] : threads);
    const rows = new Int32Array(sizes[s % sizes.length]);
    for (let r = 0; r < rows.length; r++) rows[r] = random.nextInt(split.count);
    losses.push(net.trainStep(split.images, split.labels, rows, 0.5));
    counts.push(net.countCorrect(split.images, split.labels, s, split.count - s));
  }
  const weights = weightBytes(net);
  await net.useThreads(1);
  return { losses, counts, weights };
}

describe('a team of threads', () => {
  const cases: [string, Split, number, number][] = [
    ["the book's shape: 50 hidden (13 vectors: 6 + 7), batch 100", blobSplit(400, 1), 50, 100],
    ['7 hidden (2 vectors, a ragged one), batch 33', noiseSplit(200, 2, 0.8), 7, 33],
    ['3 hidden (1 vector: a thread with no columns), batch 1', noiseSplit(50, 3, 0.7), 3, 1],
    ['100 hidden (25 vectors: several blocks each), batch 7', blobSplit(120, 4), 100, 7],
    ['dense images (no zero pixel: lists as long as they get), 50 hidden, batch 10', noiseSplit(60, 9, 0), 50, 10],
  ];
  for (const [what, split, hidden, batch] of cases) {
    it(`gives one thread's losses, weights and counts, bit for bit, with 2 and 3 threads: ${what}`, async () => {
      const one = await run(split, hidden, batch, 12, 1);
      expect(new Set(one.counts).size, 'the counts change as the net learns').toBeGreaterThan(1);
      for (const threads of [2, 3]) expect(await run(split, hidden, batch, 12, threads), `${threads} threads`).toEqual(one);
    });
  }

  it('takes batches of any size up to its largest, one after another, without changing a bit', async () => {
    const split = blobSplit(300, 8);
    const sizes = [40, 7, 33, 1, 40];
    const one = await run(split, 50, 40, 10, 1, sizes);
    for (const threads of [2, 3]) expect(await run(split, 50, 40, 10, threads, sizes), `${threads} threads`).toEqual(one);
  });

  it('can change its size between steps (1, 2, 3, 2, 1, ...) without changing a bit', async () => {
    const split = blobSplit(300, 5);
    expect(await run(split, 50, 40, 10, [1, 2, 3, 2])).toEqual(await run(split, 50, 40, 10, 1));
  });

  it('leaves the weights untouched when the loss is above maxLoss, with 2 threads too', async () => {
    const split = blobSplit(100, 6);
    const net = fusedNet(50, 20);
    net.setParams(paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 1 })));
    await net.useThreads(2);
    const before = weightBytes(net);
    const loss = net.trainStep(split.images, split.labels, new Int32Array(20).map((_, i) => i), 0.1, 0);
    expect(loss).toBeCloseTo(Math.log(10), 2);
    expect(weightBytes(net)).toEqual(before);
    await net.useThreads(1);
  });

  it('refuses a step while its helpers start, and more threads than it has room for are 8', async () => {
    const net = fusedNet(50, 10);
    const ready = net.useThreads(2);
    expect(() => net.trainStep(blobSplit(10, 7).images, blobSplit(10, 7).labels, new Int32Array(10), 0.1)).toThrow(/still starting/);
    expect(await ready).toBe(2);
    expect(await net.useThreads(100)).toBe(8);
    expect(net.threads).toBe(8);
    await net.useThreads(1);
    expect(net.threads).toBe(1);
  });
});

describe('steps taken alone when sharing them does not pay (team-pacer.ts)', () => {
  afterAll(() => {
    Object.assign(pacerSettings, PACER_DEFAULTS, ALWAYS_SHARE);
  });

  it('give the same bits as one thread, switching both ways many times', async () => {
    // A fake clock: shared steps slow for a while, then fast, then slow again (alone always 2).
    let t = 0;
    let readings = 0;
    const kinds: boolean[] = [];
    Object.assign(pacerSettings, PACER_DEFAULTS, {
      now: (shared: boolean) => {
        kinds.push(shared);
        const phase = Math.floor(readings++ / 30) % 2; // 15 steps of each
        return (t += shared ? (phase === 0 ? 3 : 1) : 2);
      },
      sharedWindow: 3,
      aloneWindow: 2,
      firstAlone: 2,
      backoffMin: 2,
      backoffMax: 4,
      stale: 6,
    });
    const split = blobSplit(300, 14);
    const one = await run(split, 50, 40, 60, 1);
    expect(kinds, 'one thread has no pacer').toHaveLength(0);
    for (const threads of [2, 3]) {
      kinds.length = 0;
      expect(await run(split, 50, 40, 60, threads), `${threads} threads`).toEqual(one);
      const switches = kinds.filter((k, i) => i > 0 && k !== kinds[i - 1]).length;
      expect(kinds.filter((k) => k).length, 'shared steps (2 readings each)').toBeGreaterThan(20);
      expect(kinds.filter((k) => !k).length, 'steps alone').toBeGreaterThan(20);
      expect(switches, 'switches between the two').toBeGreaterThan(10);
    }
  });
});

/**
 * 24 steps with counts of both splits after steps 4 and 12 (and an in-line count, the weights
 * read and written back, after 14): with one thread all in line; with more, the first counted
 * by the helpers alongside the next steps, which this thread takes alone, until the counts are
 * taken (after them, steps are shared again), the second finished by every thread after one
 * step alone.
 */
async function countedAlongside(train: Split, test: Split, hidden: number, batch: number, threads: number) {
  const net = fusedNet(hidden, batch);
  net.setParams(paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10, seed: 3, weightInitStd: 0.1 })));
  await net.useThreads(threads);
  const random = new Random(11);
  const losses: number[] = [];
  const step = (): void => {
    losses.push(net.trainStep(train.images, train.labels, new Int32Array(batch).map(() => random.nextInt(train.count)), 0.5));
  };
  const inLine = (): number[] => [train, test].map((split) => net.countCorrect(split.images, split.labels, 0, split.count));
  const counts: number[][] = [];
  for (let s = 1; s <= 24; s++) {
    step();
    if (s === 14) {
      counts.push(inLine());
      const params = paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: hidden, outputSize: 10 }));
      net.getParams(params);
      net.setParams(params);
    }
    if (s !== 4 && s !== 12) continue;
    if (!net.startCounts([train, test])) {
      expect(threads, 'only a team of one counts in line').toBe(1);
      counts.push(inLine());
      continue;
    }
    expect(() => net.startCounts([train, test])).toThrow(/not taken/);
    if (s === 12) {
      step(); // alone, while the helpers count the first chunk
      counts.push(net.takeCounts(true) ?? []);
      s++;
      continue;
    }
    expect(net.takeCounts(), 'still counting').toBeNull();
    step(); // alone
    step();
    let taken: number[] | null;
    while ((taken = net.takeCounts()) === null) await sleep(1);
    counts.push(taken);
    s += 2;
  }
  expect(net.takeCounts(), 'all taken').toBeNull();
  const weights = weightBytes(net);
  await net.useThreads(1);
  return { losses, counts, weights };
}

describe('counts alongside the steps', () => {
  const big = blobSplit(23000, 12); // 3 chunks of at most 10,000 images, and a few ms to count
  const cases: [string, Split, Split, number, number][] = [
    ["the book's shape, a split of 3 chunks", big, noiseSplit(500, 13, 0.8), 50, 100],
    ['7 hidden (a ragged vector), batch 33', noiseSplit(3000, 2, 0.8), blobSplit(200, 3), 7, 33],
    ['3 hidden (a thread with no columns), batch 1', noiseSplit(2000, 3, 0.7), noiseSplit(100, 4, 0.7), 3, 1],
    ['100 hidden (several blocks a thread), batch 7', blobSplit(3000, 4), blobSplit(300, 5), 100, 7],
  ];
  for (const [what, train, test, hidden, batch] of cases) {
    it(`give the in-line counts of the weights as they were, and every step one thread's bits: ${what}`, async () => {
      const one = await countedAlongside(train, test, hidden, batch, 1);
      expect(one.counts).toHaveLength(3);
      expect(new Set(one.counts.map((c) => c.join())).size, 'the counts change as the net learns').toBeGreaterThan(1);
      for (const threads of [2, 3]) expect(await countedAlongside(train, test, hidden, batch, threads), `${threads} threads`).toEqual(one);
    });
  }

  it('survive a change of the thread count, and are dropped by release()', async () => {
    const split = blobSplit(3000, 6);
    const net = fusedNet(50, 10);
    net.setParams(paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 1 })));
    await net.useThreads(2);
    const expected = net.countCorrect(split.images, split.labels, 0, split.count);
    expect(net.startCounts([split])).toBe(true);
    await net.useThreads(3); // finishes them first
    expect(net.takeCounts()).toEqual([expected]);
    expect(net.startCounts([split])).toBe(true);
    await net.useThreads(1);
    net.release(); // never taken: dropped
    expect(net.takeCounts()).toBeNull();
  });
});

describe('a helper that fails', () => {
  /** A team of two with no net (descriptor 0): a helper given a command traps on what it reads. */
  async function teamOfTwo(): Promise<WasmTeam> {
    const arena = wasmArena();
    if (arena instanceof Error) throw arena;
    const team = new WasmTeam(arena, 0, (arena.alloc(TEAM_BYTES + 48) + 63) & ~63);
    await team.resize(2);
    return team;
  }

  it('is reported with its reason, never waited for forever, and the team still stops', async () => {
    const team = await teamOfTwo();
    const fields = team.fields();
    fields[TEAM.N] = 2;
    fields[TEAM.ACTIVE] = 2; // both threads step
    fields[TEAM.IDX] = 0x7fff0000; // the batch's image numbers, far past the memory's end
    for (const t of [0, 1]) fields[TEAM.SLOTS + t * TEAM.SLOT + TEAM.COL1] = 4; // 4 hidden columns each
    team.send(COMMAND.STEP); // thread 0 does not take part: the helper alone traps
    expect(() => team.quiesce()).toThrow(/a training helper thread failed: memory access out of bounds/);
    expect(team.failed).toBe(true);
    await team.stop();
    expect(team.threads).toBe(1);
  });

  it('while counting alongside is reported too: the team is never idle, and waiting for it throws', async () => {
    const team = await teamOfTwo();
    const fields = team.fields();
    fields[TEAM.CFROM] = 1; // the helper alone, as alongside a step
    fields[TEAM.CSTARTS] = 0x7fff0000; // the images' runs, far past the memory's end
    fields[TEAM.FIRST] = 0;
    fields[TEAM.END] = 2;
    team.send(COMMAND.COUNT);
    expect(() => team.quiesce()).toThrow(/a training helper thread failed: memory access out of bounds/);
    expect(team.idle()).toBe(false);
    await team.stop();
  });
});

describe('hiddenLayout', () => {
  it('is the units in order, padded to whole vectors, for one thread', () => {
    const layout = hiddenLayout(50, 1);
    expect(layout.width).toBe(52);
    expect(layout.runs).toEqual([[0, 52]]);
    expect([...layout.column]).toEqual([...Array(50).keys()]);
  });

  it("cuts the vectors into runs as equal as can be, each on its own cache lines, keeping the units' order", () => {
    expect(hiddenLayout(50, 2)).toMatchObject({ width: 64, runs: [[0, 24], [32, 60]] });
    for (const [hidden, threads] of [[50, 2], [50, 3], [7, 2], [3, 2], [100, 8], [1, 8]]) {
      const { width, runs, column } = hiddenLayout(hidden, threads);
      const sizes = runs.map(([a, b]) => b - a);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(Math.ceil(hidden / 4) * 4);
      for (const [a, b] of runs) {
        expect(a % 16).toBe(0);
        expect(b).toBeLessThanOrEqual(width);
      }
      for (let j = 1; j < hidden; j++) expect(column[j]).toBeGreaterThan(column[j - 1]);
      for (const c of column) expect(runs.some(([a, b]) => c >= a && c < b)).toBe(true);
    }
  });
});
