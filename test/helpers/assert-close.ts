/**
 * Element-wise numeric comparison for tests. An entry passes when
 *   |actual - expected| <= abs + rel * |expected|
 * (abs and rel default to 0; at least one should be given). On failure it throws an Error that
 * names the first bad index, both values there, and the largest difference over all entries,
 * so a failing run says where and by how much instead of only "not equal".
 */

export interface Tolerance {
  abs?: number;
  rel?: number;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  const abs = tol.abs ?? 0;
  const rel = tol.rel ?? 0;
  if (actual.length !== expected.length) {
    throw new Error(`expectClose: length ${actual.length} differs from expected length ${expected.length}`);
  }
  let firstBad = -1;
  let maxDiff = 0;
  let maxDiffIndex = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    // NaN compares false everywhere: a NaN on either side is a failure with an infinite diff.
    const diff = Number.isNaN(a) || Number.isNaN(e) ? Infinity : a === e ? 0 : Math.abs(a - e);
    if (!(diff <= abs + rel * Math.abs(e)) && firstBad < 0) firstBad = i;
    if (!(diff <= maxDiff)) {
      maxDiff = diff;
      maxDiffIndex = i;
    }
  }
  if (firstBad >= 0) {
    throw new Error(
      `expectClose: index ${firstBad} of ${actual.length}: actual ${actual[firstBad]}, expected ${expected[firstBad]}` +
        ` (|diff| ${Math.abs(actual[firstBad] - expected[firstBad])}, tolerance abs ${abs} + rel ${rel});` +
        ` max |diff| ${maxDiff} at index ${maxDiffIndex}`,
    );
  }
}
