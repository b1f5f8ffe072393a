import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../generate.js';
import { toProblem, type PrismInstance } from '../model.js';
import { movedCount } from '../score.js';
import { validateAssignment } from '../validate.js';
import { prepareSolvers, solve } from './index.js';
import { deadlineAfter } from './deadline.js';
import { PlacementState, repairOverfill } from './local-search.js';
import { MILP_PROOF_TOLERANCE } from './milp.js';
import { modelOf } from '../../../../test/support/prism-instances.js';

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
  const quick = { seed: 0, timeLimitMs: 5_000 };

  it('a model that fills its GPU exactly: placed, infinite pressure, valid, proven by every solver', () => {
    for (const gpuMemGb of [[80], [80, 80]]) {
      const instance: PrismInstance = { id: 'full', gpuMemGb, models: [modelOf('a', 80)] };
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
      models: [modelOf('a', 0.1), modelOf('b', 0.2, 0)],
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
    const instance: PrismInstance = { id: 'big', gpuMemGb: [80], models: [modelOf('a', 81)] };
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
      models: [modelOf('a', 50, 5), modelOf('b', 50, 5)],
      current: [0, 0],
      maxMoves: 0,
    };
    for (const solver of ['search', 'exact', 'milp'] as const)
      expect(solve(solver, toProblem(overfull), quick).assignment, solver).toBeNull();
    expect(solve('exact', toProblem(overfull), quick).proven).toBe(true);
    const full: PrismInstance = {
      ...overfull,
      id: 'full',
      models: [modelOf('a', 40, 5), modelOf('b', 40, 5)],
    };
    expect(solve('exact', toProblem(full), quick)).toMatchObject({
      maxKvpr: Infinity,
      lowerBound: Infinity,
      proven: true,
    });
  });
});

describe('prism re-placement: a current placement that overfills GPUs is repaired within the move limit', () => {
  const quick = { seed: 0, timeLimitMs: 5_000 };
  /**
   * The repair alone makes the current placement fit within the limit (without search or
   * branch and bound), and search's answer is valid within the limit.
   */
  const repaired = (instance: PrismInstance) => {
    const problem = toProblem(instance);
    const current = Int32Array.from(instance.current!);
    expect(new PlacementState(problem, current, Infinity).fits()).toBe(false);
    const state = repairOverfill(problem, current, deadlineAfter(60_000));
    expect(state, 'repaired').not.toBeNull();
    expect(state!.fits()).toBe(true);
    expect(movedCount(instance.current!, state!.assignment)).toBeLessThanOrEqual(
      instance.maxMoves!,
    );
    return found(instance);
  };
  const found = (instance: PrismInstance) => {
    const problem = toProblem(instance);
    const search = solve('search', problem, quick);
    expect(search.assignment, 'search finds a placement').not.toBeNull();
    expect(validateAssignment(instance, problem, search.assignment!).valid).toBe(true);
    expect(movedCount(instance.current!, search.assignment!)).toBeLessThanOrEqual(
      instance.maxMoves!,
    );
    return search;
  };

  it('without load (an overfilled GPU looked perfect: pressure 0)', () => {
    const search = repaired({
      id: 'idle',
      gpuMemGb: [141, 141, 0.001],
      models: [modelOf('a', 0.2, 0), modelOf('b', 80, 0)],
      current: [0, 2],
      maxMoves: 1,
    });
    expect(search).toMatchObject({ maxKvpr: 0, proven: true });
  });

  it('when the only GPU with room must first be cleared of another model', () => {
    // b (40 GB) sits on a 1 GB GPU; the 40 GB GPU holds a small model that must make way.
    repaired({
      id: 'make-room',
      gpuMemGb: [24, 1, 40],
      models: [modelOf('a', 0.2, 7), modelOf('c', 0.2, 8), modelOf('d', 1, 9), modelOf('b', 40, 4)],
      current: [0, 2, 0, 1],
      maxMoves: 2,
    });
  });

  it('when the fewest models to move cannot all go elsewhere, but more, smaller ones can', () => {
    repaired({
      id: 'smaller',
      gpuMemGb: [40, 24],
      models: [modelOf('a', 24, 4), modelOf('b', 1, 3), modelOf('c', 24, 8), modelOf('d', 5, 1)],
      current: [1, 1, 1, 1],
      maxMoves: 3,
    });
  });

  it('without moving a model no other GPU could hold', () => {
    // The 40 GB model fits only where it is: the two smaller ones leave instead.
    repaired({
      id: 'stay',
      gpuMemGb: [40, 10, 10, 24, 1],
      models: [
        modelOf('a', 7, 0),
        modelOf('b', 16, 8),
        modelOf('c', 0.2, 0),
        modelOf('d', 40, 3),
        modelOf('e', 5, 0),
        modelOf('f', 1, 5),
      ],
      current: [1, 0, 0, 0, 3, 2],
      maxMoves: 2,
    });
  });

  it('a chain the repair does not see (a model must leave the GPU another needs) is found by branch and bound', () => {
    // 40 GB b must go where c (24 GB) is, and c where d (0.2 GB) is: three moves.
    const instance: PrismInstance = {
      id: 'chain',
      gpuMemGb: [40, 1, 40, 24],
      models: [modelOf('a', 40, 0), modelOf('b', 40, 1), modelOf('c', 24, 0), modelOf('d', 0.2, 0)],
      current: [0, 0, 2, 3],
      maxMoves: 3,
    };
    const current = Int32Array.from(instance.current!);
    expect(repairOverfill(toProblem(instance), current, deadlineAfter(60_000))).toBeNull();
    found(instance);
    // One move fewer cannot do it, and that is proven.
    for (const solver of ['search', 'exact'] as const)
      expect(solve(solver, toProblem({ ...instance, maxMoves: 2 }), quick), solver).toMatchObject({
        assignment: null,
        lowerBound: Infinity,
        proven: true,
      });
  });

  it('on random small pools: a valid placement disturbed by k moves is found again within k (property)', () => {
    // Small enough for search's bounded branch and bound to be exhaustive, so the answer must
    // be there whatever the repair misses.
    const pool = fc.record({
      mems: fc.array(fc.constantFrom(1, 10, 24, 40, 80), { minLength: 2, maxLength: 4 }),
      sizes: fc.array(fc.constantFrom(0.2, 1, 5, 7, 16, 24, 40), { minLength: 1, maxLength: 6 }),
      rates: fc.array(fc.constantFrom(0, 1, 5), { minLength: 6, maxLength: 6 }),
      picks: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    });
    fc.assert(
      fc.property(pool, ({ mems, sizes, rates, picks }) => {
        // A valid placement: each model on the first GPU (from a picked one) with room.
        const free = [...mems];
        const place: number[] = [];
        for (const [i, size] of sizes.entries()) {
          const start = picks[i]! % mems.length;
          const g = mems.map((_, k) => (start + k) % mems.length).find((k) => free[k]! >= size);
          if (g === undefined) return;
          free[g]! -= size;
          place.push(g);
        }
        // About a third of the models moved to a picked GPU, which may overfill it.
        const current = place.map((g, i) =>
          picks[6 + i]! % 3 === 0 ? picks[i]! % mems.length : g,
        );
        const models = sizes.map((size, i) => modelOf(`m${i}`, size, rates[i]!));
        found({ id: 'p', gpuMemGb: mems, models, current, maxMoves: movedCount(place, current) });
      }),
      { numRuns: 300 },
    );
  });
});
