/**
 * A trained network as a safetensors file, in float32:
 *   W1 [n0, n1], b1 [n1], ..., WL, bL    the parameters, in the plan's order (plan.ts), with
 *   gamma_k [n_k], beta_k [n_k]          batch norm's parameters after W_k, b_k when it has them,
 *   running_mean_k, running_var_k [n_k]  and its running statistics,
 *   optim.<slot>.<param>                 the optimizer's state tensors (optim.v.W1, optim.m.b2:
 *                                        Momentum's v, Adam's m and v, ...; SGD has none), shaped
 *                                        like their parameter.
 * Biases and the other vectors are 1-D, as in the book's NumPy code and in PyTorch ([1, n] is
 * accepted when reading). In "__metadata__" everything needed to evaluate the model or resume
 * its training exactly (model-meta.ts): the format version, the network (the NetSpec and its
 * layer names), the optimizer with its hyperparameters and scalar state (Adam's t), the data,
 * the sampler's state and the history. The dropout masks' iteration is the run's iteration.
 *
 * Files of format version 1 (bp-train before chapter 6: W1, b1, W2, b2 of a TwoLayerNet trained
 * with SGD) still load, as a one-hidden-layer ReLU net with SGD.
 *
 * Metadata values are strings, as the format requires: `format` ("bp-train"), `format_version`
 * and `bp_train_version` are plain text; every other value is JSON text (ModelMeta).
 * Reading checks all of it; anything malformed is a DataError naming the file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from '../data/data-error.js';
import type { RandomState } from '../data/random.js';
import { MultiLayerNet } from '../network/multi-layer-net.js';
import { planNet, type NetPlan } from '../network/plan.js';
import { resolveSpec, type NetSpec } from '../network/spec.js';
import { makeOptimizer } from '../optim/make-optimizer.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { writeFileAtomic } from '../io/write-file.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { MODEL_FORMAT_VERSION, readMeta, type ModelMeta, type ModelNetwork, type ModelOptimizer } from './model-meta.js';

export type { ModelMeta, ModelNetwork, ModelOptimizer, EpochRecord } from './model-meta.js';

export const MODEL_FORMAT = 'bp-train';
export const BP_TRAIN_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The prefix of the optimizer's state tensors. */
export const OPTIM_PREFIX = 'optim.';

/** What a model file holds: the net (with its buffers and iteration), the optimizer with its state, and the metadata. */
export interface Model {
  net: MultiLayerNet;
  optimizer: Optimizer;
  meta: ModelMeta;
}

/** Throws DataError when images of `pixels` pixels (from `source`) do not fit the model's input. */
export function checkModelInput(file: string, meta: ModelMeta, pixels: number, source: string): void {
  if (pixels !== meta.network.inputSize) {
    throw new DataError(file, `the model takes ${meta.network.inputSize} inputs, but ${source} images have ${pixels} pixels`);
  }
}

/** The file's network entry for a net: its spec, weight decay and layer names. */
export function modelNetwork(net: MultiLayerNet): ModelNetwork {
  const { spec } = net;
  return {
    inputSize: spec.inputSize,
    hiddenSizeList: [...spec.hiddenSizeList],
    outputSize: spec.outputSize,
    activation: spec.activation,
    weightInitStd: spec.weightInitStd,
    weightDecayLambda: net.weightDecayLambda,
    useBatchnorm: spec.useBatchnorm,
    useDropout: spec.useDropout,
    dropoutRatio: spec.dropoutRatio,
    layers: net.plan.layers.map((l) => l.name),
  };
}

/** The file's optimizer entry: name, hyperparameters and scalar state. */
export function modelOptimizer(optimizer: Optimizer): ModelOptimizer {
  return { name: optimizer.name, hyper: optimizer.hyper(), scalars: optimizer.state().scalars };
}

/**
 * The file's bytes: the net's tensors, the optimizer's (`optimizer` gives its state tensors;
 * meta.optimizer its name, hyperparameters and scalars) and the metadata.
 */
export function encodeModel(net: MultiLayerNet, meta: ModelMeta, optimizer?: OptimizerState): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const add = (name: string, rows: number, cols: number, data: Float32Array | Float64Array): void => {
    tensors[name] = { dtype: 'F32', shape: rows === 1 ? [cols] : [rows, cols], data };
  };
  const params: Record<string, { data: Float32Array | Float64Array }> = net.params;
  for (const p of net.plan.params) add(p.name, p.rows, p.cols, params[p.name].data);
  for (const b of net.plan.buffers) add(b.name, b.rows, b.cols, net.buffers[b.name].data);
  const shapes = new Map(net.plan.params.map((p) => [p.name, p]));
  for (const [key, data] of Object.entries(optimizer?.tensors ?? {})) {
    const p = shapes.get(key.slice(key.indexOf('.') + 1));
    if (p === undefined) throw new RangeError(`encodeModel: optimizer tensor '${key}' names no parameter of the net`);
    add(`${OPTIM_PREFIX}${key}`, p.rows, p.cols, data);
  }
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: String(MODEL_FORMAT_VERSION),
    bp_train_version: BP_TRAIN_VERSION,
    network: JSON.stringify(meta.network),
    optimizer: JSON.stringify(meta.optimizer),
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
export function saveModel(file: string, net: MultiLayerNet, meta: ModelMeta, optimizer?: OptimizerState): void {
  writeFileAtomic(file, encodeModel(net, meta, optimizer));
}

/** Reads and validates a model file. @throws DataError when it is missing or malformed. */
export function loadModel(file: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? 'no such model file' : `cannot read the model file (${code ?? String(err)})`);
  }
  return decodeModel(bytes, file);
}

/** The network, optimizer and metadata in a model file's bytes; `file` names it in errors. */
export function decodeModel(bytes: Uint8Array, file: string): Model {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const fail = (problem: string): never => {
    throw new DataError(file, `not a bp-train model: ${problem}`);
  };
  if (metadata.format !== MODEL_FORMAT) fail(`__metadata__ format is ${JSON.stringify(metadata.format)}, expected "${MODEL_FORMAT}"`);
  const meta = readMeta(metadata, fail);
  const { network } = meta;
  const spec: NetSpec = { ...network, hiddenSizeList: network.hiddenSizeList };
  let plan: NetPlan;
  try {
    plan = planNet(resolveSpec(spec, 'network'));
  } catch (err) {
    return fail(`__metadata__ 'network' ${(err as Error).message.replace(/^network: /, '')}`);
  }
  const names = plan.layers.map((l) => l.name);
  if (names.join(',') !== network.layers.join(',')) {
    fail(`__metadata__ 'network' lists the layers ${network.layers.join(', ')}, but its spec makes ${names.join(', ')}`);
  }
  const optimizer = makeOptimizerOf(meta.optimizer, fail);
  const sizes = plan.sizes.join('-');

  // Every tensor must be one the net or its optimizer has, of the right shape, F32 and finite.
  const expected = new Map<string, number[]>();
  for (const e of [...plan.params, ...plan.buffers]) expected.set(e.name, e.rows === 1 ? [e.cols] : [e.rows, e.cols]);
  const slotTensors: Record<string, Float32Array | Float64Array> = {};
  const slotParams = new Set<string>();
  for (const name of Object.keys(tensors)) {
    if (name.startsWith(OPTIM_PREFIX)) {
      const key = name.slice(OPTIM_PREFIX.length);
      const param = plan.params.find((p) => key.slice(key.indexOf('.') + 1) === p.name);
      if (param === undefined || key.indexOf('.') < 1) return fail(`optimizer tensor '${name}' names no parameter of the network ${sizes}`);
      expected.set(name, param.rows === 1 ? [param.cols] : [param.rows, param.cols]);
      slotTensors[key] = tensors[name].data;
      slotParams.add(param.name);
    } else if (!expected.has(name)) {
      fail(`unexpected tensor '${name}' (the network ${sizes} has ${[...expected.keys()].join(', ')})`);
    }
  }
  for (const [name, want] of expected) {
    const t = tensors[name];
    if (t === undefined) return fail(`tensor '${name}' is missing`);
    const shape = t.shape.length === 2 && want.length === 1 && t.shape[0] === 1 ? [t.shape[1]] : t.shape;
    if (shape.join(',') !== want.join(',')) {
      fail(`tensor '${name}' has shape [${t.shape.join(', ')}], but the network (${sizes}) needs [${want.join(', ')}]`);
    }
    if (t.dtype !== 'F32') fail(`tensor '${name}' is ${t.dtype}, expected F32`);
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`tensor '${name}' holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  }
  try {
    optimizer.loadState({ scalars: meta.optimizer.scalars, tensors: slotTensors });
  } catch (err) {
    fail(`the optimizer's state does not fit ${meta.optimizer.name}: ${(err as Error).message.replace(/^\w+\.loadState: /, '')}`);
  }
  // The optimizer's slots: every parameter has them, or none has (no update yet).
  if (slotParams.size > 0 && slotParams.size !== plan.params.length) {
    const missing = plan.params.filter((p) => !slotParams.has(p.name)).map((p) => p.name);
    fail(`the optimizer's state has tensors for some parameters but none for ${missing.join(', ')}`);
  }
  // Only now, with every shape backed by bytes in the file, is it safe to allocate the net.
  const net = new MultiLayerNet({ ...spec, weightDecayLambda: network.weightDecayLambda, seed: meta.training.seed });
  const params: Record<string, { data: Float32Array | Float64Array }> = net.params;
  for (const p of plan.params) params[p.name].data.set(tensors[p.name].data);
  for (const b of plan.buffers) net.buffers[b.name].data.set(tensors[b.name].data);
  net.iteration = meta.iteration;
  return { net, optimizer, meta };
}

function makeOptimizerOf(entry: ModelOptimizer, fail: (problem: string) => never): Optimizer {
  try {
    return makeOptimizer(entry.name, entry.hyper);
  } catch (err) {
    return fail(`__metadata__ 'optimizer': ${(err as Error).message}`);
  }
}

export type { RandomState };
