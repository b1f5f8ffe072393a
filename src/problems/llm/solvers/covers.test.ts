import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_COVER, TypeCovers } from './covers.js';

/** The fewest GPUs over every multiset of `stages` options summing to `layers`, by enumeration. */
function fewestGpus(
  sizes: number[],
  tp: number[],
  count: number,
  stages: number,
  layers: number,
): number {
  let best = NO_COVER;
  const visit = (from: number, s: number, l: number, gpus: number): void => {
    if (s === stages) {
      if (l === layers && gpus <= count) best = Math.min(best, gpus);
      return;
    }
    for (let k = from; k < sizes.length; k++) visit(k, s + 1, l + sizes[k]!, gpus + tp[k]!);
  };
  visit(0, 0, 0, 0);
  return best;
}

describe('TypeCovers', () => {
  const arb = fc.record({
    options: fc.array(
      fc.record({ layers: fc.integer({ min: 1, max: 5 }), tp: fc.integer({ min: 1, max: 4 }) }),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    count: fc.integer({ min: 1, max: 10 }),
    maxStages: fc.integer({ min: 1, max: 4 }),
    layers: fc.integer({ min: 1, max: 10 }),
  });

  it('tables with the u fastest options equal enumeration; the last pick completes the cover', () => {
    fc.assert(
      fc.property(arb, ({ options, count, maxStages, layers }) => {
        const sizes = options.map((o) => o.layers);
        const tp = options.map((o) => o.tp);
        const covers = new TypeCovers(
          { count, usdPerHour: 1, layers: sizes, tp },
          maxStages,
          layers,
        );
        for (let u = 0; u <= options.length; u++) {
          const table = covers.gpus(u);
          const [usableSizes, usableTp] = [sizes.slice(sizes.length - u), tp.slice(tp.length - u)];
          for (let s = 0; s <= maxStages; s++) {
            for (let l = 0; l <= layers; l++) {
              const g = table[s * (layers + 1) + l]!;
              expect(g).toBe(fewestGpus(usableSizes, usableTp, count, s, l));
              if (s === 0 || g === NO_COVER) continue;
              const pick = covers.lastPick(u, s, l);
              expect(pick).toBeGreaterThanOrEqual(sizes.length - u);
              const rest = table[(s - 1) * (layers + 1) + l - sizes[pick]!]!;
              expect(rest + tp[pick]!).toBe(g);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
