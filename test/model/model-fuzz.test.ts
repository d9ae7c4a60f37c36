/**
 * Fuzzing the model reader, seeded: truncated files, flipped bits and random bytes. A broken
 * file must give a DataError, never another exception, a crash or a hang. A flip that leaves a
 * valid file (a weight's low bit, a letter inside a metadata string) may load: then the model
 * must be whole (right shapes, finite weights).
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { Random } from '../../src/data/random.js';
import { decodeModel, encodeModel } from '../../src/model/model-file.js';
import { modelMeta } from '../../src/cli/commands/train-model.js';
import { MultiLayerNet } from '../../src/network/multi-layer-net.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { Adam } from '../../src/optim/adam.js';
import type { TrainConfig } from '../../src/train/trainer.js';

// A deep net with batch norm and Adam's state, so that every kind of tensor and entry is fuzzed.
const net = new MultiLayerNet({ inputSize: 784, hiddenSizeList: [16, 8], outputSize: 10, useBatchnorm: true, seed: 3 });
const optimizer = new Adam();
optimizer.update(net.params, Object.fromEntries(net.plan.params.map((p) => [p.name, Matrix.zeros(p.rows, p.cols)])));
const config: TrainConfig = { hidden: [16, 8], optimizer: 'adam', lr: 0.001, batchSize: 100, iterations: 600, weightInitStd: 'he', seed: 3, useBatchnorm: true };
const history = [{ epoch: 1, iteration: 600, loss: 0.4, trainAcc: 0.9, testAcc: 0.89 }];
const state = { net, optimizer, sampler: new Random(1), iteration: 600 };
const good = encodeModel(net, modelMeta(config, { source: 'mnist' }, state, history), optimizer.state());
const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));

type Outcome = 'data-error' | 'loaded';

function outcome(bytes: Uint8Array): Outcome {
  try {
    const { net: loaded } = decodeModel(bytes, 'fuzz.safetensors');
    expect(loaded.params.W1.rows).toBe(784);
    expect(loaded.params.W3.cols).toBe(10);
    return 'loaded';
  } catch (err) {
    if (err instanceof DataError) return 'data-error';
    throw new Error(`not a DataError: ${String(err)}`, { cause: err });
  }
}

describe('a corrupted model file', () => {
  const random = new Random(2024);

  it('loads when intact (the fuzz starts from a valid file)', () => {
    expect(outcome(good)).toBe('loaded');
  });

  it('truncated anywhere: always a DataError (300 lengths)', () => {
    for (let i = 0; i < 300; i++) {
      const length = i < 20 ? i : random.nextInt(good.length);
      expect(outcome(good.subarray(0, length)), `truncated to ${length} bytes`).toBe('data-error');
    }
  });

  it('with a bit flipped in the length or the header: a DataError or a whole model (300 flips)', () => {
    const counts = { 'data-error': 0, loaded: 0 };
    for (let i = 0; i < 300; i++) {
      const bytes = good.slice();
      const at = random.nextInt(headerEnd);
      bytes[at] ^= 1 << random.nextInt(8);
      counts[outcome(bytes)]++;
    }
    expect(counts['data-error']).toBeGreaterThan(150); // most flips in the structure are caught
  });

  it('with bits flipped anywhere, several at once: never anything but a DataError or a whole model (200 files)', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = good.slice();
      for (let k = 1 + random.nextInt(8); k > 0; k--) bytes[random.nextInt(bytes.length)] ^= 1 << random.nextInt(8);
      outcome(bytes);
    }
  });

  it('made of random bytes, or a valid length before random bytes: always a DataError (200 files)', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(random.nextInt(4096));
      for (let j = 0; j < bytes.length; j++) bytes[j] = random.nextInt(256);
      if (i % 2 === 1 && bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, BigInt(random.nextInt(bytes.length - 7)), true);
      expect(outcome(bytes)).toBe('data-error');
    }
  });
});
