import type { ColocateProblem } from '../model.js';
import { solveExhaustive } from './exhaustive.js';
import { solveHeadroom } from './headroom.js';
import type { ColocateResult, ColocateSolver, ColocateSolverName } from './types.js';
import { solveVllmDefault } from './vllm-default.js';

export { COLOCATE_SOLVER_NAMES } from './types.js';
export type { ColocateResult, ColocateSolver, ColocateSolverName } from './types.js';

const SOLVERS: Record<ColocateSolverName, ColocateSolver> = {
  'vllm-default': solveVllmDefault,
  headroom: solveHeadroom,
  exhaustive: solveExhaustive,
};

export const DEFAULT_COLOCATE_SOLVER: ColocateSolverName = 'headroom';

export function solveColocation(
  name: ColocateSolverName,
  problem: ColocateProblem,
): ColocateResult {
  return SOLVERS[name](problem);
}
