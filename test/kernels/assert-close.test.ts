/** Tests for the test helper test/helpers/assert-close.ts: it must pass close arrays and fail the others loudly. */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/assert-close.js';

describe('expectClose', () => {
  it('passes arrays within the absolute or relative tolerance', () => {
    expect(() => expectClose([1, 2, 3], [1, 2 + 1e-10, 3], { abs: 1e-9 })).not.toThrow();
    expect(() => expectClose(new Float64Array([1000.001]), [1000], { rel: 1e-5 })).not.toThrow();
  });

  it('reports the first bad index, both values and the max diff', () => {
    expect(() => expectClose([1, 2.5, 3, 10], [1, 2, 3, 4], { abs: 0.1 })).toThrow(
      /index 1 of 4: actual 2\.5, expected 2 .*max \|diff\| 6 at index 3/,
    );
  });

  it('fails on NaN and on a length mismatch', () => {
    expect(() => expectClose([NaN], [NaN], { abs: 1 })).toThrow(/index 0/);
    expect(() => expectClose([1, 2], [1], { abs: 1 })).toThrow(/length 2/);
  });
});
