import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/report/format.js';

describe('thousands', () => {
  it('rounds and groups digits by three with commas, as en-US does', () => {
    const cases: [number, string][] = [[0, '0'], [7, '7'], [999.6, '1,000'], [1234, '1,234'], [60000, '60,000'], [1185809.4, '1,185,809'], [-1234567, '-1,234,567']];
    for (const [n, text] of cases) expect(thousands(n), String(n)).toBe(text);
  });
});
