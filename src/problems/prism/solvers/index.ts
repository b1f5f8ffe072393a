import type { PrismProblem } from '../model.js';
import { solveExact } from './exact.js';
import { solveFast } from './fast.js';
import { solveGreedy } from './greedy.js';
import { solveSearch } from './search.js';
import type { SolveOptions, SolveResult, Solver, SolverName } from './types.js';

export { SOLVER_NAMES } from './types.js';
export type { SolveOptions, SolveResult, Solver, SolverName } from './types.js';

export const SOLVERS: Record<SolverName, Solver> = {
  greedy: (problem) => solveGreedy(problem),
  fast: (problem) => solveFast(problem),
  search: solveSearch,
  exact: solveExact,
};

/** What `prism solve` uses unless told otherwise (the dashboard shows the same placements). */
export const DEFAULT_SOLVER: SolverName = 'search';
export const DEFAULT_SEED = 0;
/** Per instance, for the solvers that search until told to stop. */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/** Solvers that honour a move limit on a re-placement. */
export const MOVE_AWARE_SOLVERS: readonly SolverName[] = ['search', 'exact'];

export function solve(name: SolverName, problem: PrismProblem, options: SolveOptions): SolveResult {
  return SOLVERS[name](problem, options);
}
