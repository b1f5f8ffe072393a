import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedCases } from '../generate.js';
import { toProblem } from '../model.js';
import { maxKvpr, seedMaxKvpr, seedScore } from '../score.js';
import { validateAssignment } from '../validate.js';
import { prepareSolvers, solve, SOLVER_NAMES } from './index.js';
import { MILP_PROOF_TOLERANCE } from './milp.js';
import { NO_DEADLINE, type Deadline } from './deadline.js';
import { solveFast } from './fast.js';
import { solveGreedy } from './greedy.js';
import { modelOf } from '../../../../test/support/prism-instances.js';
import { descend, PlacementState } from './local-search.js';

/** Proven optima of the 50 seed cases, stated as facts (from an exact MILP search). */
const optima = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/prism-seed-optima.json', import.meta.url),
    'utf8',
  ),
) as { id: string; optimalMaxKvpr: number }[];
const cases = seedCases();
const options = { seed: 0, timeLimitMs: 20_000 };
const isOptimal = (value: number, k: number): boolean =>
  Math.abs(value - optima[k]!.optimalMaxKvpr) <= 1e-9 * optima[k]!.optimalMaxKvpr;

describe('prism solvers on the seed benchmark', () => {
  beforeAll(() => prepareSolvers(['milp']));

  it('greedy reproduces the seed baseline: seed metric 21.89', () => {
    const values = cases.map((c) => {
      const problem = toProblem(c);
      const result = solve('greedy', problem, options);
      return result.assignment ? seedMaxKvpr(problem, result.assignment) : null;
    });
    expect(seedScore(values)).toBeCloseTo(21.8916, 3);
    expect(Math.abs(seedScore(values) - 21.89)).toBeLessThanOrEqual(0.005);
  });

  it('exact reaches and proves the optimum on all 50 cases', () => {
    cases.forEach((c, k) => {
      expect(c.id).toBe(optima[k]!.id);
      const result = solve('exact', toProblem(c), options);
      expect(isOptimal(result.maxKvpr, k)).toBe(true);
      expect(result.proven).toBe(true);
      expect(result.lowerBound).toBeLessThanOrEqual(result.maxKvpr);
      expect(result.lowerBound).toBeGreaterThanOrEqual(result.maxKvpr * (1 - 1e-9));
    });
  });

  it('milp (HiGHS) reaches and proves the same optima: an independent check of exact', () => {
    cases.forEach((c, k) => {
      const problem = toProblem(c);
      const result = solve('milp', problem, options);
      const optimum = optima[k]!.optimalMaxKvpr;
      expect(result.proven).toBe(true);
      expect(Math.abs(result.maxKvpr - optimum)).toBeLessThanOrEqual(
        MILP_PROOF_TOLERANCE * optimum,
      );
      expect(result.lowerBound).toBeLessThanOrEqual(result.maxKvpr);
      expect(result.lowerBound).toBeGreaterThanOrEqual(optimum * (1 - 2 * MILP_PROOF_TOLERANCE));
      expect(validateAssignment(c, problem, result.assignment!).valid).toBe(true);
    });
  });

  it('search (the default) reaches the optimum on at least 48 of 50', () => {
    const optimal = cases.filter((c, k) =>
      isOptimal(solve('search', toProblem(c), options).maxKvpr, k),
    );
    expect(optimal.length).toBeGreaterThanOrEqual(48);
  });

  // milp's placements are validated in its own test above (it is the slowest to run).
  const validated = SOLVER_NAMES.filter((name) => name !== 'milp');
  it.each(validated)('%s: every placement passes the strict validator', (name) => {
    for (const c of cases) {
      const problem = toProblem(c);
      const result = solve(name, problem, options);
      const report = validateAssignment(c, problem, result.assignment!);
      expect(report.valid).toBe(true);
      expect(report.maxKvpr).toBe(result.maxKvpr);
    }
  });
});

describe('prism solvers stop at the time limit with the best placement so far', () => {
  // A limit already past, so that what the limit cuts short is known without a clock.
  const past: Deadline = { expired: () => true };
  const problem = toProblem(cases[3]!);

  it('fast keeps the greedy placement it starts from, without bisecting', () => {
    expect(solveFast(problem, past)).toEqual(solveGreedy(problem));
    expect(solveFast(problem).maxKvpr).toBeLessThan(solveGreedy(problem).maxKvpr);
  });

  it('local search takes no step', () => {
    const start = solveGreedy(problem).assignment!;
    const state = new PlacementState(problem, start, Infinity);
    descend(state, past);
    expect(state.assignment).toEqual(start);
    descend(state, NO_DEADLINE);
    expect(state.maxKvpr()).toBeLessThan(maxKvpr(problem, start));
  });
});

describe('prism search on a tight pool', () => {
  it('finds a placement where its starting points pack none (branch and bound), as exact does', () => {
    // 100.3 GB of models on 104 GB of GPUs: neither fast nor greedy packs them.
    const instance = {
      id: 'tight',
      gpuMemGb: [24, 80],
      models: [
        modelOf('m0', 11.4, 2),
        modelOf('m1', 9.203912553614268, 9),
        modelOf('m2', 33.5, 2),
        modelOf('m3', 19.7, 2),
        modelOf('m4', 4.8, 6),
        modelOf('m5', 16.4, 1),
        modelOf('m6', 5.288997970956068, 9),
      ],
    };
    const problem = toProblem(instance);
    expect(solveFast(problem).assignment).toBeNull();
    expect(solveGreedy(problem).assignment).toBeNull();
    const search = solve('search', problem, options);
    expect(search.assignment).not.toBeNull();
    expect(validateAssignment(instance, problem, search.assignment!).valid).toBe(true);
    expect(solve('exact', problem, options).maxKvpr).toBeLessThanOrEqual(search.maxKvpr);
  });
});
