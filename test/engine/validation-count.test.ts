/**
 * The validation split as a third split the measurers count (Dataset.validation): the wasm
 * program's TeamMeasurer in line and alongside, and the layers' EvalPool with and without
 * workers, all give the validation accuracy a one-thread count gives, beside train and test.
 *
 * Needs `npm run build` (build/simd.wasm, and dist/ for the helper threads and workers).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { withValidation } from '../../src/data/validation-split.js';
import { EvalPool } from '../../src/engine/eval-pool.js';
import { TeamMeasurer } from '../../src/engine/team-measurer.js';
import { paramArrays, WasmProgram } from '../../src/engine/wasm-program.js';
import { setBackend } from '../../src/kernels/backend.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import { blobDataset } from '../train/synthetic.js';

let dataset: Dataset;
let program: WasmProgram | null = null;
beforeAll(() => {
  setBackend('wasm');
  dataset = withValidation(blobDataset(12000, 2000), 0.25, 9); // 9,000 train / 2,000 test / 3,000 validation
});
afterEach(async () => {
  await program?.release();
  program = null;
});

const net = (): MultiLayerNet => new MultiLayerNet({ inputSize: 784, hiddenSizeList: [40], outputSize: 10, weightInitStd: 0.1, seed: 4 });

describe('the validation split, counted', () => {
  it('by the wasm program: in line and alongside, the same accuracies', async () => {
    program = new WasmProgram({ inputSize: 784, hiddenSizeList: [40], outputSize: 10, maxBatch: 10 });
    program.setParams(paramArrays(net()));
    await program.useThreads(2);
    const team = new TeamMeasurer(program, dataset);
    const inLine = await team.accuracies();
    expect(inLine.valAcc).toBeDefined();
    expect(Number.isInteger(inLine.valAcc! * 3000)).toBe(true);
    const alongside = team.accuracies(undefined, true);
    alongside.catch(() => {}); // awaited below; handled meanwhile
    await sleep(200);
    expect(await alongside).toEqual(inLine);
  });

  it('by the layers: this thread alone and two workers, the same accuracies', async () => {
    const n = net();
    const alone = new EvalPool(dataset, n, 1);
    const pool = new EvalPool(dataset, n, 3);
    try {
      const one = await alone.accuracies();
      expect(await pool.accuracies()).toEqual(one);
      expect(one.valAcc).toBeGreaterThan(0);
    } finally {
      await Promise.all([alone.close(), pool.close()]);
    }
  });
});
