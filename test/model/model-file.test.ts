/**
 * Model files: the TwoLayerNet and its metadata survive a save and load bit for bit; the
 * reader refuses models whose tensors do not fit the architecture; and an independent reader,
 * Python with NumPy (or only the struct module when NumPy is missing), finds the same weights.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { Random } from '../../src/data/random.js';
import { decodeModel, encodeModel, loadModel, saveModel, type ModelMeta } from '../../src/model/model-file.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/model/safetensors.js';
import { PARAM_NAMES, TwoLayerNet } from '../../src/network/two-layer-net.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleMeta(inputSize: number, hiddenSize: number, outputSize = 10): ModelMeta {
  return {
    architecture: { inputSize, hiddenSize, outputSize },
    training: { lr: 0.1, batchSize: 100, iterations: 1000, weightInitStd: 0.01, seed: 7, backend: 'js' },
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

function paramBytes(net: TwoLayerNet): Uint8Array[] {
  return PARAM_NAMES.map((n) => new Uint8Array(net.params[n].data.buffer.slice(0)));
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
    const meta = sampleMeta(784, 7);
    const file = join(dir, 'm.safetensors');
    saveModel(file, net, meta);
    const loaded = loadModel(file);
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
    expect(loaded.meta).toEqual(meta);
  });

  it('stores biases as 1-D tensors [H] and the metadata as strings (plain format, JSON text elsewhere)', () => {
    const { tensors, metadata } = decodeSafetensors(encodeModel(sampleNet(784, 7), sampleMeta(784, 7)), 'x');
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({ W1: [784, 7], b1: [7], W2: [7, 10], b2: [10] });
    expect(metadata.format).toBe('bp-train');
    expect(JSON.parse(metadata.architecture)).toEqual({ inputSize: 784, hiddenSize: 7, outputSize: 10 });
    expect(JSON.parse(metadata.sampler_state)).toEqual(new Random(3).getState());
  });

  it('accepts biases written as [1, H]', () => {
    const net = sampleNet(4, 3);
    const { tensors, metadata } = decodeSafetensors(encodeModel(net, sampleMeta(4, 3)), 'x');
    tensors.b1.shape = [1, 3];
    const loaded = decodeModel(encodeSafetensors(tensors, metadata), 'x');
    expect(paramBytes(loaded.net)).toEqual(paramBytes(net));
  });

  it('refuses tensors that do not fit the architecture, missing or extra tensors, F64 and non-finite weights', () => {
    const good = decodeSafetensors(encodeModel(sampleNet(4, 3), sampleMeta(4, 3)), 'x');
    const variant = (change: (t: Record<string, Tensor>, m: Record<string, string>) => void): Uint8Array => {
      const tensors = structuredClone(good.tensors);
      const metadata = { ...good.metadata };
      change(tensors, metadata);
      return encodeSafetensors(tensors, metadata);
    };
    expectDataError(() => decodeModel(variant((t) => delete t.b2), 'bad.st'), /^bad.st: .*tensor 'b2' is missing/);
    expectDataError(() => decodeModel(variant((t) => (t.extra = t.b2)), 'x'), /unexpected tensor 'extra'/);
    expectDataError(
      () => decodeModel(variant((_, m) => (m.architecture = JSON.stringify({ inputSize: 4, hiddenSize: 5, outputSize: 10 }))), 'x'),
      /tensor 'W1' has shape \[4, 3\], but the architecture \(4-5-10\) needs \[4, 5\]/,
    );
    expectDataError(() => decodeModel(variant((t) => (t.W2 = { ...t.W2, dtype: 'F64', data: Float64Array.from(t.W2.data) })), 'x'), /'W2' is F64, expected F32/);
    expectDataError(() => decodeModel(variant((t) => (t.b1.data[1] = NaN)), 'x'), /'b1' holds a non-finite value \(NaN\) at index 1/);
  });

  it('refuses metadata that is missing, not JSON, of the wrong shape, or not from bp-train', () => {
    const good = decodeSafetensors(encodeModel(sampleNet(4, 3), sampleMeta(4, 3)), 'x');
    const withMeta = (key: string, value: string | undefined): Uint8Array => {
      const metadata = { ...good.metadata };
      if (value === undefined) delete metadata[key];
      else metadata[key] = value;
      return encodeSafetensors(good.tensors, metadata);
    };
    expectDataError(() => decodeModel(withMeta('format', 'pt'), 'x'), /format is "pt", expected "bp-train"/);
    expectDataError(() => decodeModel(withMeta('training', undefined), 'x'), /no 'training'/);
    expectDataError(() => decodeModel(withMeta('training', '{lr: 1}'), 'x'), /'training' is not JSON text/);
    expectDataError(() => decodeModel(withMeta('training', '{"lr": 0.1}'), 'x'), /'training' is not \{lr, batchSize/);
    expectDataError(() => decodeModel(withMeta('sampler_state', '[1, 2, 3]'), 'x'), /four unsigned 32-bit/);
    expectDataError(() => decodeModel(withMeta('sampler_state', '[0, 0, 0, 0]'), 'x'), /all zeros/);
    expectDataError(() => decodeModel(withMeta('iteration', '5000'), 'x'), /past the run's target of 1000/);
    expectDataError(() => decodeModel(withMeta('history', '[{"epoch": 1}]'), 'x'), /'history' is not a list/);
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
    saveModel(file, net, sampleMeta(784, 5));
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
    expect(JSON.parse(out.meta.architecture)).toEqual({ inputSize: 784, hiddenSize: 5, outputSize: 10 });
    expect(out.meta.format).toBe('bp-train');
  });
});
