import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Staircase } from './staircase.js';

describe('Staircase', () => {
  it('answers the fastest point cheaper than a cost as a scan of every point added would', () => {
    const value = fc.integer({ min: 0, max: 20 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value), { maxLength: 40 }),
        fc.array(value, { minLength: 1, maxLength: 10 }),
        (points, queries) => {
          const staircase = new Staircase();
          for (const [cost, throughput] of points) staircase.add(cost, throughput);
          for (const cost of queries) {
            const cheaper = points.filter(([c]) => c < cost).map(([, t]) => t);
            expect(staircase.fastestBelow(cost)).toBe(Math.max(-Infinity, ...cheaper));
          }
          // Only the non-dominated points stay.
          const kept = points.filter(
            ([c, t]) => !points.some(([c2, t2]) => c2 <= c && t2 >= t && (c2 < c || t2 > t)),
          );
          expect(staircase.size).toBe(new Set(kept.map(([c, t]) => `${c},${t}`)).size);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });
});
