import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../generate.js';
import { toProblem, type PrismInstance } from '../model.js';
import { movedCount } from '../score.js';
import { validateAssignment } from '../validate.js';
import { prepareSolvers, solve } from './index.js';
import { MILP_PROOF_TOLERANCE } from './milp.js';

/** A heterogeneous pool's instance with the current placement a search found, then disturbed. */
function withCurrent(instance: PrismInstance, seed: number): PrismInstance {
  const problem = toProblem(instance);
  const start = solve('search', problem, { seed, timeLimitMs: 10_000 }).assignment!;
  // Rotate a few loads so the current placement is valid but no longer good.
  const models = instance.models.map((m, i) =>
    i % 3 === 0 ? { ...m, reqRate: m.reqRate * 3 } : m,
  );
  return { ...instance, models, current: Array.from(start) };
}

const options = { seed: 5, timeLimitMs: 30_000 };

describe('prism re-placement', () => {
  beforeAll(() => prepareSolvers(['milp']));
  const base = withCurrent(generate('hetero', 1, 21)[0]!, 1);

  it('maxMoves 0 returns the current placement', () => {
    for (const solver of ['search', 'exact', 'milp'] as const) {
      const instance = { ...base, maxMoves: 0 };
      const result = solve(solver, toProblem(instance), options);
      expect(Array.from(result.assignment!)).toEqual(instance.current);
    }
  });

  it('raising maxMoves never worsens the result, and the limit is respected', () => {
    let previous = Infinity;
    for (const maxMoves of [0, 1, 2, 3, 5, 8, 13, 40, 1000]) {
      const instance = { ...base, maxMoves };
      const problem = toProblem(instance);
      const result = solve('search', problem, options);
      expect(validateAssignment(instance, problem, result.assignment!).valid).toBe(true);
      expect(movedCount(instance.current!, result.assignment!)).toBeLessThanOrEqual(maxMoves);
      expect(result.maxKvpr).toBeLessThanOrEqual(previous);
      previous = result.maxKvpr;
    }
  });

  it('exact on small heterogeneous pools: monotone in maxMoves, never worse than search, and milp agrees', () => {
    const small = fc.record({
      mems: fc.array(fc.constantFrom(40, 48, 80, 141), { minLength: 2, maxLength: 4 }),
      sizes: fc.array(fc.integer({ min: 5, max: 30 }), { minLength: 2, maxLength: 8 }),
      rates: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 8, maxLength: 8 }),
      seed: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(small, ({ mems, sizes, rates, seed }) => {
        const models = sizes.map((sizeGb, i) => ({
          name: `m${i}`,
          sizeGb,
          reqRate: rates[i]!,
          slo: 5,
        }));
        // Current placement: round-robin where it fits; skip instances where it does not.
        const current = models.map((_, i) => i % mems.length);
        const instance: PrismInstance = { id: 'r', gpuMemGb: mems, models, current };
        if (!validateAssignment(instance, toProblem(instance), current).valid) return;
        let previous = Infinity;
        for (let maxMoves = 0; maxMoves <= models.length; maxMoves++) {
          const limited = { ...instance, maxMoves };
          const problem = toProblem(limited);
          const exact = solve('exact', problem, { seed, timeLimitMs: 30_000 });
          const search = solve('search', problem, { seed, timeLimitMs: 30_000 });
          const milp = solve('milp', problem, { seed, timeLimitMs: 30_000 });
          expect(exact.proven).toBe(true);
          expect(milp.proven).toBe(true);
          expect(Math.abs(milp.maxKvpr - exact.maxKvpr)).toBeLessThanOrEqual(
            exact.maxKvpr * MILP_PROOF_TOLERANCE,
          );
          expect(movedCount(current, milp.assignment!)).toBeLessThanOrEqual(maxMoves);
          expect(exact.maxKvpr).toBeLessThanOrEqual(previous * (1 + 1e-9));
          expect(exact.maxKvpr).toBeLessThanOrEqual(search.maxKvpr * (1 + 1e-9));
          expect(movedCount(current, exact.assignment!)).toBeLessThanOrEqual(maxMoves);
          previous = exact.maxKvpr;
        }
      }),
      { numRuns: 40, seed: 17 },
    );
  });
});

describe('prism: placements of infinite pressure are placements', () => {
  beforeAll(() => prepareSolvers(['milp']));
  const model = (name: string, sizeGb: number, reqRate = 1) => ({ name, sizeGb, reqRate, slo: 1 });
  const quick = { seed: 0, timeLimitMs: 5_000 };

  it('a model that fills its GPU exactly: placed, infinite pressure, valid, proven by every solver', () => {
    for (const gpuMemGb of [[80], [80, 80]]) {
      const instance: PrismInstance = { id: 'full', gpuMemGb, models: [model('a', 80)] };
      for (const solver of ['greedy', 'fast', 'search', 'exact', 'milp'] as const) {
        const result = solve(solver, toProblem(instance), quick);
        expect(result.assignment, solver).not.toBeNull();
        expect(validateAssignment(instance, toProblem(instance), result.assignment!).valid).toBe(
          true,
        );
        expect(result).toMatchObject({ maxKvpr: Infinity, lowerBound: Infinity, proven: true });
      }
    }
  });

  it('decimal sizes that fill a GPU (0.1 + 0.2 GB on 0.3 GB, loaded) fit as the validator counts them', () => {
    const instance: PrismInstance = {
      id: 'decimal',
      gpuMemGb: [0.3],
      models: [model('a', 0.1), model('b', 0.2, 0)],
    };
    const problem = toProblem(instance);
    expect(validateAssignment(instance, problem, [0, 0]).valid).toBe(true);
    // greedy keeps the seed's strict rule; the others place both, at infinite pressure.
    for (const solver of ['fast', 'search', 'exact', 'milp'] as const)
      expect(solve(solver, problem, quick), solver).toMatchObject({
        assignment: Int32Array.from([0, 0]),
        maxKvpr: Infinity,
        proven: true,
      });
  });

  it('a model larger than every GPU: no placement, proven by every solver', () => {
    const instance: PrismInstance = { id: 'big', gpuMemGb: [80], models: [model('a', 81)] };
    for (const solver of ['greedy', 'fast', 'search', 'exact', 'milp'] as const)
      expect(solve(solver, toProblem(instance), quick), solver).toMatchObject({
        assignment: null,
        proven: true,
      });
  });

  it('re-placement: an overfull current placement that may not move is no placement; one that can only stay full has an infinite bound', () => {
    const overfull: PrismInstance = {
      id: 'overfull',
      gpuMemGb: [80, 80],
      models: [model('a', 50, 5), model('b', 50, 5)],
      current: [0, 0],
      maxMoves: 0,
    };
    for (const solver of ['search', 'exact', 'milp'] as const)
      expect(solve(solver, toProblem(overfull), quick).assignment, solver).toBeNull();
    expect(solve('exact', toProblem(overfull), quick).proven).toBe(true);
    const full: PrismInstance = {
      ...overfull,
      id: 'full',
      models: [model('a', 40, 5), model('b', 40, 5)],
    };
    expect(solve('exact', toProblem(full), quick)).toMatchObject({
      maxKvpr: Infinity,
      lowerBound: Infinity,
      proven: true,
    });
  });
});
