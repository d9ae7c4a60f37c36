/**
 * A program in memory: ops as i32 words (code, length, fields), buffer names resolved to byte
 * addresses in a program's region (layout.ts).
 */
import type { OptimizerName } from '../optim/optimizer.js';
import {
  ACTIVATION_CODES, MAX_TEAM, OP_FIELDS, OP_HEADER_WORDS, OP_NAMES, OPTIMIZER_CODES, programBytes, regionsBytes, type ActivationCode, type ProgramLayout,
} from './layout.js';
import type { Op } from './op.js';

/** The byte address of a named buffer in a program whose region starts at `base`. */
export function addressOf(layout: ProgramLayout, base: number, name: string): number {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const buffer = name.slice(0, dot);
    const rest = name.slice(dot + 1);
    if (buffer === 'lane') return at(layout, `lane.${rest}`); // from the lane's start, not the region's
    if (buffer === 'stats' || buffer === 'statsCopy') {
      const stat = layout.stats.find((s) => s.name === rest);
      if (stat === undefined) throw new Error(`program: no statistic '${rest}'`);
      return base + at(layout, buffer) + stat.offset;
    }
    const param = layout.params.find((p) => p.name === rest);
    if (param === undefined) throw new Error(`program: no parameter '${rest}'`);
    return base + at(layout, buffer) + param.offset;
  }
  if (name === 'slot1' && !('slot1' in layout.at)) return 0;
  if (name === 'slot0' && !('slot0' in layout.at)) return 0;
  if (name === 'regionsWithoutW1') return base + at(layout, 'regions') + regionsBytes(layout.layers.length);
  const runs = /^runs(\d+)$/.exec(name);
  if (runs !== null) return base + at(layout, 'runs') + Number(runs[1]) * MAX_TEAM * 8;
  return base + at(layout, name);
}

function at(layout: ProgramLayout, name: string): number {
  const offset = layout.at[name];
  if (offset === undefined) throw new Error(`program: no buffer '${name}'`);
  return offset;
}

/** The ops as i32 words: code, length, fields (strings resolved to addresses, ACT and KIND to codes). */
export function encodeOps(ops: readonly Op[], layout: ProgramLayout, base: number): Int32Array {
  const words: number[] = [];
  for (const o of ops) {
    const names: readonly string[] = OP_FIELDS[o.name];
    words.push(OP_NAMES.indexOf(o.name), OP_HEADER_WORDS + names.length);
    for (const name of names) {
      const value = o.fields[name];
      if (value === undefined) throw new Error(`program: op ${o.name} has no field ${name}`);
      if (name === 'ACT') words.push(ACTIVATION_CODES[value as ActivationCode]);
      else if (name === 'KIND') words.push(OPTIMIZER_CODES[value as OptimizerName]);
      else words.push(typeof value === 'number' ? value : addressOf(layout, base, value));
    }
  }
  if (words.length * 4 > programBytes(layout.layers.length)) throw new Error(`program: ${words.length} words, more than its room`);
  return Int32Array.from(words);
}

