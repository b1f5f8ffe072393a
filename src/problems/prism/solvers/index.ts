import { loadHighs } from '../../../core/highs.js';
import type { PrismProblem } from '../model.js';
import { deadlineAfter } from './deadline.js';
import { solveExact } from './exact.js';
import { solveFast } from './fast.js';
import { solveGreedy } from './greedy.js';
import { createMilpSolver } from './milp.js';
import { solveSearch } from './search.js';
import {
  SOLVER_NAMES,
  type SolveOptions,
  type SolveResult,
  type Solver,
  type SolverName,
} from './types.js';

export { SOLVER_NAMES };
export type { SolveOptions, SolveResult, Solver, SolverName } from './types.js';

const SOLVERS: Record<Exclude<SolverName, 'milp'>, Solver> = {
  greedy: (problem) => solveGreedy(problem),
  fast: (problem, options) => solveFast(problem, deadlineAfter(options.timeLimitMs)),
  search: solveSearch,
  exact: solveExact,
};

/** The `milp` solver once HiGHS is loaded (see prepareSolvers). */
let milp: Solver | null = null;

/** What `prism solve` uses unless told otherwise (the dashboard shows the same placements). */
export const DEFAULT_SOLVER: SolverName = 'search';
export const DEFAULT_SEED = 0;
/** Per instance, for the solvers that search until told to stop. */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/** Solvers that honour a move limit on a re-placement. */
export const MOVE_AWARE_SOLVERS: readonly SolverName[] = ['search', 'exact', 'milp'];

/**
 * Load what the named solvers need before `solve` runs them: HiGHS (WebAssembly, compiled
 * asynchronously) for `milp`. The others need nothing, so most commands never pay for it.
 */
export async function prepareSolvers(names: readonly SolverName[]): Promise<void> {
  if (names.includes('milp')) milp ??= createMilpSolver(await loadHighs());
}

export function solve(name: SolverName, problem: PrismProblem, options: SolveOptions): SolveResult {
  // A library caller in plain JavaScript has no type to stop a misspelt name.
  if (!SOLVER_NAMES.includes(name))
    throw new Error(
      `unknown prism solver ${JSON.stringify(name)}; expected one of ${SOLVER_NAMES.join(', ')}`,
    );
  if (name !== 'milp') return SOLVERS[name](problem, options);
  // Only a library caller can get here: the CLI prepares what it runs. Name the export it sees.
  if (!milp) throw new Error("the milp solver needs await preparePrismSolvers(['milp']) first");
  return milp(problem, options);
}
