/**
 * The params genome (DESIGN §3): a point in a declared search space, changed by mutation and
 * crossover, chosen by tournament. Pure and deterministic for a given seeded Rng; no I/O.
 */
export {
  searchSpaceSchema,
  validateSpace,
  type SearchSpace,
  type ParamSpec,
  type ChoiceParam,
  type IntParam,
  type RealParam,
  type Params,
  type ParamValue,
} from './space.js';
export { spaceSize, enumerate, MAX_ENUMERATED } from './enumerate.js';
export { randomParams } from './sample.js';
export { isSafe, type SafetyVerdict } from './safety.js';
export { canonicalKey } from './key.js';
export { mutate, DEFAULT_MUTATION_STRENGTH } from './mutate.js';
export { crossover } from './crossover.js';
export { tournament, elites } from './select.js';
export { nextGeneration, type GenerationArgs, type Scored } from './generation.js';
