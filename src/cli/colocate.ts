import { parseDecimal } from '../core/decimal.js';
import { UserError } from '../core/errors.js';
import { parseWith } from '../core/schema.js';
import { MAX_SEED } from '../core/rng.js';
import { formatTable } from '../core/table.js';
import { elapsedMs } from '../core/timing.js';
import { printColocateBenchmark, runColocateBenchmark } from '../problems/colocate/benchmark.js';
import type { ColocationMetrics } from '../problems/colocate/evaluate.js';
import { generateColocateProblems } from '../problems/colocate/generate.js';
import {
  colocateSolutionSchema,
  readColocateProblemsFile,
  type ColocateSolution,
} from '../problems/colocate/model.js';
import {
  COLOCATE_SOLVER_NAMES,
  DEFAULT_COLOCATE_SOLVER,
  solveColocation,
} from '../problems/colocate/solvers/index.js';
import { validateColocation, type ColocateReport } from '../problems/colocate/validate.js';
import { choiceFlag, intFlag, listFlag, parseCommand, runCommandOf } from './args.js';
import { formatNumber, printJson, say } from './output.js';

export const COLOCATE_HELP = `evoplace colocate — split one GPU's memory between vLLM and Whisper without running out

  evoplace colocate solve FILE [--solver headroom|exhaustive|vllm-default] [--json]
                     the best --gpu-memory-utilization and Whisper size for each problem in FILE
  evoplace colocate check FILE --utilization U --whisper SIZE [--json]
                     one configuration against each problem: exit 0 valid, 3 invalid (with reasons)
  evoplace colocate generate [--count N] [--seed S]
  evoplace colocate bench [--count N] [--seed S] [--solvers headroom,exhaustive,vllm-default] [--json]`;

export function runColocate(argv: string[]): number | Promise<number> {
  return runCommandOf(
    'colocate',
    argv,
    {
      solve: solveCommand,
      check: checkCommand,
      generate: generateCommand,
      bench: benchCommand,
    },
    COLOCATE_HELP,
  );
}

/** What `--json` prints of a configuration's evaluation: the figures an operator acts on. */
function summary(metrics: ColocationMetrics): Record<string, number | boolean | null> {
  return {
    oom: metrics.oom,
    capacity: metrics.capacity,
    kvCacheGib: metrics.kvCacheGib,
    freeGib: metrics.memory.headroomGib,
    gpuUtilPercent: metrics.gpuUtilPercent,
    llmLatencyMs: metrics.llmLatencyMs,
    whisperLatencyMs: metrics.whisperLatencyMs,
    whisperWerPercent: metrics.whisperWerPercent,
  };
}

function row(
  id: string,
  solution: ColocateSolution | null,
  report: ColocateReport | null,
): string[] {
  if (!solution || !report) return [id, '-', '-', '-', '-', 'none valid'];
  return [
    id,
    String(solution.gpuMemoryUtilization),
    solution.whisperSize,
    String(report.metrics.capacity),
    formatNumber(report.metrics.memory.headroomGib, 4),
    report.valid ? 'yes' : 'no',
  ];
}

const HEADER = ['problem', 'utilization', 'whisper', 'capacity', 'free GiB', 'valid'];

function solveCommand(argv: string[]): number {
  const parsed = parseCommand(
    'colocate solve',
    argv,
    { solver: { type: 'string' }, json: { type: 'boolean' } },
    COLOCATE_HELP,
    1,
    'evoplace colocate solve FILE [options]',
  );
  if (!parsed) return 0;
  const solver = choiceFlag(
    parsed.values,
    'solver',
    COLOCATE_SOLVER_NAMES,
    DEFAULT_COLOCATE_SOLVER,
  );
  const problems = readColocateProblemsFile(parsed.positionals[0]!);
  const results = problems.map((problem) => {
    const start = performance.now();
    const result = solveColocation(solver, problem);
    return { id: problem.id, ...result, ms: elapsedMs(start) };
  });
  if (parsed.values.json) {
    printJson({
      solver,
      problems: results.map((r) => ({
        id: r.id,
        solution: r.solution,
        valid: r.report?.valid ?? false,
        errors: r.report?.errors ?? [],
        metrics: r.report ? summary(r.report.metrics) : null,
        explanation: r.explanation,
        evaluations: r.evaluations,
        ms: r.ms,
      })),
    });
    return 0;
  }
  say(
    formatTable(
      HEADER,
      results.map((r) => row(r.id, r.solution, r.report)),
    ),
  );
  for (const r of results) {
    for (const error of r.report?.errors ?? []) say(`${r.id}: ${error}`);
    if (r.explanation) say(`${r.id}: no valid configuration: ${r.explanation}`);
  }
  return 0;
}

function checkCommand(argv: string[]): number {
  const parsed = parseCommand(
    'colocate check',
    argv,
    { utilization: { type: 'string' }, whisper: { type: 'string' }, json: { type: 'boolean' } },
    COLOCATE_HELP,
    1,
    'evoplace colocate check FILE --utilization U --whisper SIZE',
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (values.utilization === undefined || values.whisper === undefined)
    throw new UserError('give the configuration: --utilization U --whisper SIZE', 'colocate check');
  const solution = configurationFromFlags(values);
  const problems = readColocateProblemsFile(positionals[0]!);
  const reports = problems.map((problem) => ({
    id: problem.id,
    report: validateColocation(problem, solution),
  }));
  if (values.json) {
    printJson({
      solution,
      problems: reports.map(({ id, report }) => ({
        id,
        valid: report.valid,
        errors: report.errors,
        metrics: summary(report.metrics),
      })),
    });
  } else {
    say(
      formatTable(
        HEADER,
        reports.map(({ id, report }) => row(id, solution, report)),
      ),
    );
    for (const { id, report } of reports) for (const error of report.errors) say(`${id}: ${error}`);
  }
  return reports.every(({ report }) => report.valid) ? 0 : 3;
}

/** The solution field each `check` flag gives: a refusal names the flag the user typed. */
const CHECK_FLAGS: Record<keyof ColocateSolution, string> = {
  gpuMemoryUtilization: 'utilization',
  whisperSize: 'whisper',
};

/** The configuration `check` judges, from --utilization and --whisper. */
function configurationFromFlags(values: Record<string, unknown>): ColocateSolution {
  const utilization = parseDecimal(String(values.utilization));
  const flags = {
    // Text that is no number is shown as typed.
    gpuMemoryUtilization: Number.isNaN(utilization) ? values.utilization : utilization,
    whisperSize: values.whisper,
  };
  try {
    return parseWith(colocateSolutionSchema, flags, 'colocate check');
  } catch (error) {
    if (!(error instanceof UserError) || !error.field) throw error;
    throw new UserError(
      error.message,
      undefined,
      `--${CHECK_FLAGS[error.field as keyof ColocateSolution]}`,
    );
  }
}

function generateCommand(argv: string[]): number {
  const parsed = parseCommand(
    'colocate generate',
    argv,
    { count: { type: 'string' }, seed: { type: 'string' } },
    COLOCATE_HELP,
  );
  if (!parsed) return 0;
  const count = intFlag(parsed.values, 'count', 20, 1, 100_000);
  const seed = intFlag(parsed.values, 'seed', 1, 0, MAX_SEED);
  printJson(generateColocateProblems(count, seed));
  return 0;
}

function benchCommand(argv: string[]): number {
  const parsed = parseCommand(
    'colocate bench',
    argv,
    {
      count: { type: 'string' },
      seed: { type: 'string' },
      solvers: { type: 'string' },
      json: { type: 'boolean' },
    },
    COLOCATE_HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const report = runColocateBenchmark(
    intFlag(values, 'count', 300, 1, 100_000),
    intFlag(values, 'seed', 1, 0, MAX_SEED),
    listFlag(values, 'solvers', COLOCATE_SOLVER_NAMES, COLOCATE_SOLVER_NAMES),
  );
  if (values.json) printJson(report);
  else printColocateBenchmark(report);
  return 0;
}
