import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bruteForceOptimum,
  smallInstanceArb as instanceArb,
} from '../../../../test/support/prism-instances.js';
import { toProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { validateAssignment } from '../validate.js';
import { prepareSolvers, solve, SOLVER_NAMES } from './index.js';
import { MILP_PROOF_TOLERANCE } from './milp.js';

const options = { seed: 3, timeLimitMs: 60_000 };

describe('prism solver properties on random instances', () => {
  beforeAll(() => prepareSolvers(SOLVER_NAMES));

  /** How close each prover's proof gets: milp.ts explains why HiGHS's is coarser. */
  const PROOF_TOLERANCE = { exact: 1e-9, milp: MILP_PROOF_TOLERANCE } as const;

  it.each(['exact', 'milp'] as const)('%s equals the brute-force optimum and proves it', (name) => {
    fc.assert(
      fc.property(instanceArb, (instance) => {
        const optimum = bruteForceOptimum(instance);
        const result = solve(name, toProblem(instance), options);
        if (optimum === Infinity) {
          if (result.assignment) expect(result.maxKvpr).toBe(Infinity);
          else expect(result.lowerBound).toBe(Infinity);
          // milp cannot prove that no placement leaves a loaded GPU any free memory at all.
          if (name === 'exact' || !result.assignment) expect(result.proven).toBe(true);
        } else {
          expect(result.proven).toBe(true);
          expect(Math.abs(result.maxKvpr - optimum)).toBeLessThanOrEqual(
            optimum * PROOF_TOLERANCE[name],
          );
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
