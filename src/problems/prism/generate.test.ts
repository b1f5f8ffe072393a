import { describe, expect, it } from 'vitest';
import { toProblem } from './model.js';
import { generate, seedCases } from './generate.js';
import { solveSearch } from './solvers/search.js';

describe('prism generators', () => {
  it('reproduce the seed benchmark draw for draw (numpy legacy MT19937, seed 42)', () => {
    const cases = seedCases();
    expect(cases).toHaveLength(50);
    // Facts read off the seed's 50 cases: GPU counts, and models as (size, rate, SLO).
    expect(cases.map((c) => c.gpuMemGb.length).slice(0, 10)).toEqual([
      8, 9, 7, 7, 8, 7, 8, 5, 6, 9,
    ]);
    expect(cases[0]!.models.slice(0, 3)).toEqual([
      { name: 'model_0', sizeGb: 24, reqRate: 8, slo: 9 },
      { name: 'model_1', sizeGb: 16, reqRate: 3, slo: 7 },
      { name: 'model_2', sizeGb: 20, reqRate: 8, slo: 9 },
    ]);
    expect(cases[0]!.models[15]).toEqual({ name: 'model_15', sizeGb: 29, reqRate: 7, slo: 8 });
    expect(cases[49]!.id).toBe('seed-49');
    expect(cases[49]!.models.at(-1)).toEqual(SEED_49_LAST_MODEL);
    expect(cases.every((c) => c.gpuMemGb.every((m) => m === 80))).toBe(true);
    expect(cases.every((c) => c.models.length === 2 * c.gpuMemGb.length)).toBe(true);
  });

  it.each(['large', 'tight', 'hetero'] as const)(
    '%s: seeded, reproducible, within its stated shape',
    (family) => {
      const a = generate(family, 4, 7);
      expect(generate(family, 4, 7)).toEqual(a);
      expect(generate(family, 4, 8)).not.toEqual(a);
      for (const instance of a) {
        const gpus = instance.gpuMemGb.length;
        const perGpu = instance.models.length / gpus;
        expect(perGpu).toBeGreaterThanOrEqual(3);
        expect(perGpu).toBeLessThanOrEqual(4);
        for (const m of instance.models) {
          expect(m.sizeGb).toBeGreaterThanOrEqual(5);
          expect(m.sizeGb).toBeLessThanOrEqual(60);
          expect(m.reqRate).toBeGreaterThanOrEqual(1);
        }
        const fill =
          instance.models.reduce((s, m) => s + m.sizeGb, 0) /
          instance.gpuMemGb.reduce((s, m) => s + m, 0);
        if (family === 'large') expect(gpus).toBeGreaterThanOrEqual(32);
        if (family === 'tight') expect(fill).toBeGreaterThanOrEqual(0.85);
        expect(fill).toBeLessThanOrEqual(0.92);
      }
    },
  );

  it('plants a placement: every generated instance has one', () => {
    for (const instance of generate('tight', 3, 3)) {
      const result = solveSearch(toProblem(instance), { seed: 0, timeLimitMs: 5_000 });
      expect(result.assignment).not.toBeNull();
    }
  });
});

const SEED_49_LAST_MODEL = { name: 'model_9', sizeGb: 20, reqRate: 1, slo: 9 };
