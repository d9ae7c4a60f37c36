/**
 * The one table of memory offsets (src/engine/layout.ts) and its AssemblyScript copy
 * (src/wasm/layout.as.ts, generated): the copy must be exactly what the table generates, and
 * the table's buffers must not overlap.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_TEAM, TEAM, TEAM_BYTES, programLayout } from '../../src/engine/layout.js';
import { wasmLayoutSource } from '../../src/engine/layout-source.js';
import { planNet } from '../../src/network/plan.js';
import { resolveSpec } from '../../src/network/spec.js';

const GENERATED = new URL('../../src/wasm/layout.as.ts', import.meta.url);

describe('layout', () => {
  it('src/wasm/layout.as.ts is what layout.ts generates', () => {
    if (process.env.WRITE_WASM_LAYOUT === '1') writeFileSync(GENERATED, wasmLayoutSource());
    expect(readFileSync(GENERATED, 'utf8'), 'run: WRITE_WASM_LAYOUT=1 npx vitest run test/engine/layout.test.ts').toBe(wasmLayoutSource());
  });

  it('keeps the team fields before the slots and every f64 aligned', () => {
    expect(TEAM.MAXLOSS % 8).toBe(0);
    expect(TEAM.HALF_LAMBDA % 8).toBe(0);
    expect(Math.max(...Object.values(TEAM))).toBeLessThan(256);
    expect(TEAM_BYTES).toBe(256 + MAX_TEAM * 64);
  });

  for (const threads of [1, 2, 3]) {
    it(`places every buffer of 784-100-100-10 (Adam, batch 100, ${threads} threads) on its own cache lines`, () => {
      const plan = planNet(resolveSpec({ inputSize: 784, hiddenSizeList: [100, 100], outputSize: 10 }));
      const layout = programLayout(plan, { threads, maxBatch: 100, slots: 2, w1ByColumns: true });
      const starts = Object.entries(layout.at)
        .filter(([name]) => !name.startsWith('lane.') && !name.startsWith('decay') && !['laneBytes', 'listHalfEntries', 'decayCount'].includes(name))
        .map(([, offset]) => offset)
        .sort((a, b) => a - b);
      for (const s of starts) expect(s % 64).toBe(0);
      expect(new Set(starts).size).toBe(starts.length);
      expect(layout.at.grads - layout.at.params).toBe(layout.paramBytes);
      expect(layout.layers.map((l) => l.width)).toEqual(threads === 1 ? [100, 100, 12] : threads === 2 ? [112, 112, 12] : [112, 112, 12]);
      for (const p of layout.params) expect(p.offset % 64).toBe(0);
    });
  }
});
