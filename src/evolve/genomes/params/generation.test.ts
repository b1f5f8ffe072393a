import { describe, expect, it } from 'vitest';
import { COLOCATION_SPACE } from '../../../../test/support/spaces.js';
import { Rng } from '../../../core/rng.js';
import { nextGeneration, type GenerationArgs, type Scored } from './generation.js';
import { canonicalKey } from './key.js';
import { isSafe } from './safety.js';
import { validateSpace, type Params, type SearchSpace } from './space.js';

const colocation = COLOCATION_SPACE;

function args(space: SearchSpace, population: Scored[], seen: Set<string>, seed: number) {
  return {
    space,
    population,
    seen,
    count: 5,
    rng: new Rng(seed),
    tournamentSize: 2,
    crossoverRate: 0.5,
    mutationStrength: 0.2,
    randomFraction: 0.2,
  } satisfies GenerationArgs;
}

/** Fitness peaking at (0.5, base). */
function fitness(p: Params): number {
  return -Math.abs((p.gpu_memory_utilization as number) - 0.5) - (p.whisper === 'base' ? 0 : 0.1);
}

describe('nextGeneration', () => {
  it('exhausts a small space: fewer than count, then nothing; never unsafe, never twice', () => {
    // 15 grid points, 3 of them (0.6, *) above the safety maximum: 12 may be evaluated.
    const seen = new Set<string>();
    const population: Scored[] = [];
    const sizes: number[] = [];
    for (let generation = 0; generation < 5; generation++) {
      const offspring = nextGeneration(args(colocation, population, seen, generation));
      sizes.push(offspring.length);
      for (const p of offspring) {
        expect(isSafe(colocation, p)).toEqual({ ok: true });
        expect(seen.has(canonicalKey(p))).toBe(false);
        seen.add(canonicalKey(p));
        population.push({ params: p, fitness: fitness(p) });
      }
    }
    expect(sizes).toEqual([5, 5, 2, 0, 0]);
    expect(seen.size).toBe(12);
  });

  it('finds the last unseen points of a finite space that random draws would miss', () => {
    const space = validateSpace({ a: { type: 'int', min: 0, max: 9999 } });
    const left = [17, 4242, 9999];
    const seen = new Set(
      Array.from({ length: 10_000 }, (_, a) => a)
        .filter((a) => !left.includes(a))
        .map((a) => canonicalKey({ a })),
    );
    const population = [{ params: { a: 0 }, fitness: 1 }];
    const out = nextGeneration(args(space, population, seen, 5));
    expect(out.map((p) => p.a).sort((x, y) => (x as number) - (y as number))).toEqual(left);
    for (const p of out) seen.add(canonicalKey(p));
    expect(nextGeneration(args(space, population, seen, 6))).toEqual([]);
  });

  it('starts from random configurations when the population is empty', () => {
    const out = nextGeneration(args(colocation, [], new Set(), 1));
    expect(out).toHaveLength(5);
    expect(new Set(out.map(canonicalKey)).size).toBe(5);
  });

  it('does not change `seen`', () => {
    const seen = new Set(['x']);
    nextGeneration(args(colocation, [], seen, 1));
    expect([...seen]).toEqual(['x']);
  });

  it('is deterministic for a seed', () => {
    const population = [
      { params: { gpu_memory_utilization: 0.5, whisper: 'tiny' }, fitness: 1 },
      { params: { gpu_memory_utilization: 0.4, whisper: 'small' }, fitness: 0 },
    ];
    const seen = new Set(population.map((m) => canonicalKey(m.params)));
    const a = nextGeneration(args(colocation, population, seen, 7));
    expect(nextGeneration(args(colocation, population, seen, 7))).toEqual(a);
    const others = [8, 9, 10].map((s) => nextGeneration(args(colocation, population, seen, s)));
    expect(others.some((o) => JSON.stringify(o) !== JSON.stringify(a))).toBe(true);
  });

  it('breeds near the elite: its first child is a mutation of the best member', () => {
    const space = validateSpace({
      a: { type: 'int', min: 0, max: 1000 },
      b: { type: 'int', min: 0, max: 1000 },
    });
    const best = { a: 900, b: 100 };
    const population = [
      { params: { a: 10, b: 10 }, fitness: 1 },
      { params: best, fitness: 5 },
      { params: { a: 500, b: 500 }, fitness: 2 },
    ];
    const seen = new Set(population.map((m) => canonicalKey(m.params)));
    for (let seed = 0; seed < 20; seed++) {
      const [first] = nextGeneration({
        ...args(space, population, seen, seed),
        mutationStrength: 0.01,
      });
      const moved =
        Math.abs((first!.a as number) - best.a) + Math.abs((first!.b as number) - best.b);
      expect(moved).toBeGreaterThan(0);
      expect(moved).toBeLessThan(100);
    }
  });

  it('injects the random fraction even when breeding could fill every slot', () => {
    const space = validateSpace({ a: { type: 'int', min: 0, max: 1_000_000 } });
    const population = [{ params: { a: 0 }, fitness: 1 }];
    const out = nextGeneration({
      ...args(space, population, new Set(['{"a":0}']), 3),
      count: 10,
      randomFraction: 0.5,
      mutationStrength: 0.00001,
    });
    expect(out).toHaveLength(10);
    // Bred children stay within a few sigma (10) of 0; random ones land anywhere in a million.
    expect(out.slice(0, 5).every((p) => (p.a as number) < 100)).toBe(true);
    expect(out.slice(5).every((p) => (p.a as number) > 100)).toBe(true);
  });

  it('refuses rates outside [0, 1] and a negative count', () => {
    expect(() =>
      nextGeneration({ ...args(colocation, [], new Set(), 1), crossoverRate: 2 }),
    ).toThrow(/crossoverRate/);
    expect(() =>
      nextGeneration({ ...args(colocation, [], new Set(), 1), randomFraction: -0.1 }),
    ).toThrow(/randomFraction/);
    expect(() => nextGeneration({ ...args(colocation, [], new Set(), 1), count: -1 })).toThrow(
      /count/,
    );
    expect(nextGeneration({ ...args(colocation, [], new Set(), 1), count: 0 })).toEqual([]);
  });
});
