import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedCases } from '../generate.js';
import { toProblem, type PrismInstance } from '../model.js';
import { fluidBound, lowerBound, packingBound, singleModelBound } from './bounds.js';

const instance = (gpuMemGb: number[], models: [number, number][]): PrismInstance => ({
  id: 'b',
  gpuMemGb,
  models: models.map(([sizeGb, reqRate], i) => ({ name: `m${i}`, sizeGb, reqRate, slo: 1 })),
});

describe('prism lower bounds', () => {
  it('fluid bound: total load over total free memory', () => {
    expect(
      fluidBound(
        toProblem(
          instance(
            [80, 80],
            [
              [20, 3],
              [40, 6],
            ],
          ),
        ),
      ),
    ).toBe(9 / 100);
  });

  it('single-model bound: a model alone on the largest GPU', () => {
    expect(
      singleModelBound(
        toProblem(
          instance(
            [40, 80],
            [
              [60, 10],
              [10, 1],
            ],
          ),
        ),
      ),
    ).toBe(10 / 20);
    expect(singleModelBound(toProblem(instance([40], [[50, 1]])))).toBe(Infinity);
  });

  it('packing bound: sees what the fluid bound cannot', () => {
    // 150 GB of models in 160 GB, but no two 50 GB models share an 80 GB GPU: infeasible.
    const infeasible = toProblem(
      instance(
        [80, 80],
        [
          [50, 1],
          [50, 1],
          [50, 1],
        ],
      ),
    );
    expect(fluidBound(infeasible)).toBeCloseTo(3 / 10);
    expect(packingBound(infeasible, fluidBound(infeasible))).toBe(Infinity);
    // Three 45 GB models and a 20 GB one on three GPUs: some GPU holds two models, at best
    // 45 + 20 GB with load 2: the optimum is 2 / 15, far above the fluid 4 / 85.
    const tight = toProblem(
      instance(
        [80, 80, 80],
        [
          [45, 1],
          [45, 1],
          [45, 1],
          [20, 1],
        ],
      ),
    );
    const bound = packingBound(tight, fluidBound(tight));
    expect(bound).toBeGreaterThan(fluidBound(tight) * 1.5);
    expect(bound).toBeLessThanOrEqual(2 / 15);
  });

  it('stays at or below the proven optimum on every seed case, and closes most of the gap', () => {
    const optima = JSON.parse(
      readFileSync(
        new URL('../../../../test/fixtures/prism-seed-optima.json', import.meta.url),
        'utf8',
      ),
    ) as { optimalMaxKvpr: number }[];
    let fluidGap = 0;
    let gap = 0;
    seedCases().forEach((c, k) => {
      const problem = toProblem(c);
      const optimum = optima[k]!.optimalMaxKvpr;
      const bound = lowerBound(problem);
      expect(bound).toBeLessThanOrEqual(optimum);
      gap += optimum / bound - 1;
      fluidGap += optimum / Math.max(fluidBound(problem), singleModelBound(problem)) - 1;
    });
    // Measured: 12.5 % mean gap for fluid and single-model bounds alone, 2.8 % with packing.
    expect(gap / 50).toBeLessThan(0.05);
    expect(gap).toBeLessThan(fluidGap / 3);
  });
});
