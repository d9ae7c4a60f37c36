/**
 * train() refuses inputs that do not fit before any step, one error naming the field, on both
 * backends alike (the wasm program used to train on labels the net has no class for, with a
 * negative loss, and to read past a split shorter than its count). And the library's smaller
 * pieces: BatchBuilder's bounds, accuracy's labels, empty batches, an EvalPool never closed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, Split } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/sources.js';
import { openEngine } from '../../src/engine/open-engine.js';
import { BatchBuilder } from '../../src/kernels/batches.js';
import { setBackend, type BackendName } from '../../src/kernels/backend.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import { decodeModel } from '../../src/model/model-decode.js';
import { Adam } from '../../src/optim/adam.js';
import type { OptimizerState } from '../../src/optim/optimizer.js';
import { SGD } from '../../src/optim/sgd.js';
import { SoftmaxWithLoss } from '../../src/layers/softmax-with-loss.js';
import { initialState, train, type TrainConfig, type TrainHooks, type TrainState } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { blobDataset } from './synthetic.js';

const config: TrainConfig = { hidden: [8], lr: 0.1, batchSize: 10, iterations: 5, weightInitStd: 0.01, seed: 3 };
const hooks: TrainHooks = { emit: () => {} };
const dataset = blobDataset(100, 20);

afterAll(() => setBackend('wasm'));

interface Case {
  name: string;
  /** Changes to the good inputs. */
  dataset?: (d: Dataset) => Dataset;
  config?: Partial<TrainConfig>;
  state?: (s: TrainState) => TrainState;
  outputSize?: number;
  hooks?: TrainHooks;
  threads?: number;
  error: string;
}

const withTrain = (d: Dataset, change: Partial<Split>): Dataset => ({ ...d, train: { ...d.train, ...change } });

const cases: Case[] = [
  { name: 'labels the net has no class for', outputSize: 5, error: 'train: dataset.train.labels[' },
  { name: 'a test label out of range', dataset: (d) => ({ ...d, test: { ...d.test, labels: d.test.labels.map((l, i) => (i === 7 ? 12 : l)) } }), error: 'train: dataset.test.labels[7] is 12, not a class of the network\'s 10 (0..9)' },
  { name: 'images of another size than the input', dataset: (d) => withTrain(d, { rows: 10, cols: 10 }), error: "train: dataset.train has 10 x 10 images, the network's inputSize is 784" },
  { name: 'fewer image bytes than count says', dataset: (d) => withTrain(d, { images: d.train.images.subarray(0, 784 * 50) }), error: 'train: dataset.train.images must be a Uint8Array of count x rows x cols = 78400 bytes, got 39200' },
  { name: 'fewer labels than count says', dataset: (d) => withTrain(d, { labels: d.train.labels.subarray(0, 99) }), error: 'train: dataset.train.labels must be a Uint8Array of count = 100 labels, got 99' },
  { name: 'an empty train split', dataset: (d) => withTrain(d, { count: 0 }), error: 'train: dataset.train.count must be an integer >= 1, got 0' },
  { name: 'a batch size of 0', config: { batchSize: 0 }, error: 'train: config.batchSize must be a positive integer, got 0' },
  { name: 'NaN iterations', config: { iterations: NaN }, error: 'train: config.iterations must be a positive integer, got NaN' },
  { name: 'fractional iterations', config: { iterations: 2.5 }, error: 'train: config.iterations must be a positive integer, got 2.5' },
  { name: 'a state already at the target', state: (s) => ({ ...s, iteration: 5 }), error: 'train: config.iterations (5) must be above state.iteration (5)' },
  { name: 'a fractional seed', config: { seed: 1.5 }, error: 'train: config: seed must be an integer from 0 to 4294967295, got 1.5' },
  { name: 'a NaN maxLoss', config: { maxLoss: NaN }, error: 'train: config.maxLoss must be a number > 0, got NaN' },
  { name: 'hidden sizes other than the state\'s', config: { hidden: [10] }, error: "train: config.hidden is 10 but the state's network and optimizer have 8" },
  { name: 'another optimizer than the state\'s', config: { optimizer: 'adam' }, error: "train: config.optimizer is adam but the state's network and optimizer have sgd" },
  { name: 'another lr than the state\'s', config: { lr: 0.5 }, error: "train: config.lr is 0.5 but the state's network and optimizer have 0.1" },
  { name: 'another dropout ratio than the state\'s', config: { useDropout: true, dropoutRatio: 0.5 }, state: (s) => ({ ...s, net: initialState({ ...config, useDropout: true, dropoutRatio: 0.2 }, 784).net }), error: "train: config.dropoutRatio is 0.5 but the state's network and optimizer have 0.2" },
  { name: 'no emit hook', hooks: {} as TrainHooks, error: 'train: hooks.emit must be a function' },
  { name: 'threads 0', threads: 0, error: 'train: options.threads must be a positive integer, got 0' },
  // A JavaScript caller's key in the book's spelling would otherwise be ignored.
  { name: 'a key it does not know', config: { batch_size: 10 } as Partial<TrainConfig>, error: "train: config: unknown option 'batch_size' (did you mean 'batchSize'?); the options are hidden, activation," },
];

for (const backend of ['js', 'wasm'] as BackendName[]) {
  describe(`train() on the ${backend} backend refuses, before any step`, () => {
    it.each(cases)('$name', async (c) => {
      setBackend(backend);
      const state = initialState(config, 784, c.outputSize ?? 10);
      const run = train(c.dataset?.(dataset) ?? dataset, { ...config, ...c.config }, c.state?.(state) ?? state, c.hooks ?? hooks, { threads: c.threads ?? 2 });
      await expect(run).rejects.toThrow(c.error);
      expect(state.net.iteration).toBe(0); // nothing trained
    });
  });
}

describe('the pieces under train()', () => {
  it('initialState refuses a seed that is not an integer from 0 to 2^32 - 1', () => {
    expect(() => initialState({ ...config, seed: -1 }, 784)).toThrow('initialState: config: seed must be an integer from 0 to 4294967295, got -1');
    expect(() => initialState({ ...config, seed: undefined as unknown as number }, 784)).toThrow('got undefined');
  });

  it('loadDataset names the limit that is wrong', () => {
    expect(() => loadDataset('mnist-lite', { trainLimit: '100' as unknown as number })).toThrow("loadDataset: trainLimit must be a positive integer, got the string '100'");
    expect(() => loadDataset('mnist-lite', { testLimit: 0 })).toThrow('loadDataset: testLimit must be a positive integer, got 0');
  });

  it("a net's params cannot be replaced (the layers would keep the old matrices): its data can", () => {
    const net = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [4], outputSize: 2, seed: 1 });
    const params: Record<string, Matrix> = net.params;
    expect(() => {
      params.W1 = Matrix.zeros(3, 4);
    }).toThrow(TypeError);
    expect(() => delete params.b1).toThrow(TypeError);
    net.params.W1.data.fill(0);
    expect(net.layers[0].kind === 'affine' && net.layers[0].layer.W.data.every((w) => w === 0)).toBe(true);
  });

  it('an optimizer says when a hyperparameter is a string, and what loadState expects', () => {
    expect(() => new SGD('0.1' as unknown as number)).toThrow("SGD: lr must be a finite number > 0, got the string '0.1'");
    expect(() => new Adam().loadState({} as OptimizerState)).toThrow('Adam.loadState: expected { scalars, tensors } as state() gives, got an object with no keys');
    expect(() => new Adam().loadState(null as unknown as OptimizerState)).toThrow('got null');
  });

  it('a missing t or model bytes is one TypeError saying what is missing', () => {
    const net = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [4], outputSize: 2, seed: 1 });
    expect(() => net.loss(Matrix.zeros(1, 3), undefined as unknown as number[])).toThrow('MultiLayerNet.loss: t must be the labels (an array of class indices) or a one-hot Matrix; it is missing');
    expect(() => new SoftmaxWithLoss().forward(Matrix.zeros(1, 2), 1 as unknown as number[])).toThrow(new TypeError('SoftmaxWithLoss: t must be the labels (an array of class indices) or a one-hot Matrix; got a number'));
    expect(() => decodeModel(undefined as unknown as Uint8Array, 'x')).toThrow('decodeModel: bytes must be a Uint8Array (a Buffer will do), got undefined');
  });

  it('a network needs two classes at least (one class: a softmax of 1, a loss of 0)', () => {
    expect(() => new MultiLayerNet({ inputSize: 3, hiddenSizeList: [4], outputSize: 1 })).toThrow('MultiLayerNet: outputSize must be at least 2');
    expect(new MultiLayerNet({ inputSize: 3, hiddenSizeList: [4], outputSize: 2 }).spec.outputSize).toBe(2);
  });

  it('BatchBuilder refuses examples outside its split and a capacity below 1', () => {
    const builder = new BatchBuilder(dataset.train, 5);
    expect(() => builder.range(98, 5)).toThrow("BatchBuilder: example 100 is not in the split's 0..99");
    expect(() => builder.gather([0, 1, 2, 3, -1])).toThrow('BatchBuilder: example -1 is not in');
    expect(() => builder.range(0, 6)).toThrow('BatchBuilder.range: 6 examples for a batch of 5');
    expect(() => new BatchBuilder(dataset.train, 0)).toThrow('BatchBuilder: capacity must be a positive integer, got 0');
    expect(builder.range(95, 5).t).toEqual(dataset.train.labels.subarray(95, 100));
  });

  it('accuracy checks its labels as loss does, and an empty batch is an error, not NaN', () => {
    setBackend('wasm');
    const net = new MultiLayerNet({ inputSize: 3, hiddenSizeList: [4], outputSize: 2, seed: 1 });
    const x = Matrix.fromArray([[1, 0, 0], [0, 1, 0]]);
    expect(() => net.accuracy(x, [NaN, 1])).toThrow('MultiLayerNet.accuracy: label NaN at row 0 is not a class in 0..1');
    expect(() => net.accuracy(x, [7, 1])).toThrow('label 7 at row 0');
    expect(() => net.accuracy(x, [1])).toThrow('2 rows but 1 labels');
    expect(() => net.loss(Matrix.zeros(0, 3), [])).toThrow('MultiLayerNet.loss: an empty batch (0 rows)');
    // More labels than rows (gradient(xBatch, tTrain)) is refused as fewer are.
    expect(() => net.loss(x, [1, 0, 1])).toThrow('MultiLayerNet.loss: 2 rows but 3 labels');
    expect(() => net.accuracy(x, [1, 0, 1])).toThrow('MultiLayerNet.accuracy: 2 rows but 3 labels');
    expect(() => net.accuracy(Matrix.zeros(0, 3), [])).toThrow('an empty batch (0 rows)');
    expect([0, 0.5, 1]).toContain(net.accuracy(x, [0, 1]));
  });

  it('the js engine starts no more counting threads than there are cores, as the wasm one', async () => {
    setBackend('js');
    const state = initialState(config, 784);
    const engine = await openEngine({ net: state.net, optimizer: state.optimizer, dataset, batchSize: 10, maxLoss: 100, threads: 64 });
    try {
      expect(engine.threads).toBe(Math.min(64, availableParallelism()));
    } finally {
      await engine.close();
    }
  });

  it('an EvalPool that is never closed does not keep the process alive', () => {
    const script = `
      import { EvalPool, loadDataset, MultiLayerNet } from ${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'dist', 'index.js')).href)};
      const dataset = loadDataset('mnist-lite', { trainLimit: 200, testLimit: 100 });
      const pool = new EvalPool(dataset, new MultiLayerNet({ inputSize: 784, hiddenSizeList: [10], outputSize: 10 }), 2);
      const { testAcc } = await pool.accuracies();
      console.log(testAcc >= 0 && testAcc <= 1 ? 'counted' : 'wrong');`;
    const file = join(mkdtempSync(join(tmpdir(), 'bp-train-pool-')), 'never-closed.mjs');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    rmSync(dirname(file), { recursive: true, force: true });
    expect([child.signal, child.status, child.stdout.trim()], child.stderr).toEqual([null, 0, 'counted']);
  });
});
