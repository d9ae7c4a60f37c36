/**
 * A trained TwoLayerNet as a safetensors file: the tensors W1 [D, H], b1 [H], W2 [H, C],
 * b2 [C] in float32 (biases are 1-D, as in the book's NumPy code and in PyTorch; [1, H] is
 * accepted when reading), and in "__metadata__" everything needed to evaluate the model or
 * resume its training exactly.
 *
 * Metadata values are strings, as the format requires: `format` ("bp-train") and
 * `bp_train_version` are plain text; every other value is JSON text (ModelMeta below).
 * Reading checks all of it; anything malformed is a DataError naming the file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from '../data/data-error.js';
import type { RandomState } from '../data/random.js';
import { PARAM_NAMES, TwoLayerNet, type ParamName } from '../network/two-layer-net.js';
import { writeFileAtomic } from '../io/write-file.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { readMeta, type ModelMeta } from './model-meta.js';

export type { ModelMeta, EpochRecord } from './model-meta.js';

export const MODEL_FORMAT = 'bp-train';
export const BP_TRAIN_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Throws DataError when images of `pixels` pixels (from `source`) do not fit the model's input. */
export function checkModelInput(file: string, meta: ModelMeta, pixels: number, source: string): void {
  if (pixels !== meta.architecture.inputSize) {
    throw new DataError(file, `the model takes ${meta.architecture.inputSize} inputs, but ${source} images have ${pixels} pixels`);
  }
}

/** The file's bytes: tensors W1, b1, W2, b2 (float32) and the metadata. */
export function encodeModel(net: TwoLayerNet, meta: ModelMeta): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const name of PARAM_NAMES) {
    const m = net.params[name];
    const shape = name.startsWith('b') ? [m.cols] : [m.rows, m.cols];
    tensors[name] = { dtype: 'F32', shape, data: m.data };
  }
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    bp_train_version: BP_TRAIN_VERSION,
    architecture: JSON.stringify(meta.architecture),
    training: JSON.stringify(meta.training),
    data: JSON.stringify(meta.data),
    iteration: JSON.stringify(meta.iteration),
    accuracy: JSON.stringify(meta.accuracy),
    sampler_state: JSON.stringify(meta.samplerState),
    history: JSON.stringify(meta.history),
  };
  return encodeSafetensors(tensors, metadata);
}

/**
 * Writes the model atomically (temporary name + rename): readers never see half a file.
 * @throws WriteError (disk full, read-only...), the file that was there left unchanged.
 */
export function saveModel(file: string, net: TwoLayerNet, meta: ModelMeta): void {
  writeFileAtomic(file, encodeModel(net, meta));
}

/** Reads and validates a model file. @throws DataError when it is missing or malformed. */
export function loadModel(file: string): { net: TwoLayerNet; meta: ModelMeta } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? 'no such model file' : `cannot read the model file (${code ?? String(err)})`);
  }
  return decodeModel(bytes, file);
}

/** The network and metadata in a model file's bytes; `file` names it in errors. */
export function decodeModel(bytes: Uint8Array, file: string): { net: TwoLayerNet; meta: ModelMeta } {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const fail = (problem: string): never => {
    throw new DataError(file, `not a bp-train model: ${problem}`);
  };
  if (metadata.format !== MODEL_FORMAT) fail(`__metadata__ format is ${JSON.stringify(metadata.format)}, expected "${MODEL_FORMAT}"`);
  const meta = readMeta(metadata, fail);
  const { inputSize: D, hiddenSize: H, outputSize: C } = meta.architecture;
  const expected: Record<ParamName, number[]> = { W1: [D, H], b1: [H], W2: [H, C], b2: [C] };
  for (const name of Object.keys(tensors)) {
    if (!(PARAM_NAMES as readonly string[]).includes(name)) fail(`unexpected tensor '${name}' (expected ${PARAM_NAMES.join(', ')})`);
  }
  for (const name of PARAM_NAMES) {
    const t = tensors[name];
    if (t === undefined) return fail(`tensor '${name}' is missing`);
    const want = expected[name];
    const shape = t.shape.length === 2 && want.length === 1 && t.shape[0] === 1 ? [t.shape[1]] : t.shape;
    if (shape.join(',') !== want.join(',')) {
      fail(`tensor '${name}' has shape [${t.shape.join(', ')}], but the architecture (${D}-${H}-${C}) needs [${want.join(', ')}]`);
    }
    if (t.dtype !== 'F32') fail(`tensor '${name}' is ${t.dtype}, expected F32`);
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`tensor '${name}' holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  }
  // Only now, with every shape backed by bytes in the file, is it safe to allocate the net.
  const net = new TwoLayerNet({ inputSize: D, hiddenSize: H, outputSize: C, weightInitStd: meta.training.weightInitStd, seed: meta.training.seed });
  for (const name of PARAM_NAMES) net.params[name].data.set(tensors[name].data);
  return { net, meta };
}

export type { RandomState };
