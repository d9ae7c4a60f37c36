/**
 * The tables that a program's ops read besides their fields: each layer's runs per thread,
 * the UPDATE op's regions per thread, and the team block's fields set once per program.
 */
import { MAX_TEAM, TEAM, regionsBytes, type ProgramLayout } from './layout.js';
import { addressOf } from './encode.js';

/** Thread t's rows of W1, [r0, r1): its pixels, the input split evenly. */
function pixelRows(layout: ProgramLayout, t: number): [number, number] {
  const T = layout.threads;
  return [Math.floor((layout.inputSize * t) / T), Math.floor((layout.inputSize * (t + 1)) / T)];
}

/** The runs tables: for layer 0 (pixel rows, pixelRows: W1's gradient on dense rows) and layers 1 .. L, (c0, c1) per thread, MAX_TEAM pairs each. */
export function runsTables(layout: ProgramLayout): Int32Array {
  const L = layout.layers.length;
  const words = new Int32Array((L + 1) * MAX_TEAM * 2);
  const T = layout.threads;
  for (let t = 0; t < T; t++) words.set(pixelRows(layout, t), t * 2);
  layout.layers.forEach((layer, i) => {
    layer.runs.forEach(([c0, c1], t) => {
      words[((i + 1) * MAX_TEAM + t) * 2] = c0;
      words[((i + 1) * MAX_TEAM + t) * 2 + 1] = c1;
    });
  });
  return words;
}


/**
 * An UPDATE op's regions: per thread, the parts of the tensors whose gradients it computed
 * (W1: its columns of layer 1 when the first layer reads pixel lists, else its rows of pixels;
 * W_k, k >= 2: its rows, its columns of layer k - 1; b_k: its columns of layer k, thread 0's
 * for the last). Words: per thread t, the byte offset (from
 * the table) of its list; a list is a count, then (OFFSET, ROWS, COLS, STRIDE, WEIGHT) per
 * region, OFFSET in bytes from the parameter buffer, STRIDE in bytes.
 */
export function updateRegions(layout: ProgramLayout, withoutW1: boolean): Int32Array {
  const words = new Int32Array(regionsBytes(layout.layers.length) / 4);
  const T = layout.threads;
  let at = MAX_TEAM;
  for (let t = 0; t < T; t++) {
    words[t] = at * 4;
    const countAt = at++;
    let count = 0;
    for (const p of layout.params) {
      if (withoutW1 && p.name === 'W1') continue;
      const rowBytes = p.cols * 4;
      let region: number[] | null;
      if (p.name === 'W1' && layout.w1.byColumns) {
        const [c0, c1] = layout.layers[0].runs[t];
        const { rowBytes: w1RowBytes, shifts } = layout.w1;
        region = c1 > c0 ? [p.offset + c0 * 4 + shifts[t], p.rows, c1 - c0, w1RowBytes, 1] : null;
      } else if (p.role === 'weight') {
        const [r0, r1] = p.layer === 1 ? pixelRows(layout, t) : layout.layers[p.layer - 2].runs[t];
        region = r1 > r0 ? [p.offset + r0 * rowBytes, r1 - r0, p.cols, rowBytes, 1] : null;
      } else {
        const [c0, c1] = layout.layers[p.layer - 1].runs[t];
        region = c1 > c0 ? [p.offset + c0 * 4, p.rows, c1 - c0, rowBytes, 0] : null; // a bias, gamma or beta: no weight decay
      }
      if (region === null) continue;
      words.set(region, at);
      at += region.length;
      count++;
    }
    words[countAt] = count;
  }
  return words;
}

/** W1's shift per thread (layout.ts's W1Layout), MAX_TEAM words. */
export function w1ShiftsTable(layout: ProgramLayout): Int32Array {
  const words = new Int32Array(MAX_TEAM);
  words.set(layout.w1.shifts);
  return words;
}

/** The team block fields a program sets once (the pixel lists, the table), as [byte offset, value]. */
export function programFields(layout: ProgramLayout, base: number): [number, number][] {
  const a = (name: string): number => addressOf(layout, base, name);
  return [
    [TEAM.MAX_N, layout.maxBatch],
    [TEAM.D, layout.inputSize],
    [TEAM.TABLE, a('table')],
    [TEAM.LIST_ROWS, a('listRows')],
    [TEAM.LIST_VALS, a('listVals')],
    [TEAM.LIST_SPANS, a('listSpans')],
    [TEAM.LIST_HALF, layout.at.listHalfEntries],
    [TEAM.PROGRAM, a('stepProgram')],
    [TEAM.LANES, a('lanes')],
    [TEAM.LANE_BYTES, layout.at.laneBytes],
    [TEAM.LANE_ROWS, layout.at['lane.rows']],
    [TEAM.LANE_VALS, layout.at['lane.vals']],
    [TEAM.SHARE_RUNS, a('runs1')],
  ];
}

