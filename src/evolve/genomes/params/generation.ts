import type { Rng } from '../../../core/rng.js';
import { crossover } from './crossover.js';
import { enumerate, spaceSize } from './enumerate.js';
import { canonicalKey } from './key.js';
import { mutate } from './mutate.js';
import { isSafe } from './safety.js';
import { randomParams } from './sample.js';
import { elites, tournament } from './select.js';
import type { Params, SearchSpace } from './space.js';

/** An evaluated configuration: higher fitness is better. */
export interface Scored {
  params: Params;
  fitness: number;
}

export interface GenerationArgs {
  space: SearchSpace;
  /** The current population (survivors and last generation), evaluated. */
  population: readonly Scored[];
  /** canonicalKey of every configuration evaluated (or queued) so far; not modified. */
  seen: ReadonlySet<string>;
  /** How many new configurations are wanted. */
  count: number;
  rng: Rng;
  /** k of the k-way tournament that picks each parent. */
  tournamentSize: number;
  /** Probability in [0, 1] that a bred child starts as the crossover of two parents. */
  crossoverRate: number;
  /** Mutation strength (see mutate). */
  mutationStrength: number;
  /** Fraction in [0, 1] of `count` drawn fresh at random instead of bred. */
  randomFraction: number;
  /**
   * Elitism: the `eliteCount` fittest each parent one mutated child first (default 1). The
   * survivors themselves stay in the caller's population (see `elites`), never re-evaluated.
   */
  eliteCount?: number;
}

/** Tries per wanted configuration before a phase gives up (its neighbourhood is exhausted). */
const TRIES_PER_CHILD = 20;
/** Largest finite space that is scanned for unseen points when random tries run dry. */
const MAX_SCANNED = 100_000;

/**
 * One generation's offspring: up to `count` configurations never seen before, distinct and
 * safe (isSafe), in this order: a mutation of each elite; children bred by tournament
 * selection, crossover (with probability `crossoverRate`) and mutation; fresh random
 * configurations (`randomFraction` of `count`, more if breeding fell short). When those
 * run dry in a small finite space, unseen safe grid points fill the rest, so fewer than
 * `count` come back only when the space has no more. Deterministic for a given rng state.
 */
export function nextGeneration(args: GenerationArgs): Params[] {
  checkArgs(args);
  const { space, population, seen, rng } = args;
  const count = Math.floor(args.count);
  const out: Params[] = [];
  const taken = new Set<string>();
  const accept = (params: Params | null): boolean => {
    if (params === null || out.length >= count) return false;
    const key = canonicalKey(params);
    if (seen.has(key) || taken.has(key) || !isSafe(space, params).ok) return false;
    taken.add(key);
    out.push(params);
    return true;
  };
  const breed = population.length === 0 ? 0 : count - Math.round(count * args.randomFraction);

  for (const elite of elites(population, Math.min(args.eliteCount ?? 1, breed))) {
    for (let t = 0; t < TRIES_PER_CHILD; t++) {
      if (accept(mutate(space, elite.params, rng, args.mutationStrength))) break;
    }
  }
  for (let t = 0; out.length < breed && t < breed * TRIES_PER_CHILD; t++) {
    accept(mutate(space, parents(args), rng, args.mutationStrength));
  }
  for (let t = 0; out.length < count && t < count * TRIES_PER_CHILD; t++) {
    accept(randomParams(space, rng));
  }
  if (out.length < count) scanForUnseen(space, rng, accept);
  return out;
}

/** A tournament winner, crossed with a second one with probability `crossoverRate`. */
function parents(args: GenerationArgs): Params {
  const { space, population, rng, tournamentSize } = args;
  const fitness = (s: Scored) => s.fitness;
  const first = tournament(population, fitness, tournamentSize, rng).params;
  if (population.length < 2 || !(rng.float() < args.crossoverRate)) return first;
  return crossover(space, first, tournament(population, fitness, tournamentSize, rng).params, rng);
}

/** Offer every grid point of a small finite space, in random order, to `accept`. */
function scanForUnseen(space: SearchSpace, rng: Rng, accept: (p: Params) => boolean): void {
  const size = spaceSize(space);
  if (size === null || size > MAX_SCANNED) return;
  const all = enumerate(space);
  rng.shuffle(all);
  for (const params of all) accept(params);
}

function checkArgs(args: GenerationArgs): void {
  const fraction = (name: 'crossoverRate' | 'randomFraction') => {
    if (!(args[name] >= 0 && args[name] <= 1)) {
      throw new RangeError(`${name} must be in [0, 1], got ${args[name]}`);
    }
  };
  fraction('crossoverRate');
  fraction('randomFraction');
  if (!(args.count >= 0)) throw new RangeError(`count must be >= 0, got ${args.count}`);
}
