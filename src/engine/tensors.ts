/**
 * The parameter-shaped tensors of a program (params, grads, the optimizer's slots, the copy
 * that counts alongside read) between the reference's terms (network/multi-layer-net.ts:
 * row-major, unpadded, by plan name W1, b1, ...) and their padded places in program memory
 * (layout.ts): a tensor of layer k has its rows through layer k - 1's column map (W1's rows
 * are the pixels) and its columns through layer k's. Padding stays zero.
 */
import type { NetPlan } from '../network/plan.js';
import { addressOf } from './encode.js';
import type { ProgramLayout } from './layout.js';
import type { ProgramMemory } from './program-memory.js';

export type TensorBuffer = 'params' | 'grads' | 'slot0' | 'slot1' | 'paramsCopy';

/** A program's region: its memory, layout, start and plan. */
export interface TensorRegion {
  memory: ProgramMemory;
  layout: ProgramLayout;
  base: number;
  plan: NetPlan;
}

/** Writes each tensor of the plan from `source` (null: zeros) into its padded place in `buffer`; `who` names the caller in errors. */
export function writeTensors(region: TensorRegion, buffer: TensorBuffer, source: (name: string) => ArrayLike<number> | null | undefined, who: string): void {
  for (const p of region.plan.params) {
    const data = source(p.name);
    if (data === undefined) throw new RangeError(`WasmProgram.${who}: no tensor '${p.name}'`);
    if (data !== null && data.length !== p.rows * p.cols) {
      throw new RangeError(`WasmProgram.${who}: '${p.name}' has ${data.length} values, expected ${p.rows} x ${p.cols}`);
    }
  }
  for (const p of region.plan.params) {
    const data = source(p.name) ?? null;
    const { view, index } = placed(region, buffer, p.name);
    view.fill(0);
    if (data === null) continue;
    for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.cols; j++) view[index(i, j)] = data[i * p.cols + j];
  }
}

/** A copy of each tensor of `buffer`, by plan name. */
export function readTensors(region: TensorRegion, buffer: TensorBuffer): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of region.plan.params) {
    const { view, index } = placed(region, buffer, p.name);
    const data = new Float32Array(p.rows * p.cols);
    for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.cols; j++) data[i * p.cols + j] = view[index(i, j)];
    out[p.name] = data;
  }
  return out;
}

/**
 * A tensor's padded place: a view of it, and the view's index of a logical (i, j). W1 in
 * column blocks (layout.ts's W1Layout): the float of pixel i and column c is 4 c + shifts[t]
 * bytes into row i, t the thread whose run holds c.
 */
function placed(region: TensorRegion, buffer: TensorBuffer, name: string): { view: Float32Array; index: (i: number, j: number) => number } {
  const { layout, memory, base } = region;
  const p = layout.params.find((q) => q.name === name);
  if (p === undefined) throw new Error(`WasmProgram: no parameter '${name}'`);
  const out = layout.layers[p.layer - 1].column;
  const at = addressOf(layout, base, `${buffer}.${name}`);
  if (name === 'W1' && layout.w1.blocks) {
    const { rowBytes, blockBytes, shifts } = layout.w1;
    const runs = layout.layers[0].runs;
    const shiftOf = (c: number): number => shifts[runs.findIndex(([c0, c1]) => c >= c0 && c < c1)];
    const floats = Array.from(out, (c) => (4 * c + shiftOf(c)) / 4);
    const view = memory.f32(at, (runs.length * blockBytes) / 4);
    return { view, index: (i, j) => (i * rowBytes) / 4 + floats[j] };
  }
  const view = memory.f32(at, p.rows * p.cols);
  const into = p.layer >= 2 ? layout.layers[p.layer - 2].column : null;
  const row = p.role === 'bias' ? (): number => 0 : into === null ? (i: number): number => i : (i: number): number => into[i];
  return { view, index: (i, j) => row(i) * p.cols + out[j] };
}

/** The stats buffers: batch norm's running statistics (the net's buffers, running_mean1, ...), and their copy. */
export type StatsBuffer = 'stats' | 'statsCopy';

/** Writes each running statistic from `source` (by the net's buffer name) into its padded place. */
export function writeStats(region: TensorRegion, source: (name: string) => ArrayLike<number> | undefined, who: string): void {
  for (const s of region.layout.stats) {
    const data = source(s.name);
    const { units, column } = region.layout.layers[s.layer - 1];
    if (data === undefined || data.length !== units) throw new RangeError(`WasmProgram.${who}: '${s.name}' needs ${units} values, got ${data?.length ?? 'none'}`);
    const view = statView(region, 'stats', s.name);
    view.fill(0);
    for (let j = 0; j < units; j++) view[column[j]] = data[j];
  }
}

/** A copy of each running statistic, by the net's buffer name. */
export function readStats(region: TensorRegion): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const s of region.layout.stats) {
    const { units, column } = region.layout.layers[s.layer - 1];
    const view = statView(region, 'stats', s.name);
    out[s.name] = Float32Array.from({ length: units }, (_, j) => view[column[j]]);
  }
  return out;
}

function statView(region: TensorRegion, buffer: StatsBuffer, name: string): Float32Array {
  const { layout, memory, base } = region;
  const s = layout.stats.find((q) => q.name === name);
  if (s === undefined) throw new Error(`WasmProgram: no statistic '${name}'`);
  return memory.f32(addressOf(layout, base, `${buffer}.${name}`), layout.layers[s.layer - 1].width);
}
