/**
 * The js engine (src/engine/js-engine.ts): MultiLayerNet and an optimizer trained in place.
 * Its steps are the reference's own (gradient, then update) bit for bit, for a deep net with
 * batch norm, dropout and Adam; a step above maxLoss changes nothing at all; and its
 * measurements (in line, or by 1 and 2 workers alongside, with the running statistics sent)
 * give the same accuracies, those of the weights at the call.
 *
 * Needs `npm run build` (dist/ for the evaluation worker threads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchBuilder } from '../../src/kernels/batches.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { setBackend } from '../../src/kernels/backend.js';
import { MultiLayerNet, type MultiLayerNetOptions } from '../../src/network/multi-layer-net.js';
import { Adam } from '../../src/optim/adam.js';
import { JsEngine } from '../../src/engine/js-engine.js';
import type { Accuracies } from '../../src/engine/engine.js';
import { blobDataset } from '../train/synthetic.js';

const OPTIONS: MultiLayerNetOptions = {
  inputSize: 784,
  hiddenSizeList: [20, 12],
  outputSize: 10,
  activation: 'relu',
  weightInitStd: 'he',
  useBatchnorm: true,
  useDropout: true,
  dropoutRatio: 0.2,
  seed: 6,
};
const BATCH = 25;

let dataset: Dataset;
beforeAll(() => {
  setBackend('js');
  dataset = blobDataset(600, 300);
});
afterAll(() => {
  setBackend('wasm');
});

const copies = (record: Record<string, { data: Float32Array | Float64Array }>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(record).map(([k, m]) => [k, Array.from(m.data)]));

function rowsOf(random: Random): Int32Array {
  return Int32Array.from({ length: BATCH }, () => random.nextInt(dataset.train.count));
}

describe('JsEngine', () => {
  it('steps exactly as the reference does: gather the rows, gradient (train mode), Adam update', async () => {
    const net = new MultiLayerNet(OPTIONS);
    const adam = new Adam(0.005);
    const engine = new JsEngine({ net, optimizer: adam, dataset, batchSize: BATCH, maxLoss: Infinity, threads: 1 });
    const reference = new MultiLayerNet(OPTIONS);
    const referenceAdam = new Adam(0.005);
    const batch = new BatchBuilder(dataset.train, BATCH);
    const random = new Random(3);
    try {
      for (let k = 0; k < 12; k++) {
        const rows = rowsOf(random);
        const loss = engine.step(rows);
        const grads = reference.gradient(batch.gather(rows), batch.t);
        referenceAdam.update(reference.params, grads);
        expect(loss, `step ${k + 1}`).toBe(grads.loss);
      }
    } finally {
      await engine.close();
    }
    expect(copies(net.params)).toEqual(copies(reference.params));
    expect(copies(net.buffers)).toEqual(copies(reference.buffers));
    expect(net.iteration).toBe(12);
    expect(adam.state()).toEqual(referenceAdam.state());
  });

  it('changes nothing when the loss is above maxLoss: weights, running statistics, dropout iteration, optimizer state', async () => {
    const net = new MultiLayerNet(OPTIONS);
    const adam = new Adam();
    const engine = new JsEngine({ net, optimizer: adam, dataset, batchSize: BATCH, maxLoss: Infinity, threads: 1 });
    const random = new Random(4);
    engine.step(rowsOf(random)); // some state to keep
    const strict = new JsEngine({ net, optimizer: adam, dataset, batchSize: BATCH, maxLoss: 0, threads: 1 });
    const before = { params: copies(net.params), buffers: copies(net.buffers), iteration: net.iteration, adam: adam.state() };
    try {
      const loss = strict.step(rowsOf(random));
      expect(loss).toBeGreaterThan(0);
      expect({ params: copies(net.params), buffers: copies(net.buffers), iteration: net.iteration, adam: adam.state() }).toEqual(before);
    } finally {
      await engine.close();
      await strict.close();
    }
  });

  it('measures the weights of the call, in line or by workers alongside, with the same accuracies for 1, 2 and 3 threads', async () => {
    const trained = new MultiLayerNet(OPTIONS);
    const trainer = new JsEngine({ net: trained, optimizer: new Adam(0.01), dataset, batchSize: BATCH, maxLoss: Infinity, threads: 1 });
    const random = new Random(5);
    for (let k = 0; k < 30; k++) trainer.step(rowsOf(random));
    const inLine = await trainer.measure({ alongside: true }).accuracies; // one thread: in line
    await trainer.close();
    expect(inLine.trainAcc).toBeGreaterThan(0.3);

    const results: Accuracies[] = [];
    for (const threads of [1, 2, 3]) {
      const net = new MultiLayerNet(OPTIONS);
      for (const [name, m] of Object.entries(trained.params)) net.params[name].data.set(m.data);
      for (const [name, m] of Object.entries(trained.buffers)) net.buffers[name].data.set(m.data);
      const engine = new JsEngine({ net, optimizer: new Adam(0.01), dataset, batchSize: BATCH, maxLoss: Infinity, threads });
      try {
        const measurement = engine.measure({ alongside: true });
        expect(measurement.alongside).toBe(threads > 1);
        if (measurement.alongside) {
          // Training goes on at once: the workers have their copy already.
          for (let k = 0; k < 5; k++) engine.step(rowsOf(random));
        }
        results.push(await measurement.accuracies);
        expect(measurement.settled).toBe(true);
        expect(engine.measure({ alongside: false }).alongside).toBe(false);
      } finally {
        await engine.close();
      }
    }
    expect(results).toEqual([inLine, inLine, inLine]);
  });
});
