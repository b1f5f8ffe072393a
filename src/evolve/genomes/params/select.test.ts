import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { elites, tournament } from './select.js';

const identity = (x: number) => x;

describe('tournament', () => {
  it('draws its contestants at random: with k = 2 the best is not always chosen', () => {
    const population = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const rng = new Rng(1);
    rng.shuffle(population);
    const wins = new Map<number, number>();
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      const winner = tournament(population, identity, 2, rng);
      wins.set(winner, (wins.get(winner) ?? 0) + 1);
    }
    // P(best wins) = 1 − C(9,2)/C(10,2) = 0.2; P(worst wins) = 0; others in between.
    expect(wins.get(9)! / draws).toBeGreaterThan(0.15);
    expect(wins.get(9)! / draws).toBeLessThan(0.25);
    expect(wins.has(0)).toBe(false);
    expect(wins.size).toBe(9);
    expect(wins.get(8)!).toBeGreaterThan(wins.get(2)!);
  });

  it('does not favour the first members of the input order', () => {
    // Sorted best first, as the seed's "tournament" assumed: a first-of-list pick would
    // always return 100.
    const population = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10];
    const rng = new Rng(2);
    const winners = Array.from({ length: 500 }, () => tournament(population, identity, 3, rng));
    expect(new Set(winners).size).toBeGreaterThan(5);
    expect(winners.filter((w) => w === 100).length / winners.length).toBeLessThan(0.45);
  });

  it('with k at least the population size returns the fittest; NaN fitness loses', () => {
    const population = [3, Number.NaN, 7, 5];
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) {
      expect(tournament(population, identity, 4, rng)).toBe(7);
      expect(tournament(population, identity, 99, rng)).toBe(7);
    }
    expect(tournament([Number.NaN], identity, 1, rng)).toBeNaN();
  });

  it('k = 1 is a uniform draw', () => {
    const rng = new Rng(4);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[tournament([0, 1, 2, 3], identity, 1, rng)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('is deterministic for a seed and refuses an empty population or k < 1', () => {
    const pick = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 30 }, () => tournament([5, 3, 9, 1, 7], identity, 2, rng));
    };
    expect(pick(9)).toEqual(pick(9));
    expect(() => tournament([], identity, 2, new Rng(0))).toThrow(/empty/);
    expect(() => tournament([1], identity, 0, new Rng(0))).toThrow(RangeError);
  });
});

describe('elites', () => {
  it('returns the fittest, best first, ties in population order, NaN last', () => {
    const population = [
      { id: 'a', fitness: 1 },
      { id: 'b', fitness: Number.NaN },
      { id: 'c', fitness: 3 },
      { id: 'd', fitness: 3 },
      { id: 'e', fitness: 2 },
    ];
    expect(elites(population, 3).map((m) => m.id)).toEqual(['c', 'd', 'e']);
    expect(elites(population, 9).map((m) => m.id)).toEqual(['c', 'd', 'e', 'a', 'b']);
    expect(elites(population, 0)).toEqual([]);
  });
});
