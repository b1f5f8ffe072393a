import type { Rng } from '../../../core/rng.js';

/** Fitness as selection ranks it: higher is better, NaN is worst. */
function rank(fitness: number): number {
  return Number.isNaN(fitness) ? -Infinity : fitness;
}

/**
 * Random k-way tournament: draw `k` distinct members of the population uniformly at random
 * (all of them when k ≥ its size) and return the fittest (higher fitness wins; on a tie,
 * the one drawn first). The population's order plays no part.
 */
export function tournament<T>(
  population: readonly T[],
  fitness: (member: T) => number,
  k: number,
  rng: Rng,
): T {
  const n = population.length;
  if (n === 0) throw new Error('tournament: the population is empty');
  if (!(k >= 1)) throw new RangeError(`tournament size must be >= 1, got ${k}`);
  const size = Math.min(n, Math.floor(k));
  const order = Array.from({ length: n }, (_, i) => i);
  let best: T | undefined;
  let bestRank = -Infinity;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng.float() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    const member = population[order[i]!]!;
    const r = rank(fitness(member));
    if (best === undefined || r > bestRank) {
      best = member;
      bestRank = r;
    }
  }
  return best!;
}

/** The `count` fittest members, best first (ties keep population order): the survivors. */
export function elites<T extends { fitness: number }>(
  population: readonly T[],
  count: number,
): T[] {
  return [...population].sort(fitterFirst).slice(0, Math.max(0, count));
}

function fitterFirst(a: { fitness: number }, b: { fitness: number }): number {
  const x = rank(a.fitness);
  const y = rank(b.fitness);
  return x === y ? 0 : x > y ? -1 : 1;
}
