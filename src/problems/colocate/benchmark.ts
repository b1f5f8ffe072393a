import { withProgress } from '../../core/progress.js';
import { formatTable } from '../../core/table.js';
import { elapsedMs, mean, quantile } from '../../core/timing.js';
import { generateColocateProblems } from './generate.js';
import { COLOCATE_SOLVER_NAMES, solveColocation, type ColocateResult } from './solvers/index.js';
import type { ColocateSolverName } from './solvers/index.js';

export interface ColocateSolverFigures {
  solver: ColocateSolverName;
  /** Problems where the solver's configuration passes the strict validator. */
  valid: number;
  /** Problems where it runs the device out of memory. */
  outOfMemory: number;
  /** Problems where it chose exactly what the exhaustive search chose (null when that did not run). */
  sameAsExhaustive: number | null;
  /** Mean capacity (concurrent sequences) over the problems where it is valid. */
  meanCapacity: number | null;
  meanEvaluations: number;
  medianMs: number;
  p95Ms: number;
}

export interface ColocateBenchmarkReport {
  problem: 'colocate';
  problems: number;
  seed: number;
  /** Problems with no valid configuration on the grid (by exhaustive search, when it ran). */
  infeasible: number | null;
  solvers: ColocateSolverFigures[];
}

function figures(
  solver: ColocateSolverName,
  runs: { result: ColocateResult; ms: number }[],
  exhaustive: ColocateResult[] | undefined,
): ColocateSolverFigures {
  const valid = runs.filter((r) => r.result.report?.valid);
  const same = (r: ColocateResult, k: number): boolean =>
    JSON.stringify(r.solution) === JSON.stringify(exhaustive![k]!.solution);
  return {
    solver,
    valid: valid.length,
    outOfMemory: runs.filter((r) => r.result.report?.metrics.oom).length,
    sameAsExhaustive: exhaustive ? runs.filter((r, k) => same(r.result, k)).length : null,
    meanCapacity: valid.length ? mean(valid.map((r) => r.result.report!.metrics.capacity)) : null,
    meanEvaluations: mean(runs.map((r) => r.result.evaluations)),
    medianMs: quantile(
      runs.map((r) => r.ms),
      0.5,
    ),
    p95Ms: quantile(
      runs.map((r) => r.ms),
      0.95,
    ),
  };
}

/** Every solver on the same generated problems. */
export function runColocateBenchmark(
  count: number,
  seed: number,
  solvers: readonly ColocateSolverName[] = COLOCATE_SOLVER_NAMES,
): ColocateBenchmarkReport {
  const problems = generateColocateProblems(count, seed);
  const runs = new Map<ColocateSolverName, { result: ColocateResult; ms: number }[]>();
  for (const solver of solvers) {
    runs.set(
      solver,
      withProgress(`colocate bench ${solver}`, problems.length, (update) =>
        problems.map((problem, k) => {
          const start = performance.now();
          const result = solveColocation(solver, problem);
          update(k + 1);
          return { result, ms: elapsedMs(start) };
        }),
      ),
    );
  }
  const exhaustive = runs.get('exhaustive')?.map((r) => r.result);
  return {
    problem: 'colocate',
    problems: problems.length,
    seed,
    infeasible: exhaustive ? exhaustive.filter((r) => r.solution === null).length : null,
    solvers: [...runs.entries()].map(([solver, r]) => figures(solver, r, exhaustive)),
  };
}

const figure = (v: number | null, digits = 0): string => (v === null ? '-' : v.toFixed(digits));

/** The benchmark as a table on stderr. */
export function printColocateBenchmark(
  report: ColocateBenchmarkReport,
  write: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): void {
  write(
    `\ncolocate (${report.problems} generated problems, seed ${report.seed}; ${figure(report.infeasible)} have no valid configuration)`,
  );
  write(
    formatTable(
      [
        'solver',
        'valid',
        'OOM',
        'same as exhaustive',
        'mean capacity',
        'evaluations',
        'median ms',
        'p95 ms',
      ],
      report.solvers.map((s) => [
        s.solver,
        String(s.valid),
        String(s.outOfMemory),
        figure(s.sameAsExhaustive),
        figure(s.meanCapacity, 1),
        s.meanEvaluations.toFixed(1),
        s.medianMs.toFixed(3),
        s.p95Ms.toFixed(3),
      ]),
    ),
  );
}
