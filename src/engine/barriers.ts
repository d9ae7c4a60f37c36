/**
 * Where a step program needs barriers: before every op that reads a buffer written since the
 * last barrier by another thread's share of an op (or that needs all of it). Each op says what
 * it reads and writes, and which part of it one thread touches: 'img' (its images), 'col<k>'
 * (its columns of layer k, the runs of layout.ts; for the last layer, all of it on thread 0),
 * 'row0' (its rows of pixels), 'all'.
 */
import { op, type Op, type Operand } from './op.js';

/** Which part of a buffer one thread touches (above). */
type Part = string;

const partOf = (runs: Operand): Part => `col${String(runs).replace('runs', '')}`;

/** What an op reads and writes, buffer by buffer (parameters aside: they change only at the end of a step). */
function effects(o: Op, L: number, w1ByColumns: boolean): { reads: [string, Part][]; writes: [string, Part][] } {
  const f = o.fields;
  const s = (v: Operand): string => String(v);
  switch (o.name) {
    case 'LIST':
      return { reads: [], writes: [['lists', 'img']] };
    case 'GATHER':
      return { reads: [], writes: [['X', 'img']] };
    case 'SPARSE_AFFINE':
      return { reads: [['lists', 'all']], writes: [[s(f.OUT), partOf(f.RUNS)]] };
    case 'DENSE_AFFINE':
      return { reads: [[s(f.IN), 'all']], writes: [[s(f.OUT), partOf(f.RUNS)]] };
    case 'ACTIVATION':
      return { reads: [[s(f.OUT), partOf(f.RUNS)]], writes: [[s(f.OUT), partOf(f.RUNS)]] };
    case 'AFFINE_SOFTMAX':
      return { reads: [[f.SPARSE === 1 ? 'lists' : s(f.IN), 'all']], writes: [[s(f.OUT), 'img'], [s(f.LOSSES), 'img']] };
    case 'SOFTMAX_LOSS':
      return { reads: [[s(f.OUT), 'all']], writes: [[s(f.OUT), 'img'], [s(f.LOSSES), 'img']] };
    case 'DECAY_SUMS':
      return { reads: [], writes: [[s(f.OUT), partOf(f.RUNS)]] };
    case 'LOSS':
      return { reads: [[s(f.LOSSES), 'all'], ['decay', 'all']], writes: [] };
    case 'DENSE_BACKWARD': {
      const rows = partOf(f.ROW_RUNS);
      const writes: [string, Part][] = [[s(f.DW), rows], [s(f.DB), partOf(f.DB_RUNS)]];
      if (f.DX !== 0) writes.push([s(f.DX), rows]);
      return { reads: [[s(f.DY), 'all'], [s(f.X), f.X === 'X' ? 'all' : rows]], writes };
    }
    case 'ACT_BACKWARD':
      return { reads: [[s(f.DA), partOf(f.RUNS)], [s(f.H), partOf(f.RUNS)]], writes: [[s(f.DA), partOf(f.RUNS)]] };
    // W1 (or dW1) and db1 in this thread's columns, from its columns of dA1.
    case 'SPARSE_SGD':
      return { reads: [[s(f.DA), partOf(f.RUNS)], ['lists', 'all']], writes: [[s(f.DB), partOf(f.RUNS)]] };
    case 'SPARSE_GRAD':
      return { reads: [[s(f.DA), partOf(f.RUNS)], ['lists', 'all']], writes: [[s(f.DW), partOf(f.RUNS)], [s(f.DB), partOf(f.RUNS)]] };
    case 'BN_FORWARD': {
      const part = partOf(f.RUNS);
      return { reads: [[s(f.X), part]], writes: [[s(f.X), part], [s(f.XN), part], [s(f.MEAN), part], [s(f.VAR), part], [s(f.STD), part]] };
    }
    case 'BN_STATS':
      return { reads: [[s(f.MEAN), partOf(f.RUNS)], [s(f.VAR), partOf(f.RUNS)]], writes: [] };
    case 'BN_BACKWARD': {
      const part = partOf(f.RUNS);
      return { reads: [[s(f.DA), part], [s(f.XN), part], [s(f.STD), part]], writes: [[s(f.DA), part], [s(f.DGAMMA), part], [s(f.DBETA), part]] };
    }
    case 'DROPOUT':
      return { reads: [[s(f.X), partOf(f.RUNS)]], writes: [[s(f.X), partOf(f.RUNS)], [s(f.MASK), partOf(f.RUNS)]] };
    case 'DROPOUT_BACKWARD':
      return { reads: [[s(f.DA), partOf(f.RUNS)], [s(f.MASK), partOf(f.RUNS)]], writes: [[s(f.DA), partOf(f.RUNS)]] };
    case 'UPDATE': {
      // Each thread steps the parts of the gradients that updateRegions gives it.
      const reads: [string, Part][] = [];
      for (let k = 1; k <= L; k++) {
        reads.push([`grads.W${k}`, k > 1 ? `col${k - 1}` : w1ByColumns ? 'col1' : 'row0'], [`grads.b${k}`, `col${k}`]);
      }
      return { reads, writes: [] };
    }
    default:
      return { reads: [], writes: [] };
  }
}

/**
 * Puts a BARRIER before every op that reads a buffer written since the last barrier in another
 * part (or that needs all of it); w1ByColumns: W1's gradient is split by layer 1's columns
 * (layout.ts's W1Layout), else by rows of pixels.
 */
export function withBarriers(ops: readonly Op[], L: number, w1ByColumns: boolean): Op[] {
  const out: Op[] = [];
  let written = new Map<string, Set<Part>>();
  for (const o of ops) {
    const { reads, writes } = effects(o, L, w1ByColumns);
    const conflict = reads.some(([buffer, part]) => {
      const parts = written.get(buffer);
      return parts !== undefined && (part === 'all' || [...parts].some((p) => p !== part));
    });
    if (conflict) {
      out.push(op('BARRIER'));
      written = new Map();
    }
    for (const [buffer, part] of writes) {
      const parts = written.get(buffer) ?? new Set<Part>();
      parts.add(part);
      written.set(buffer, parts);
    }
    out.push(o);
  }
  return out;
}

