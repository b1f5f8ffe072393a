import type { Rng } from '../../../core/rng.js';
import type { Params, SearchSpace } from './space.js';

/** Uniform crossover: each parameter of the space taken from `a` or `b` with equal odds. */
export function crossover(space: SearchSpace, a: Params, b: Params, rng: Rng): Params {
  const child: Params = {};
  for (const name of Object.keys(space)) {
    const from = rng.float() < 0.5 ? a : b;
    if (!(name in from)) throw new Error(`crossover: a parent lacks parameter ${name}`);
    child[name] = from[name]!;
  }
  return child;
}
