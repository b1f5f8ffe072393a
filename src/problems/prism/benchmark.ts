import { withProgress } from '../../core/progress.js';
import { formatTable } from '../../core/table.js';
import { mean, quantile } from '../../core/timing.js';
import { solveBatch, type InstanceResult } from './batch.js';
import { generate, type Family } from './generate.js';
import { gapToBound } from './score.js';
import { DEFAULT_TIME_LIMIT_MS, type SolverName } from './solvers/index.js';

export interface BenchmarkOptions {
  families: Family[];
  /** Instances per family; default 50 for `seed` (the whole benchmark), 30 otherwise. */
  count?: number | undefined;
  solvers: SolverName[];
  /** Time limit per instance for the provers, `exact` and `milp` (the others keep their default cap). */
  exactTimeLimitMs: number;
  seed?: number;
}

export interface SolverFigures {
  solver: SolverName;
  seedScore: number;
  valid: number;
  proven: number;
  /** Gap of each valid placement to the best lower bound any solver proved: mean and max. */
  meanGapToLowerBound: number | null;
  maxGapToLowerBound: number | null;
  /** Gap to the placement `exact` found (when it ran): mean over instances both placed. */
  meanGapToExact: number | null;
  /** Instances `exact` placed that this solver failed to place. */
  missedPlacements: number | null;
  medianMs: number;
  p95Ms: number;
  totalMs: number;
}

export interface FamilyFigures {
  family: Family;
  instances: number;
  solvers: SolverFigures[];
}

export interface BenchmarkReport {
  problem: 'prism';
  exactTimeLimitMs: number;
  families: FamilyFigures[];
}

function figures(
  solver: SolverName,
  batch: { instances: InstanceResult[]; summary: { seedScore: number; valid: number } },
  bestBound: number[],
  exact: InstanceResult[] | undefined,
): SolverFigures {
  const results = batch.instances;
  const gaps = results.flatMap((r, k) =>
    r.valid && r.maxKvpr !== null ? [gapToBound(r.maxKvpr, bestBound[k]!)] : [],
  );
  const exactGaps = exact
    ? results.flatMap((r, k) => {
        const e = exact[k]!.maxKvpr;
        return r.maxKvpr !== null && e !== null ? [gapToBound(r.maxKvpr, e)] : [];
      })
    : [];
  const times = results.map((r) => r.ms);
  return {
    solver,
    seedScore: batch.summary.seedScore,
    valid: batch.summary.valid,
    proven: results.filter((r) => r.proven).length,
    meanGapToLowerBound: gaps.length ? mean(gaps) : null,
    maxGapToLowerBound: gaps.length ? Math.max(...gaps) : null,
    meanGapToExact: exact && exactGaps.length ? mean(exactGaps) : null,
    missedPlacements: exact ? results.filter((r, k) => exact[k]!.valid && !r.valid).length : null,
    medianMs: quantile(times, 0.5),
    p95Ms: quantile(times, 0.95),
    totalMs: times.reduce((a, b) => a + b, 0),
  };
}

/** The solvers that prove their answers optimal, given the benchmark's own time limit. */
const PROVERS: readonly SolverName[] = ['exact', 'milp'];

/** Run every solver on every family's instances and compare them on the same footing. */
export function runPrismBenchmark(options: BenchmarkOptions): BenchmarkReport {
  const families = options.families.map((family): FamilyFigures => {
    const count = options.count ?? (family === 'seed' ? 50 : 30);
    const instances = generate(family, count, family === 'seed' ? 42 : (options.seed ?? 1));
    const batches = new Map<SolverName, ReturnType<typeof solveBatch>>();
    for (const solver of options.solvers) {
      const timeLimitMs = PROVERS.includes(solver)
        ? options.exactTimeLimitMs
        : DEFAULT_TIME_LIMIT_MS;
      batches.set(
        solver,
        withProgress(`bench ${family} ${solver}`, instances.length, (update) =>
          solveBatch(instances, solver, { seed: 0, timeLimitMs }, update),
        ),
      );
    }
    const bestBound = instances.map((_, k) =>
      Math.max(...[...batches.values()].map((b) => b.instances[k]!.lowerBound ?? Infinity)),
    );
    const exact = batches.get('exact')?.instances;
    return {
      family,
      instances: instances.length,
      solvers: [...batches.entries()].map(([solver, batch]) =>
        figures(solver, batch, bestBound, exact),
      ),
    };
  });
  return { problem: 'prism', exactTimeLimitMs: options.exactTimeLimitMs, families };
}

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(3)}%`);

/** The benchmark as tables on stderr, one per family. */
export function printBenchmark(
  report: BenchmarkReport,
  write: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): void {
  for (const fam of report.families) {
    write(
      `\nprism / ${fam.family} (${fam.instances} instances; exact and milp limited to ${report.exactTimeLimitMs} ms each)`,
    );
    write(
      formatTable(
        [
          'solver',
          'seed metric',
          'valid',
          'proven',
          'gap LB mean',
          'gap LB max',
          'gap exact',
          'missed',
          'median ms',
          'p95 ms',
          'total ms',
        ],
        fam.solvers.map((s) => [
          s.solver,
          s.seedScore.toFixed(4),
          String(s.valid),
          String(s.proven),
          pct(s.meanGapToLowerBound),
          pct(s.maxGapToLowerBound),
          pct(s.meanGapToExact),
          s.missedPlacements === null ? '-' : String(s.missedPlacements),
          s.medianMs.toFixed(2),
          s.p95Ms.toFixed(2),
          s.totalMs.toFixed(0),
        ]),
      ),
    );
  }
}
