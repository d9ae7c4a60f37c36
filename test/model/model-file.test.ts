/**
 * Model files: a network of any depth, its batch norm statistics, its optimizer's state and the
 * metadata survive a save and load bit for bit; a file of format version 1 (written before
 * chapter 6, test/fixtures/model-v1-784-8-10.safetensors) still loads as a one-hidden-layer ReLU
 * net with SGD; the reader refuses models whose tensors do not fit the network or the optimizer;
 * and an independent reader, Python with NumPy (or only the struct module when NumPy is
 * missing), finds the same weights.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { Random } from '../../src/data/random.js';
import { decodeModel, encodeModel, loadModel, saveModel, type ModelMeta } from '../../src/model/model-file.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/model/safetensors.js';
import { PARAM_NAMES, TwoLayerNet } from '../../src/network/two-layer-net.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import { modelNetwork, modelOptimizer } from '../../src/model/model-file.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { Momentum } from '../../src/optim/momentum.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { Matrix } from '../../src/kernels/matrix.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleMeta(net: MultiLayerNet, optimizer: Optimizer = new SGD(0.1)): ModelMeta {
  return {
    formatVersion: 2,
    network: modelNetwork(net),
    optimizer: modelOptimizer(optimizer),
    training: { batchSize: 100, iterations: 1000, seed: 7, backend: 'js' },
    data: { source: 'mnist', trainLimit: 2000, testLimit: null },
    iteration: 600,
    accuracy: { iteration: 600, train: 0.91, test: 0.9 },
    samplerState: new Random(3).getState(),
    history: [{ epoch: 1, iteration: 600, loss: 0.5, trainAcc: 0.91, testAcc: 0.9 }],
  };
}

/** A net with every parameter (biases too) set to distinct values. */
function sampleNet(inputSize: number, hiddenSize: number): TwoLayerNet {
  const net = new TwoLayerNet({ inputSize, hiddenSize, outputSize: 10, seed: 5, weightInitStd: 0.5 });
  const r = new Random(9);
  for (const name of PARAM_NAMES) net.params[name].data.forEach((_, i, a) => (a[i] = r.nextGaussian()));
  return net;
}

function paramBytes(net: MultiLayerNet): Uint8Array[] {
  return net.plan.params.map((p) => new Uint8Array(net.params[p.name].data.buffer.slice(0)));
}

function expectDataError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a DataError');
}

describe('saveModel / loadModel', () => {
  it('round-trips the weights bit for bit and every metadata field', () => {
    const net = sampleNet(784, 7);
    const meta = sampleMeta(net);
    const file = join(dir, 'm.safetensors');
    saveModel(file, net, meta);
    const loaded = loadModel(file);
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
    expect(loaded.meta).toEqual(meta);
  });

  it('refuses metadata that does not describe the net: nothing is written, the old file stays', () => {
    const net = sampleNet(784, 7);
    const file = join(dir, 'kept.safetensors');
    saveModel(file, net, sampleMeta(net));
    const before = readFileSync(file);
    const meta = sampleMeta(net);
    expect(() => saveModel(file, net, { ...meta, network: { ...meta.network, weightDecayLambda: 0.1 } })).toThrow("encodeModel: meta.network.weightDecayLambda is 0.1 but the net's is 0");
    expect(() => saveModel(file, net, { ...meta, network: { ...meta.network, activation: 'tanh' } })).toThrow('encodeModel: meta does not describe a model that can be read back (not a bp-train model: ');
    expect(() => saveModel(file, net, { ...meta, network: { ...meta.network, hiddenSizeList: [8] } })).toThrow('encodeModel: meta does not describe a model that can be read back');
    expect(() => saveModel(file, net, {} as ModelMeta)).toThrow('encodeModel: meta does not describe a model that can be read back');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a float64 net rather than narrow its weights to float32 unsaid: nothing is written, the old file stays', () => {
    const file = join(dir, 'kept64.safetensors');
    const net = sampleNet(784, 7);
    saveModel(file, net, sampleMeta(net));
    const before = readFileSync(file);
    const wide = new TwoLayerNet({ inputSize: 784, hiddenSize: 7, outputSize: 10, seed: 5, dtype: 'float64' });
    expect(() => saveModel(file, wide, sampleMeta(wide))).toThrow(new RangeError("encodeModel: the net is float64; model files hold float32 weights (make the net with dtype 'float32' to save it)"));
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('says what the format cannot hold of a net (no hidden layer, a non-finite weight), not that the metadata is wrong', () => {
    const flat = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [], outputSize: 10 });
    expect(() => encodeModel(flat, sampleMeta(sampleNet(784, 7)))).toThrow(new RangeError('encodeModel: model files hold 1 to 64 hidden layers of at most 65536 units; this net\'s are []'));
    const net = sampleNet(784, 7);
    net.params.b2.data[3] = NaN;
    expect(() => encodeModel(net, sampleMeta(net))).toThrow(new RangeError('encodeModel: b2 holds NaN at index 3: a model file holds finite weights only (a diverged net is not saved)'));
  });

  it('stores biases as 1-D tensors [H] and the metadata as strings (plain format, JSON text elsewhere)', () => {
    const net = sampleNet(784, 7);
    const { tensors, metadata } = decodeSafetensors(encodeModel(net, sampleMeta(net)), 'x');
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({ W1: [784, 7], b1: [7], W2: [7, 10], b2: [10] });
    expect(metadata.format).toBe('bp-train');
    expect(metadata.format_version).toBe('2');
    expect(JSON.parse(metadata.network)).toEqual({
      inputSize: 784,
      hiddenSizeList: [7],
      outputSize: 10,
      activation: 'relu',
      weightInitStd: 0.5,
      weightDecayLambda: 0,
      useBatchnorm: false,
      useDropout: false,
      dropoutRatio: 0.5,
      layers: ['Affine1', 'Relu1', 'Affine2', 'SoftmaxWithLoss'],
    });
    expect(JSON.parse(metadata.optimizer)).toEqual({ name: 'sgd', hyper: { lr: 0.1 }, scalars: {} });
    expect(JSON.parse(metadata.sampler_state)).toEqual(new Random(3).getState());
  });

  it('accepts biases written as [1, H]', () => {
    const net = sampleNet(4, 3);
    const { tensors, metadata } = decodeSafetensors(encodeModel(net, sampleMeta(net)), 'x');
    tensors.b1.shape = [1, 3];
    const loaded = decodeModel(encodeSafetensors(tensors, metadata), 'x');
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
  });

  it('refuses tensors that do not fit the architecture, missing or extra tensors, F64 and non-finite weights', () => {
    const net = sampleNet(4, 3);
    const good = decodeSafetensors(encodeModel(net, sampleMeta(net)), 'x');
    const variant = (change: (t: Record<string, Tensor>, m: Record<string, string>) => void): Uint8Array => {
      const tensors = structuredClone(good.tensors);
      const metadata = { ...good.metadata };
      change(tensors, metadata);
      return encodeSafetensors(tensors, metadata);
    };
    expectDataError(() => decodeModel(variant((t) => delete t.b2), 'bad.st'), /^bad.st: .*tensor 'b2' is missing/);
    expectDataError(() => decodeModel(variant((t) => (t.extra = t.b2)), 'x'), /unexpected tensor 'extra'/);
    const network = (change: Record<string, unknown>) => (_: unknown, m: Record<string, string>) => (m.network = JSON.stringify({ ...JSON.parse(m.network), ...change }));
    expectDataError(() => decodeModel(variant(network({ hiddenSizeList: [5] })), 'x'), /tensor 'W1' has shape \[4, 3\], but the network \(4-5-10\) needs \[4, 5\]/);
    expectDataError(
      () => decodeModel(variant(network({ hiddenSizeList: [3, 3] })), 'x'),
      /'network' lists the layers Affine1, Relu1, Affine2, SoftmaxWithLoss, but its spec makes Affine1, Relu1, Affine2, Relu2, Affine3, SoftmaxWithLoss/,
    );
    expectDataError(() => decodeModel(variant(network({ activation: 'gelu' })), 'x'), /'network' is not \{inputSize, hiddenSizeList/);
    expectDataError(() => decodeModel(variant((t) => (t['optim.v.W9'] = t.W1)), 'x'), /optimizer tensor 'optim.v.W9' names no parameter of the network 4-3-10/);
    expectDataError(() => decodeModel(variant((t) => (t['optim.v.W1'] = t.W1)), 'x'), /does not fit sgd: unexpected tensor 'v.W1' \(expected none\)/);
    expectDataError(() => decodeModel(variant((_, m) => (m.format_version = '3')), 'x'), /written by a newer bp-train \(model format version 3; this one reads versions 1 to 2\)/);
    expectDataError(() => decodeModel(variant((t) => (t.W2 = { ...t.W2, dtype: 'F64', data: Float64Array.from(t.W2.data) })), 'x'), /'W2' is F64, expected F32/);
    expectDataError(() => decodeModel(variant((t) => (t.b1.data[1] = NaN)), 'x'), /'b1' holds a non-finite value \(NaN\) at index 1/);
  });

  it('refuses metadata that is missing, not JSON, of the wrong shape, or not from bp-train', () => {
    const net = sampleNet(4, 3);
    const good = decodeSafetensors(encodeModel(net, sampleMeta(net)), 'x');
    const withMeta = (key: string, value: string | undefined): Uint8Array => {
      const metadata = { ...good.metadata };
      if (value === undefined) delete metadata[key];
      else metadata[key] = value;
      return encodeSafetensors(good.tensors, metadata);
    };
    expectDataError(() => decodeModel(withMeta('format', 'pt'), 'x'), /format is "pt", expected "bp-train"/);
    expectDataError(() => decodeModel(withMeta('training', undefined), 'x'), /no 'training'/);
    expectDataError(() => decodeModel(withMeta('training', '{lr: 1}'), 'x'), /'training' is not JSON text/);
    expectDataError(() => decodeModel(withMeta('training', '{"lr": 0.1}'), 'x'), /'training' is not \{batchSize, iterations/);
    expectDataError(() => decodeModel(withMeta('optimizer', '{"name": "lion", "hyper": {}, "scalars": {}}'), 'x'), /'optimizer' is not \{name \(sgd, momentum/);
    expectDataError(() => decodeModel(withMeta('optimizer', '{"name": "sgd", "hyper": {"lr": 0.1, "beta1": 0.9}, "scalars": {}}'), 'x'), /optimizer sgd takes lr; got 'beta1'/);
    expectDataError(() => decodeModel(withMeta('sampler_state', '[1, 2, 3]'), 'x'), /four unsigned 32-bit/);
    expectDataError(() => decodeModel(withMeta('sampler_state', '[0, 0, 0, 0]'), 'x'), /all zeros/);
    expectDataError(() => decodeModel(withMeta('iteration', '5000'), 'x'), /past the run's target of 1000/);
    expectDataError(() => decodeModel(withMeta('history', '[{"epoch": 1}]'), 'x'), /'history' is not a list/);
  });

  it('round-trips a deep net with batch norm, its running statistics, its iteration and the Adam state bit for bit', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5, 4, 3], outputSize: 10, activation: 'tanh', weightInitStd: 'xavier', useBatchnorm: true, seed: 4 });
    const adam = new Adam(0.002, 0.8, 0.99);
    const r = new Random(1);
    const x = Matrix.zeros(7, 6);
    x.data.forEach((_, i, a) => (a[i] = r.nextGaussian()));
    const t = Int32Array.from({ length: 7 }, (_, i) => i % 10);
    for (let k = 0; k < 3; k++) adam.update(net.params, net.gradient(x, t)); // moves weights, statistics, slots and t
    const meta = { ...sampleMeta(net, adam), iteration: 3 };
    const bytes = encodeModel(net, meta, adam.state());
    const { tensors } = decodeSafetensors(bytes, 'x');
    expect(Object.keys(tensors)).toEqual([
      'W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3', 'gamma3', 'beta3', 'W4', 'b4',
      'running_mean1', 'running_var1', 'running_mean2', 'running_var2', 'running_mean3', 'running_var3',
      ...['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3', 'gamma3', 'beta3', 'W4', 'b4'].flatMap((p) => [`optim.m.${p}`, `optim.v.${p}`]),
    ]);
    expect(tensors['optim.m.W2'].shape).toEqual([5, 4]);
    expect(tensors['optim.v.gamma3'].shape).toEqual([3]);
    const loaded = decodeModel(bytes, 'x');
    expect(loaded.meta).toEqual(meta);
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
    for (const [name, m] of Object.entries(net.buffers)) expect(loaded.net.buffers[name].data, name).toEqual(m.data);
    expect(loaded.net.iteration).toBe(3);
    expect(loaded.net.spec).toEqual(net.spec);
    expect(loaded.optimizer.name).toBe('adam');
    expect(loaded.optimizer.hyper()).toEqual({ lr: 0.002, beta1: 0.8, beta2: 0.99 });
    expect(loaded.optimizer.state()).toEqual(adam.state());
    // and both continue bit for bit
    adam.update(net.params, net.gradient(x, t));
    loaded.optimizer.update(loaded.net.params, loaded.net.gradient(x, t));
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
  });

  it('with dropout, refuses metadata whose seed or iteration are not the net\'s (they draw a resumed run\'s masks)', () => {
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizeList: [5], outputSize: 10, useDropout: true, dropoutRatio: 0.3, seed: 4 });
    const r = new Random(2);
    const x = Matrix.zeros(4, 6);
    x.data.forEach((_, i, a) => (a[i] = r.nextGaussian()));
    for (let k = 0; k < 2; k++) net.gradient(x, [0, 1, 2, 3]);
    const meta = { ...sampleMeta(net), iteration: 2, training: { ...sampleMeta(net).training, seed: 4 } };
    expect(decodeModel(encodeModel(net, meta), 'x').net.iteration).toBe(2);
    expect(() => encodeModel(net, { ...meta, iteration: 0 })).toThrow("encodeModel: meta.iteration is 0 but the net's (its dropout masks') is 2");
    expect(() => encodeModel(net, { ...meta, training: { ...meta.training, seed: 77 } })).toThrow("encodeModel: meta.training.seed is 77 but the net's (its dropout masks') is 4");
  });

  it('refuses an optimizer state with slots for some parameters only', () => {
    const net = sampleNet(4, 3);
    const momentum = new Momentum(0.01, 0.9);
    const grads = Object.fromEntries(net.plan.params.map((p) => [p.name, Matrix.zeros(p.rows, p.cols)]));
    momentum.update(net.params, grads);
    const { tensors, metadata } = decodeSafetensors(encodeModel(net, sampleMeta(net, momentum), momentum.state()), 'x');
    expect(Object.keys(tensors).filter((k) => k.startsWith('optim.'))).toEqual(['optim.v.W1', 'optim.v.b1', 'optim.v.W2', 'optim.v.b2']);
    delete tensors['optim.v.b2'];
    expectDataError(() => decodeModel(encodeSafetensors(tensors, metadata), 'x'), /the optimizer's state has tensors for some parameters but none for b2/);
  });

  it('loads a file of format version 1, written before chapter 6, as a 784-8-10 ReLU net with SGD', () => {
    const file = join(import.meta.dirname, '../fixtures/model-v1-784-8-10.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(file), file);
    expect(metadata.format_version).toBeUndefined();
    const { net, optimizer, meta } = loadModel(file);
    expect(meta.formatVersion).toBe(1);
    expect(meta.network).toEqual({
      inputSize: 784,
      hiddenSizeList: [8],
      outputSize: 10,
      activation: 'relu',
      weightInitStd: 0.1,
      weightDecayLambda: 0,
      useBatchnorm: false,
      useDropout: false,
      dropoutRatio: 0.5,
      layers: ['Affine1', 'Relu1', 'Affine2', 'SoftmaxWithLoss'],
    });
    expect(meta.optimizer).toEqual({ name: 'sgd', hyper: { lr: 0.1 }, scalars: {} });
    expect(meta.training).toEqual({ batchSize: 50, iterations: 20, seed: 3, backend: 'wasm' });
    expect([meta.iteration, net.iteration]).toEqual([20, 20]);
    expect(optimizer.state()).toEqual({ scalars: {}, tensors: {} });
    for (const name of PARAM_NAMES) expect(net.params[name].data, name).toEqual(tensors[name].data);
  });

  it('names a missing file', () => {
    expectDataError(() => loadModel(join(dir, 'nope.safetensors')), /nope.safetensors: no such model file/);
  });
});

describe('an independent reader: Python', () => {
  const python = spawnSync('python3', ['-c', 'import struct, json'], { encoding: 'utf8' });
  // python3 is on the project's machines; without it this one test is skipped, not failed.
  it.skipIf(python.status !== 0)('finds the same tensors, shapes and metadata (NumPy if importable, else struct)', () => {
    const net = sampleNet(784, 5);
    const file = join(dir, 'py.safetensors');
    saveModel(file, net, sampleMeta(net));
    const script = `
import json, struct, sys
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__')
out = {'reader': None, 'tensors': {}, 'meta': meta}
try:
    import numpy as np
    out['reader'] = 'numpy ' + np.__version__
    for name, t in header.items():
        b, e = t['data_offsets']
        a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype='<f4').reshape(t['shape'])
        out['tensors'][name] = {'shape': list(a.shape), 'values': [float(v) for v in a.ravel()]}
except ImportError:
    out['reader'] = 'struct'
    for name, t in header.items():
        b, e = t['data_offsets']
        vals = struct.unpack('<%df' % ((e - b) // 4), raw[8 + n + b:8 + n + e])
        out['tensors'][name] = {'shape': t['shape'], 'values': list(vals)}
print(json.dumps(out))
`;
    const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as {
      reader: string;
      tensors: Record<string, { shape: number[]; values: number[] }>;
      meta: Record<string, string>;
    };
    console.log(`python reader: ${out.reader}`);
    expect(Object.keys(out.tensors).sort()).toEqual(['W1', 'W2', 'b1', 'b2']);
    for (const name of PARAM_NAMES) {
      const m = net.params[name];
      expect(out.tensors[name].shape).toEqual(name.startsWith('b') ? [m.cols] : [m.rows, m.cols]);
      // float32 -> Python float is exact, and JSON keeps every digit: equal means bit-equal.
      const mismatch = out.tensors[name].values.findIndex((v, i) => v !== m.data[i]);
      expect(mismatch, `${name}[${mismatch}]`).toBe(-1);
    }
    expect(JSON.parse(out.meta.network)).toMatchObject({ inputSize: 784, hiddenSizeList: [5], outputSize: 10 });
    expect(out.meta.format).toBe('bp-train');
  });
});
