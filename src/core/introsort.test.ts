import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stdSort } from './introsort.js';

/** Sort 0..n-1 by key descending, as `std::sort(idx, idx + n, [](a, b) { return key[a] > key[b]; })`. */
function sortIndices(keys: number[]): number[] {
  const items = Int32Array.from(keys, (_, i) => i);
  stdSort(items, (a, b) => keys[a]! > keys[b]!);
  return Array.from(items);
}

describe('stdSort (libstdc++ std::sort order)', () => {
  it('leaves ties where g++ 12 leaves them (facts from a compiled C++ program)', () => {
    expect(sortIndices(Array.from({ length: 40 }, (_, i) => (i * 7) % 5))).toEqual([
      17, 2, 37, 22, 7, 32, 27, 12, 9, 24, 14, 29, 19, 34, 4, 39, 21, 1, 26, 31, 36, 16, 11, 6, 18,
      23, 38, 13, 28, 3, 8, 33, 0, 20, 5, 35, 10, 30, 15, 25,
    ]);
    expect(sortIndices(Array.from({ length: 100 }, (_, i) => (i * 13) % 3)).slice(0, 20)).toEqual([
      35, 20, 77, 23, 26, 71, 29, 68, 32, 65, 74, 62, 38, 59, 41, 56, 44, 53, 47, 50,
    ]);
  });

  it('sorts: a permutation in order, for any input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 300 }), (keys) => {
        const order = sortIndices(keys);
        expect([...order].sort((a, b) => a - b)).toEqual(keys.map((_, i) => i));
        for (let i = 1; i < order.length; i++)
          expect(keys[order[i - 1]!]!).toBeGreaterThanOrEqual(keys[order[i]!]!);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});
