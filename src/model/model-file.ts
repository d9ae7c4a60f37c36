/**
 * A trained network as a safetensors file, in float32:
 *   W1 [n0, n1], b1 [n1], ..., WL, bL    the parameters, in the plan's order (plan.ts), with
 *   gamma_k [n_k], beta_k [n_k]          batch norm's parameters after W_k, b_k when it has them,
 *   running_meank, running_vark [n_k]    and its running statistics (running_mean1, ...),
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
 * Reading checks all of it; anything malformed is a DataError naming the file. Decoding bytes is
 * model-decode.ts (no file system: the browser page decodes model files with it too).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from '../data/data-error.js';
import type { RandomState } from '../data/random.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { writeFileAtomic } from '../io/write-file.js';
import { encodeSafetensors, type Tensor } from './safetensors.js';
import { MAX_HIDDEN_LAYERS, MAX_LAYER_WIDTH, MODEL_FORMAT_VERSION, type ModelMeta, type ModelNetwork, type ModelOptimizer } from './model-meta.js';
import { decodeModel, MODEL_FORMAT, OPTIM_PREFIX, type Model } from './model-decode.js';

export type { ModelMeta, ModelNetwork, ModelOptimizer, EpochRecord } from './model-meta.js';
export { decodeModel, MODEL_FORMAT, OPTIM_PREFIX, type Model } from './model-decode.js';

export const BP_TRAIN_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

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
  // Model files hold float32 tensors (what training uses); narrowing a float64 net's weights
  // without a word would save other numbers than the caller holds.
  if (net.dtype !== 'float32') throw new RangeError(`encodeModel: the net is ${net.dtype}; model files hold float32 weights (make the net with dtype 'float32' to save it)`);
  checkSavable(net);
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
  const bytes = encodeSafetensors(tensors, metadata);
  checkReadable(bytes, net);
  return bytes;
}

/**
 * The bytes read back as the net they were made from: `meta` comes from the caller, and a
 * network it misdescribes would be written, then refused (or worse, read as another network).
 * @throws RangeError naming what does not match
 */
/** What the file format cannot hold, said of the net (not as metadata that fails to read back). */
function checkSavable(net: MultiLayerNet): void {
  const hidden = net.spec.hiddenSizeList;
  if (hidden.length < 1 || hidden.length > MAX_HIDDEN_LAYERS || hidden.some((n) => n > MAX_LAYER_WIDTH)) {
    throw new RangeError(`encodeModel: model files hold 1 to ${MAX_HIDDEN_LAYERS} hidden layers of at most ${MAX_LAYER_WIDTH} units; this net's are [${hidden.join(', ')}]`);
  }
  const named: Record<string, { data: Float32Array | Float64Array }> = { ...net.params, ...net.buffers };
  for (const [name, { data }] of Object.entries(named)) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`encodeModel: ${name} holds ${data[bad]} at index ${bad}: a model file holds finite weights only (a diverged net is not saved)`);
  }
}

function checkReadable(bytes: Uint8Array, net: MultiLayerNet): void {
  let back: Model;
  try {
    back = decodeModel(bytes, 'encodeModel');
  } catch (err) {
    const problem = err instanceof DataError ? err.problem : err instanceof Error ? err.message : String(err);
    throw new RangeError(`encodeModel: meta does not describe a model that can be read back (${problem})`);
  }
  const wanted = { ...net.spec, weightDecayLambda: net.weightDecayLambda };
  const found = { ...back.net.spec, weightDecayLambda: back.net.weightDecayLambda };
  for (const key of ['inputSize', 'hiddenSizeList', 'outputSize', 'activation', 'useBatchnorm', 'useDropout', 'dropoutRatio', 'weightDecayLambda'] as const) {
    if (String(found[key]) !== String(wanted[key])) throw new RangeError(`encodeModel: meta.network.${key} is ${String(found[key])} but the net's is ${String(wanted[key])}`);
  }
  // With dropout, the seed and the iteration draw a resumed run's masks: they must be the net's.
  if (net.spec.useDropout && back.net.seed !== net.seed) throw new RangeError(`encodeModel: meta.training.seed is ${back.net.seed} but the net's (its dropout masks') is ${net.seed}`);
  if (net.spec.useDropout && back.meta.iteration !== net.iteration) throw new RangeError(`encodeModel: meta.iteration is ${back.meta.iteration} but the net's (its dropout masks') is ${net.iteration}`);
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

export type { RandomState };
