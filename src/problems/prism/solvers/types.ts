import type { Assignment, PrismProblem } from '../model.js';

export const SOLVER_NAMES = ['greedy', 'fast', 'search', 'exact', 'milp'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];

export interface SolveOptions {
  /** Seed of every random choice: the same problem and seed give the same answer. */
  seed: number;
  /** Hard cap on wall-clock time; answers are reproducible when it is not reached. */
  timeLimitMs: number;
  /** Settings of the `search` solver (others ignore them); defaults: DEFAULT_SEARCH_KNOBS. */
  knobs?: Partial<SearchKnobs>;
}

/** What the `search` solver can be tuned on (the `tune-prism` experiment searches these). */
export interface SearchKnobs {
  /** Kicks per start of the iterated local search. */
  kicks: number;
  /** Kicks without improvement after which a start gives up. */
  patience: number;
  /** A kick moves between 1 and this many models at random. */
  kickStrength: number;
  /** Starting placements, in order: the `fast` packing, the seed's greedy. */
  starts: readonly ('fast' | 'greedy')[];
}

export const DEFAULT_SEARCH_KNOBS: SearchKnobs = {
  kicks: 1500,
  patience: 40,
  kickStrength: 3,
  starts: ['fast', 'greedy'],
};

export interface SolveResult {
  /** GPU index per model, or null when no placement of every model was found. */
  assignment: Assignment | null;
  /** Worst GPU's KVPR of `assignment` (Infinity when there is none). */
  maxKvpr: number;
  /** A proven lower bound on the optimal max KVPR (Infinity when proven infeasible). */
  lowerBound: number;
  /** True when `maxKvpr` is proven optimal, or the instance proven infeasible. */
  proven: boolean;
  /** `search`: the local-search kicks it made, a measure of its work that no clock affects. */
  kicks?: number;
}

export type Solver = (problem: PrismProblem, options: SolveOptions) => SolveResult;
