import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrismInstance } from '../model.js';
import { toProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { validateAssignment } from '../validate.js';
import { solve, SOLVER_NAMES } from './index.js';

/**
 * Small random instances: 1–4 GPUs, of mixed memory or (half the time, where the packing
 * bound applies) all alike; 1–8 models, some nearly full.
 */
const memsArb = fc.oneof(
  fc.array(fc.constantFrom(24, 40, 48, 80), { minLength: 1, maxLength: 4 }),
  fc
    .tuple(fc.constantFrom(24, 40, 80), fc.integer({ min: 1, max: 4 }))
    .map(([mem, count]) => Array.from({ length: count }, () => mem)),
);
const instanceArb = fc
  .record({
    mems: memsArb,
    models: fc.array(
      fc.record({
        sizeGb: fc.integer({ min: 1, max: 60 }),
        reqRate: fc.integer({ min: 0, max: 20 }),
        slo: fc.integer({ min: 1, max: 10 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(({ mems, models }): PrismInstance => ({
    id: 'random',
    gpuMemGb: mems,
    models: models.map((m, i) => ({ name: `m${i}`, ...m })),
  }));

/** Every assignment of models to GPUs: the optimum by exhaustion (Infinity when none fits). */
function bruteForceOptimum(instance: PrismInstance): number {
  const problem = toProblem(instance);
  const assignment = new Int32Array(problem.modelCount);
  let best = Infinity;
  const visit = (i: number): void => {
    if (i === problem.modelCount) {
      if (validateAssignment(instance, problem, assignment).valid)
        best = Math.min(best, maxKvpr(problem, assignment));
      return;
    }
    for (let g = 0; g < problem.gpuCount; g++) {
      assignment[i] = g;
      visit(i + 1);
    }
  };
  visit(0);
  return best;
}

const options = { seed: 3, timeLimitMs: 60_000 };

describe('prism solver properties on random instances', () => {
  it('exact equals the brute-force optimum and proves it', () => {
    fc.assert(
      fc.property(instanceArb, (instance) => {
        const optimum = bruteForceOptimum(instance);
        const result = solve('exact', toProblem(instance), options);
        expect(result.proven).toBe(true);
        if (optimum === Infinity) {
          if (result.assignment) expect(result.maxKvpr).toBe(Infinity);
          else expect(result.lowerBound).toBe(Infinity);
        } else {
          expect(Math.abs(result.maxKvpr - optimum)).toBeLessThanOrEqual(optimum * 1e-9);
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('all solvers: valid placements, bounds below every result, nothing beats a proof', () => {
    fc.assert(
      fc.property(instanceArb, (instance) => {
        const problem = toProblem(instance);
        const exact = solve('exact', problem, options);
        for (const name of SOLVER_NAMES) {
          const result = solve(name, problem, options);
          if (result.assignment) {
            expect(validateAssignment(instance, problem, result.assignment).valid).toBe(true);
            expect(result.maxKvpr).toBe(maxKvpr(problem, result.assignment));
            if (exact.proven)
              expect(result.maxKvpr).toBeGreaterThanOrEqual(exact.maxKvpr * (1 - 1e-9));
          } else if (exact.assignment === null) {
            expect(exact.proven).toBe(true);
          }
          expect(result.lowerBound).toBeLessThanOrEqual(exact.maxKvpr * (1 + 1e-9));
          expect(exact.lowerBound).toBeLessThanOrEqual(result.maxKvpr * (1 + 1e-9));
        }
      }),
      { numRuns: 100, seed: 12 },
    );
  });

  it('same seed, same output', () => {
    fc.assert(
      fc.property(instanceArb, fc.integer({ min: 0, max: 1000 }), (instance, seed) => {
        for (const name of SOLVER_NAMES) {
          const a = solve(name, toProblem(instance), { seed, timeLimitMs: 60_000 });
          const b = solve(name, toProblem(instance), { seed, timeLimitMs: 60_000 });
          expect(b).toEqual(a);
        }
      }),
      { numRuns: 50, seed: 13 },
    );
  });
});
