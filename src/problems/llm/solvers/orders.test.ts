import { describe, expect, it } from 'vitest';
import { StageCounts } from './orders.js';

describe('StageCounts', () => {
  // Allowed: 0 → 1, 1 → 0, 1 → 1 and 1 → 2; so type 2 ends a pipeline and follows a type 1.
  const allowed = [
    [false, true, false],
    [true, true, true],
    [false, false, false],
  ];
  const counts = new StageCounts(allowed, 4);

  it('numbers the prefixes of orderable vectors of at most 4 stages, each once', () => {
    // At most two of type 0 (0 1 0), one of type 2 (… 1 2, or alone), and 0 never next to 2.
    expect(counts.stages.map((s) => s.length)).toEqual([1, 3, 11, 16]);
  });

  it('orders stages only along allowed links', () => {
    const cases: [number[], boolean][] = [
      [[1, 0, 0], true],
      [[2, 0, 0], false],
      [[2, 1, 0], true],
      [[3, 1, 0], false],
      [[2, 2, 0], true],
      [[0, 4, 0], true],
      [[0, 0, 1], true],
      [[0, 1, 1], true],
      [[1, 0, 1], false],
      [[1, 1, 1], true],
      [[0, 0, 2], false],
      [[1, 1, 2], false],
      [[1, 2, 1], true],
    ];
    for (const [perType, orderable] of cases) {
      expect(counts.orderable(perType)).toBe(orderable);
      const v = perType.reduce((w, k, t) => counts.extend(t, w, k), 0);
      expect(v >= 0).toBe(orderable);
      if (!orderable) continue;
      const order = counts.order(v);
      expect(perType.map((_, t) => order.filter((x) => x === t).length)).toEqual(perType);
      order.forEach((x, k) => k === 0 || expect(allowed[order[k - 1]!]![x]).toBe(true));
    }
  });
});
