import { elapsedMs, mean } from '../../core/timing.js';
import { toProblem, type PrismInstance } from './model.js';
import { seedMaxKvpr, seedScore } from './score.js';
import { solve, type SolveOptions, type SolverName } from './solvers/index.js';
import { validateAssignment } from './validate.js';

/** One instance's answer, as `evoplace prism solve --json` prints it. */
export interface InstanceResult {
  id: string;
  /** GPU index per model (input order); null when no placement was found. */
  assignment: number[] | null;
  /** Worst GPU's KVPR; null when there is no placement or it is unbounded. */
  maxKvpr: number | null;
  /** Proven lower bound on the optimum; null when the instance is proven infeasible. */
  lowerBound: number | null;
  proven: boolean;
  /** Verdict of the strict validator on the placement. */
  valid: boolean;
  ms: number;
}

export interface BatchSummary {
  instances: number;
  valid: number;
  /** Mean max KVPR over the valid placements (null when none is valid). */
  meanMaxKvpr: number | null;
  /** The seed benchmark's metric, computed as the seed computes it. */
  seedScore: number;
}

export interface BatchResult {
  solver: SolverName;
  instances: InstanceResult[];
  summary: BatchSummary;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Solve one instance and check the answer with the strict validator. */
export function solveInstance(
  instance: PrismInstance,
  solver: SolverName,
  options: SolveOptions,
): InstanceResult & { seedMaxKvpr: number | null } {
  const problem = toProblem(instance);
  const start = performance.now();
  const result = solve(solver, problem, options);
  const ms = elapsedMs(start);
  const report = result.assignment
    ? validateAssignment(instance, problem, result.assignment)
    : null;
  return {
    id: instance.id,
    assignment: result.assignment ? Array.from(result.assignment) : null,
    maxKvpr: report?.valid ? finiteOrNull(report.maxKvpr) : null,
    lowerBound: finiteOrNull(result.lowerBound),
    proven: result.proven,
    valid: report?.valid ?? false,
    ms,
    seedMaxKvpr: result.assignment ? seedMaxKvpr(problem, result.assignment) : null,
  };
}

/** Solve every instance in turn; `onProgress(done)` after each. */
export function solveBatch(
  instances: readonly PrismInstance[],
  solver: SolverName,
  options: SolveOptions,
  onProgress: (done: number) => void = () => {},
): BatchResult {
  const results = instances.map((instance, index) => {
    const result = solveInstance(instance, solver, options);
    onProgress(index + 1);
    return result;
  });
  const validValues = results.filter((r) => r.valid && r.maxKvpr !== null).map((r) => r.maxKvpr!);
  return {
    solver,
    instances: results.map(({ seedMaxKvpr: _seed, ...rest }) => rest),
    summary: {
      instances: results.length,
      valid: results.filter((r) => r.valid).length,
      meanMaxKvpr: validValues.length ? mean(validValues) : null,
      seedScore: seedScore(results.map((r) => r.seedMaxKvpr)),
    },
  };
}
