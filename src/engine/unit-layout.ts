/**
 * Where a layer's units sit in the wasm program's padded rows (the layer's W rows, b, its
 * activations and their gradients, and the next W's row numbers), for a team of `threads`
 * threads that each own a run of them (layout.ts).
 *
 * One thread: the H units in order, padded to a multiple of 4 (whole SIMD vectors).
 * More: the ceil(H / 4) vectors are cut into `threads` runs as equal as can be, and each run
 * starts on a 64-byte cache line (16 floats): two cores writing the same cache line, even at
 * different floats, pass it back and forth at every write; in W1's update that made the
 * two-thread step slower than one thread. The columns between runs are padding, always zero.
 * The units keep their order, so every sum over them adds the same terms in the same order
 * (plus zeros) for every team size.
 */
export interface HiddenLayout {
  /** The padded row length, in floats. */
  width: number;
  /** Thread t's columns: runs[t][0] .. runs[t][1] - 1. */
  runs: Array<[number, number]>;
  /** The column of hidden unit j. */
  column: Int32Array;
}

const FLOATS_PER_LINE = 16;

export function hiddenLayout(hidden: number, threads: number): HiddenLayout {
  const vectors = Math.ceil(hidden / 4);
  const runs: Array<[number, number]> = [];
  const column = new Int32Array(hidden);
  let at = 0;
  for (let t = 0; t < threads; t++) {
    const v0 = Math.floor((vectors * t) / threads);
    const v1 = Math.floor((vectors * (t + 1)) / threads);
    runs.push([at, at + 4 * (v1 - v0)]);
    for (let j = 4 * v0; j < Math.min(4 * v1, hidden); j++) column[j] = at + j - 4 * v0;
    at += threads === 1 ? 4 * (v1 - v0) : Math.ceil((4 * (v1 - v0)) / FLOATS_PER_LINE) * FLOATS_PER_LINE;
  }
  return { width: at, runs, column };
}
