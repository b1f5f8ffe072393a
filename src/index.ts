/** evoplace as a library: the problems' models, validators, solvers and generators. */
export { UserError } from './core/errors.js';
export { Rng } from './core/rng.js';

export {
  parseInstances,
  readInstancesFile,
  toProblem,
  type PrismInstance,
  type PrismProblem,
} from './problems/prism/model.js';
export { validateAssignment, validatePlacement } from './problems/prism/validate.js';
export { kvprPerGpu, maxKvpr, seedScore } from './problems/prism/score.js';
export { FAMILIES, generate as generatePrismInstances } from './problems/prism/generate.js';
export {
  solve as solvePrism,
  prepareSolvers as preparePrismSolvers,
  SOLVER_NAMES,
  type SolveOptions,
  type SolveResult,
  type SolverName as PrismSolverName,
} from './problems/prism/solvers/index.js';
export { solveBatch as solvePrismBatch } from './problems/prism/batch.js';

export {
  checkShape,
  parseLoadHistory,
  readLoadHistory,
  type LoadMatrix,
  type Plan,
  type Shape,
} from './problems/eplb/model.js';
export { checkPlan } from './problems/eplb/validate.js';
export { balancedness, movedReplicas } from './problems/eplb/score.js';
export { generateTrace } from './problems/eplb/generate.js';
export { migrate } from './problems/eplb/migrate.js';
export { ALGOS, DEFAULT_FORECASTS, REBALANCERS } from './problems/eplb/solvers/index.js';
export { FORECASTS, forecastLoad } from './problems/eplb/forecast.js';
export { replay } from './problems/eplb/replay.js';

export { readConfigDir, type LlmProblem, type Placement } from './problems/llm/model.js';
export { cheapestPerToken, choose, paretoFrontier } from './problems/llm/solvers/frontier.js';
export { validatePlacement as validateLlmPlacement } from './problems/llm/validate.js';
export { usdPerMillionTokens } from './problems/llm/score.js';
export { generateLlmProblems, syntheticPool } from './problems/llm/generate.js';
export { PERF_MODELS, PERF_MODEL_NAMES, type PerfModel } from './problems/llm/perf/index.js';

export { evaluateColocation, type ColocationMetrics } from './problems/colocate/evaluate.js';
export {
  parseColocateProblems,
  readColocateProblemsFile,
  type ColocateProblem,
  type ColocateSolution,
} from './problems/colocate/model.js';
export { validateColocation } from './problems/colocate/validate.js';
export { generateColocateProblems } from './problems/colocate/generate.js';
export { COLOCATE_SOLVER_NAMES, solveColocation } from './problems/colocate/solvers/index.js';
