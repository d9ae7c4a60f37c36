/**
 * Each fusion rule of src/engine/program.ts, numerically: the program with every rule against
 * the program without that one, from the same weights on the same batches. Rules 1 to 3 only
 * move work between ops (the same float32 operations in the same order: zero pixels add +-0;
 * an activation applied in registers or in memory is the same), so the weights must be the same
 * bits; rule 4 subtracts each image's share of dW1 in turn instead of their sum, so W1 must
 * differ, but within float32 rounding. Both sides against the reference in wasm-program.test.ts.
 *
 * Needs `npm run build:wasm`.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FUSION_RULES, type FusionRule } from '../../src/engine/program.js';
import type { Activation } from '../../src/network/spec.js';
import type { OptimizerName } from '../../src/optim/optimizer.js';
import { blobSplit } from '../train/synthetic.js';
import { batchRows, programFor, referenceNet, tensorDiffs, type Case } from './reference.js';

const split = blobSplit(200, 3);

async function train(c: Case): Promise<{ losses: number[]; params: Record<string, Float32Array>; digest: string }> {
  const program = programFor(split, c, referenceNet(split, c));
  try {
    const losses = batchRows(split, c.batch, c.steps, 8).map((rows) => program.step(split, rows));
    const params = program.getParams();
    const hash = createHash('sha256');
    for (const data of Object.values(params)) hash.update(new Uint8Array(data.buffer));
    return { losses, params, digest: hash.digest('hex') };
  } finally {
    await program.release();
  }
}

const base = (activation: Activation, optimizer: OptimizerName, without: FusionRule[] = []): Case => ({
  hidden: [40, 30], activation, optimizer, hyper: optimizer === 'sgd' ? { lr: 0.1 } : {}, batch: 25, steps: 15, without,
});

describe('rules 1 to 3 change no bit', () => {
  for (const rule of ['sparseInput', 'affineActivation', 'affineSoftmax'] as const) {
    for (const [activation, optimizer] of [['relu', 'adam'], ['sigmoid', 'momentum'], ['tanh', 'sgd']] as const) {
      it(`${rule}: ${activation} ${optimizer}, with and without it`, async () => {
        // Rule 4 needs rule 1: leaving rule 1 out leaves 4 out too, so compare with 4 left out.
        const others: FusionRule[] = rule === 'sparseInput' ? ['sgdFromPixelLists'] : [];
        const fused = await train(base(activation, optimizer, others));
        const plain = await train(base(activation, optimizer, [...others, rule]));
        expect(plain.losses).toEqual(fused.losses);
        expect(plain.digest).toBe(fused.digest);
      });
    }
  }

  it('all of them: the plain program (one op per layer) gives the same bits as rules 1 to 3', async () => {
    const fused = await train(base('relu', 'rmsprop'));
    const plain = await train(base('relu', 'rmsprop', [...FUSION_RULES]));
    expect(plain.digest).toBe(fused.digest);
  });
});

describe('rule 4, sgdFromPixelLists', () => {
  for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
    it(`${activation}: W1 differs in its rounding only (the rest is the same)`, async () => {
      const fused = await train(base(activation, 'sgd'));
      const plain = await train(base(activation, 'sgd', ['sgdFromPixelLists']));
      expect(fused.digest).not.toBe(plain.digest);
      for (const d of tensorDiffs(fused.params, plain.params)) expect(d.normwise, d.name).toBeLessThan(2e-6);
      fused.losses.forEach((loss, s) => expect(Math.abs(loss - plain.losses[s])).toBeLessThanOrEqual(1e-6 * loss));
      expect(fused.losses[0]).toBe(plain.losses[0]); // the first forward runs on the same weights
    });
  }
});
