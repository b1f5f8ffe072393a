import fc from 'fast-check';
import { toProblem, type PrismInstance } from '../../src/problems/prism/model.js';
import { maxKvpr } from '../../src/problems/prism/score.js';
import { validateAssignment } from '../../src/problems/prism/validate.js';

/** A model of an instance written by hand: `reqRate` requests per second (1 unless given), SLO 1. */
export const modelOf = (name: string, sizeGb: number, reqRate = 1) => ({
  name,
  sizeGb,
  reqRate,
  slo: 1,
});

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

export const smallInstanceArb: fc.Arbitrary<PrismInstance> = fc
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

/**
 * Every assignment of models to GPUs that the strict validator accepts (memory, and moves for
 * a re-placement): the optimum by exhaustion (Infinity when none fits).
 */
export function bruteForceOptimum(instance: PrismInstance): number {
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
