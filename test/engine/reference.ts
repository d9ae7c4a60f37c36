/**
 * The reference side of the engine tests: MultiLayerNet with the reference optimizer on the
 * plain js kernels, float32, trained on explicit batch rows, beside a WasmProgram started from
 * the same weights; and the comparisons (compareTensors states the criterion).
 */
import { expect } from 'vitest';
import type { Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { setBackend } from '../../src/kernels/backend.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import type { Activation } from '../../src/network/spec.js';
import { makeOptimizer, type Hyperparameters } from '../../src/optim/make-optimizer.js';
import type { OptimizerName } from '../../src/optim/optimizer.js';
import { bufferArrays, WasmProgram } from '../../src/engine/wasm-program.js';
import type { FusionRule } from '../../src/engine/program.js';

export interface Case {
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  hyper?: Hyperparameters;
  weightDecayLambda?: number;
  /** The book's MultiLayerNetExtend options. */
  useBatchnorm?: boolean;
  useDropout?: boolean;
  dropoutRatio?: number;
  batch: number;
  steps: number;
  seed?: number;
  without?: FusionRule[];
  /** With helpers: false shares every step (the default here), true lets the pacer choose. */
  pace?: boolean;
}

/** Batches of rows drawn as BatchBuilder.sample does: random.nextInt(count), in order. */
export function batchRows(split: Split, batch: number, steps: number, seed: number): Int32Array[] {
  const random = new Random(seed);
  return Array.from({ length: steps }, () => Int32Array.from({ length: batch }, () => random.nextInt(split.count)));
}

const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** The rows' images as a float batch (x = byte / 255) and their labels. */
export function floatBatch(split: Split, rows: Int32Array): { x: Matrix; t: Uint8Array } {
  const D = split.rows * split.cols;
  const x = Matrix.zeros(rows.length, D, 'float32');
  const t = new Uint8Array(rows.length);
  rows.forEach((row, r) => {
    for (let j = 0; j < D; j++) x.data[r * D + j] = SCALE[split.images[row * D + j]];
    t[r] = split.labels[row];
  });
  return { x, t };
}

export function referenceNet(split: Split, c: Case): MultiLayerNet {
  return new MultiLayerNet({
    inputSize: split.rows * split.cols, hiddenSizeList: c.hidden, outputSize: 10, activation: c.activation,
    weightInitStd: c.activation === 'relu' ? 'he' : 'xavier', weightDecayLambda: c.weightDecayLambda ?? 0, seed: c.seed ?? 1,
    useBatchnorm: c.useBatchnorm, useDropout: c.useDropout, dropoutRatio: c.dropoutRatio,
  });
}

export function programFor(split: Split, c: Case, net: MultiLayerNet): WasmProgram {
  const program = new WasmProgram({
    inputSize: split.rows * split.cols, hiddenSizeList: c.hidden, outputSize: 10, activation: c.activation,
    optimizer: c.optimizer, hyper: c.hyper, weightDecayLambda: c.weightDecayLambda ?? 0, maxBatch: c.batch, without: c.without, pace: c.pace ?? false,
    useBatchnorm: c.useBatchnorm, useDropout: c.useDropout, dropoutRatio: c.dropoutRatio, seed: net.seed,
  });
  program.setParams(Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, m.data])));
  program.setBuffers(bufferArrays(net));
  program.iteration = net.iteration;
  return program;
}

/** Trains the reference (js kernels, float32) on the given batches; returns the losses. */
export function trainReference(split: Split, c: Case, net: MultiLayerNet, batches: Int32Array[]): number[] {
  setBackend('js');
  const optimizer = makeOptimizer(c.optimizer, c.hyper);
  try {
    return batches.map((rows) => {
      const { x, t } = floatBatch(split, rows);
      const grads = net.gradient(x, t);
      optimizer.update(net.params, grads);
      return grads.loss;
    });
  } finally {
    setBackend('wasm');
  }
}

/**
 * Trains the reference and the program on the same c.steps batches (rows drawn with `seed`),
 * checking that every step's losses agree within 1e-5 relative; returns the batches.
 */
export function trainBoth(split: Split, c: Case, net: MultiLayerNet, program: WasmProgram, seed = 5): Int32Array[] {
  const batches = batchRows(split, c.batch, c.steps, seed);
  const expected = trainReference(split, c, net, batches);
  batches.forEach((rows, s) => {
    const loss = program.step(split, rows);
    expect(Math.abs(loss - expected[s]), `loss at step ${s}: ${loss} against ${expected[s]}`).toBeLessThanOrEqual(1e-5 * expected[s]);
  });
  return batches;
}

export interface TensorDiff {
  name: string;
  /** max |a - e| / (|e| + max |e| of the tensor) over the elements. */
  elementwise: number;
  /** ||a - e|| / ||e|| (2-norms). */
  normwise: number;
}

/**
 * How far `actual` is from `expected`, tensor by tensor, in the two measures of TensorDiff. The
 * elementwise one is relative with an absolute floor of the tensor's largest |value|: one weight
 * near 0 has no relative size of its own, but is still held to 1e-5 of the tensor's scale.
 */
export function tensorDiffs(actual: Record<string, ArrayLike<number>>, expected: Record<string, ArrayLike<number>>): TensorDiff[] {
  return Object.keys(expected).map((name) => {
    const a = actual[name];
    const e = expected[name];
    if (a === undefined || a.length !== e.length) throw new Error(`tensor ${name}: ${a?.length} values, expected ${e.length}`);
    let scale = 0;
    for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
    let elementwise = 0;
    let diff2 = 0;
    let norm2 = 0;
    for (let i = 0; i < e.length; i++) {
      const d = Math.abs(a[i] - e[i]);
      const rel = d === 0 ? 0 : d / (Math.abs(e[i]) + scale);
      elementwise = Number.isNaN(rel) ? Infinity : Math.max(elementwise, rel);
      diff2 += d * d;
      norm2 += e[i] * e[i];
    }
    const normwise = diff2 === 0 ? 0 : Math.sqrt(diff2 / norm2);
    return { name, elementwise, normwise: Number.isNaN(normwise) ? Infinity : normwise };
  });
}

/** The reference's parameters as plain arrays, by name. */
export function paramsOf(net: MultiLayerNet): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, m.data as Float32Array]));
}

/**
 * The same reference layers on the wasm kernels (another float32 order of the same sums):
 * how far two correct float32 evaluations drift apart on this case, the noise floor that the
 * elementwise comparison is measured against.
 */
export function trainOnWasmKernels(split: Split, c: Case, batches: Int32Array[]): MultiLayerNet {
  const net = referenceNet(split, c);
  setBackend('wasm');
  const optimizer = makeOptimizer(c.optimizer, c.hyper);
  for (const rows of batches) {
    const { x, t } = floatBatch(split, rows);
    optimizer.update(net.params, net.gradient(x, t));
  }
  return net;
}
