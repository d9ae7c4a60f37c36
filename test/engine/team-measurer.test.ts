/**
 * TeamMeasurer (src/engine/team-measurer.ts): the wasm program's accuracies, in line or counted by
 * the helpers alongside; the same numbers either way, and counts in line for good once a count
 * alongside was still running when the trainer had to wait for it.
 *
 * Needs `npm run build` (build/simd.wasm, and dist/ for the helper threads).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { setBackend } from '../../src/kernels/backend.js';
import { TwoLayerNet } from '../../src/network/two-layer-net.js';
import { paramArrays, WasmProgram } from '../../src/engine/wasm-program.js';
import { TeamMeasurer } from '../../src/engine/team-measurer.js';
import { blobDataset } from '../train/synthetic.js';

let dataset: Dataset;
let net: WasmProgram | null = null;
beforeAll(() => {
  setBackend('wasm');
  dataset = blobDataset(20000, 2000); // 22,000 images: milliseconds to count on one helper
});
afterEach(async () => {
  await net?.release();
  net = null;
});

async function measurer(threads: number): Promise<TeamMeasurer> {
  net = new WasmProgram({ inputSize: 784, hiddenSizeList: [50], outputSize: 10, maxBatch: 10 });
  net.setParams(paramArrays(new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 4, weightInitStd: 0.1 })));
  await net.useThreads(threads);
  return new TeamMeasurer(net, dataset);
}

describe('TeamMeasurer', () => {
  it('counts alongside what it counts in line, and goes on counting alongside while counts end in time', async () => {
    const team = await measurer(2);
    expect(team.countsAlongside).toBe(true);
    const inLine = await team.accuracies(); // by both threads
    expect(inLine.trainAcc).toBeGreaterThan(0.05);
    const measured = team.accuracies(undefined, true);
    measured.catch(() => {}); // awaited below; handled meanwhile
    await sleep(200); // the poll timer finds the count done
    expect(await measured).toEqual(inLine);
    expect(team.countsAlongside).toBe(true);
  });

  it('finishes a count the caller waits for with every thread, and counts in line from then on', async () => {
    const team = await measurer(2);
    const inLine = await team.accuracies();
    const measured = team.accuracies(undefined, true);
    team.finish(); // at once: the helper has not counted a chunk yet
    expect(await measured).toEqual(inLine);
    expect(team.countsAlongside, 'a count outlasted its epoch').toBe(false);
  });

  it('never counts alongside with one thread', async () => {
    const team = await measurer(1);
    expect(team.countsAlongside).toBe(false);
    const inLine = await team.accuracies();
    expect(await team.accuracies(undefined, true)).toEqual(inLine);
  });
});
