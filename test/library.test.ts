import { describe, expect, it } from 'vitest';
import * as evoplace from '../src/index.js';

describe('library entry point', () => {
  it('solves a prism instance and rebalances experts through the public API', () => {
    const [instance] = evoplace.generatePrismInstances('seed', 1, 42);
    const problem = evoplace.toProblem(instance!);
    const result = evoplace.solvePrism('exact', problem, { seed: 0, timeLimitMs: 10_000 });
    expect(result.proven).toBe(true);
    expect(evoplace.validateAssignment(instance!, problem, result.assignment!).valid).toBe(true);
    const load = { layers: 1, experts: 4, data: Float64Array.from([4, 1, 1, 2]) };
    const shape = { replicas: 4, groups: 2, nodes: 2, gpus: 2 };
    expect(evoplace.checkPlan(evoplace.REBALANCERS.balanced(load, shape), shape, true)).toEqual([]);
  });

  it('milp before HiGHS is loaded names the export that loads it', async () => {
    const [instance] = evoplace.generatePrismInstances('seed', 1, 42);
    const problem = evoplace.toProblem(instance!);
    const options = { seed: 0, timeLimitMs: 10_000 };
    expect(() => evoplace.solvePrism('milp', problem, options)).toThrow(
      "await preparePrismSolvers(['milp'])",
    );
    await evoplace.preparePrismSolvers(['milp']);
    expect(evoplace.solvePrism('milp', problem, options).proven).toBe(true);
  });

  it('generates, solves and prices an llm problem through the public API', () => {
    const [generated] = evoplace.generateLlmProblems(1, 7);
    const { problem, batch } = generated!;
    const perf = evoplace.PERF_MODELS.roofline;
    const best = evoplace.cheapestPerToken(evoplace.paretoFrontier(problem, batch, perf));
    if (!best) throw new Error('seed 7 gives a problem with a placement');
    expect(evoplace.validateLlmPlacement(problem, perf, batch, best)).toEqual([]);
    expect(evoplace.usdPerMillionTokens(best.usdPerHour, best.throughputTokensPerSec)).toBeCloseTo(
      best.usdPerMillionTokens,
      9,
    );
    expect(evoplace.syntheticPool().gpuCount).toBe(1024);
  });

  it('refuses a solver name it does not have (plain JavaScript has no type to stop it)', () => {
    const [instance] = evoplace.generatePrismInstances('seed', 1, 42);
    const problem = evoplace.toProblem(instance!);
    const misspelt = 'exakt' as evoplace.PrismSolverName;
    expect(() => evoplace.solvePrism(misspelt, problem, { seed: 0, timeLimitMs: 100 })).toThrow(
      'unknown prism solver "exakt"; expected one of greedy, fast, search, exact, milp',
    );
  });
});
