/**
 * A model file's bytes back into a network, its optimizer and its metadata (the format is
 * described in model-file.ts). No file system here: model-file.ts reads files into it, and
 * the browser page (src/page) decodes the model it is given with the same code. Everything is
 * checked; anything malformed is a DataError naming the file.
 */
import { DataError } from '../data/data-error.js';
import { MultiLayerNet } from '../network/multi-layer-net.js';
import { planNet, type NetPlan } from '../network/plan.js';
import { resolveSpec, type NetSpec } from '../network/spec.js';
import { makeOptimizer } from '../optim/make-optimizer.js';
import type { Optimizer } from '../optim/optimizer.js';
import { decodeSafetensors } from './safetensors.js';
import { readMeta, type ModelMeta, type ModelOptimizer } from './model-meta.js';

export const MODEL_FORMAT = 'bp-train';

/** The prefix of the optimizer's state tensors. */
export const OPTIM_PREFIX = 'optim.';

/** What a model file holds: the net (with its buffers and iteration), the optimizer with its state, and the metadata. */
export interface Model {
  net: MultiLayerNet;
  optimizer: Optimizer;
  meta: ModelMeta;
}

/** The network, optimizer and metadata in a model file's bytes; `file` names it in errors. */
export function decodeModel(bytes: Uint8Array, file: string): Model {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeModel: bytes must be a Uint8Array (a Buffer will do), got ${bytes === null ? 'null' : typeof bytes}`);
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const fail = (problem: string): never => {
    throw new DataError(file, `not a bp-train model: ${problem}`);
  };
  if (metadata.format !== MODEL_FORMAT) fail(`__metadata__ format is ${JSON.stringify(metadata.format)}, expected "${MODEL_FORMAT}"`);
  const meta = readMeta(metadata, fail);
  const { network } = meta;
  const { inputSize, hiddenSizeList, outputSize, activation, weightInitStd, useBatchnorm, useDropout, dropoutRatio } = network;
  const spec: NetSpec = { inputSize, hiddenSizeList, outputSize, activation, weightInitStd, useBatchnorm, useDropout, dropoutRatio };
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
