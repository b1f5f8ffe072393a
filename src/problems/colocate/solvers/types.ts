import type { ColocateProblem, ColocateSolution } from '../model.js';
import type { ColocateReport } from '../validate.js';

export const COLOCATE_SOLVER_NAMES = ['vllm-default', 'headroom', 'exhaustive'] as const;
export type ColocateSolverName = (typeof COLOCATE_SOLVER_NAMES)[number];

export interface ColocateResult {
  /** The configuration chosen; null when no configuration on the grid is valid. */
  solution: ColocateSolution | null;
  /** The strict validator's verdict on `solution` (null with it). */
  report: ColocateReport | null;
  /** Configurations the solver evaluated with the co-location model. */
  evaluations: number;
  /** With no solution: why no configuration is valid (see explainInfeasible). */
  explanation: string | null;
}

export type ColocateSolver = (problem: ColocateProblem) => ColocateResult;
