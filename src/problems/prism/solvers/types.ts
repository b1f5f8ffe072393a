import type { Assignment, PrismProblem } from '../model.js';

export const SOLVER_NAMES = ['greedy', 'fast', 'search', 'exact'] as const;
export type SolverName = (typeof SOLVER_NAMES)[number];

export interface SolveOptions {
  /** Seed of every random choice: the same problem and seed give the same answer. */
  seed: number;
  /** Hard cap on wall-clock time; answers are reproducible when it is not reached. */
  timeLimitMs: number;
}

export interface SolveResult {
  /** GPU index per model, or null when no placement of every model was found. */
  assignment: Assignment | null;
  /** Worst GPU's KVPR of `assignment` (Infinity when there is none). */
  maxKvpr: number;
  /** A proven lower bound on the optimal max KVPR (Infinity when proven infeasible). */
  lowerBound: number;
  /** True when `maxKvpr` is proven optimal, or the instance proven infeasible. */
  proven: boolean;
}

export type Solver = (problem: PrismProblem, options: SolveOptions) => SolveResult;
