import { describe, expect, it } from 'vitest';
import { largestOf, smallestOf } from './extremes.js';

describe('largestOf and smallestOf', () => {
  it('agree with Math.max and Math.min, NaN and bounds included', () => {
    for (const values of [[3, 1, 2], [-5], [], [1, NaN, 2], [Infinity, -Infinity]]) {
      expect(largestOf(values)).toBe(Math.max(...values));
      expect(smallestOf(values)).toBe(Math.min(...values));
      expect(largestOf(values, 10)).toBe(Math.max(10, ...values));
      expect(smallestOf(values, -10)).toBe(Math.min(-10, ...values));
    }
  });

  it('take a million values, which Math.max(...values) cannot', () => {
    const values = Float64Array.from({ length: 1_000_000 }, (_, k) => (k * 7919) % 1_000_003);
    expect(() => Math.max(...values)).toThrow(RangeError);
    expect(largestOf(values)).toBe(1_000_002);
    expect(smallestOf(values)).toBe(0);
  });
});
