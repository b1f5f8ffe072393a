import { UserError } from '../core/errors.js';
import { MAX_SEED } from '../core/rng.js';
import { withProgress } from '../core/progress.js';
import { formatTable } from '../core/table.js';
import { runPrismBenchmark, printBenchmark } from '../problems/prism/benchmark.js';
import { solveBatch } from '../problems/prism/batch.js';
import { FAMILIES, generate } from '../problems/prism/generate.js';
import { readInstancesFile, toInstanceFile } from '../problems/prism/model.js';
import {
  DEFAULT_SEED,
  DEFAULT_SOLVER,
  DEFAULT_TIME_LIMIT_MS,
  MOVE_AWARE_SOLVERS,
  prepareSolvers,
  SOLVER_NAMES,
  type SolverName,
} from '../problems/prism/solvers/index.js';
import { choiceFlag, intFlag, listFlag, parseCommand, runCommandOf } from './args.js';
import { formatNumber, printJson, say } from './output.js';

export const PRISM_HELP = `evoplace prism — place many models on many GPUs, minimising the worst KV-cache pressure

  evoplace prism solve FILE [--solver greedy|fast|search|exact|milp] [--seed N] [--time-limit-ms N] [--json]
  evoplace prism generate [--family seed|large|tight|hetero] [--count N] [--seed S]
  evoplace prism bench [--families seed,large] [--count N] [--solvers greedy,fast,search,exact,milp]
                       [--time-limit-ms N] [--json]`;

/** Default per-instance time cap: long enough that it rarely binds for `search`. */
const MAX_TIME_LIMIT_MS = 24 * 3600 * 1000;

export function runPrism(argv: string[]): number | Promise<number> {
  return runCommandOf(
    'prism',
    argv,
    {
      solve: solveCommand,
      generate: generateCommand,
      bench: benchCommand,
    },
    PRISM_HELP,
  );
}

async function solveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'prism solve',
    argv,
    {
      solver: { type: 'string' },
      seed: { type: 'string' },
      'time-limit-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    PRISM_HELP,
    1,
    'evoplace prism solve FILE [options]',
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const solver = choiceFlag(values, 'solver', SOLVER_NAMES, DEFAULT_SOLVER);
  const seed = intFlag(values, 'seed', DEFAULT_SEED, 0, MAX_SEED);
  const timeLimitMs = intFlag(values, 'time-limit-ms', DEFAULT_TIME_LIMIT_MS, 1, MAX_TIME_LIMIT_MS);
  const file = positionals[0]!;
  const instances = readInstancesFile(file);
  refuseMoveLimitsFor(solver, instances, file);
  await prepareSolvers([solver]);
  const result = withProgress(`prism solve (${solver})`, instances.length, (update) =>
    solveBatch(instances, solver, { seed, timeLimitMs }, update),
  );
  if (values.json) {
    printJson(result);
    return 0;
  }
  const rows = result.instances.map((r) => [
    r.id,
    r.assignment ? formatNumber(r.maxKvpr) : 'infeasible',
    formatNumber(r.lowerBound),
    r.proven ? 'yes' : 'no',
    r.valid ? 'yes' : 'no',
    r.ms.toFixed(1),
  ]);
  say(formatTable(['instance', 'maxKvpr', 'lowerBound', 'proven', 'valid', 'ms'], rows));
  const s = result.summary;
  say(
    `\n${solver}: ${s.valid}/${s.instances} valid, mean max KVPR ${formatNumber(s.meanMaxKvpr)}, seed metric ${formatNumber(s.seedScore)}`,
  );
  return 0;
}

/** greedy and fast solve from scratch: refuse rather than silently break a move limit. */
function refuseMoveLimitsFor(
  solver: SolverName,
  instances: { id: string; maxMoves?: number }[],
  file: string,
): void {
  if (MOVE_AWARE_SOLVERS.includes(solver)) return;
  const limited = instances.find((i) => i.maxMoves !== undefined);
  if (limited) {
    throw new UserError(
      `instance "${limited.id}" has maxMoves, which --solver ${solver} does not honour; use --solver search, exact or milp`,
      file,
    );
  }
}

/** Instances `generate` writes at most: the larger families make megabytes of JSON each hundred. */
const MAX_GENERATED = 1000;

function generateCommand(argv: string[]): number {
  const parsed = parseCommand(
    'prism generate',
    argv,
    {
      family: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
    },
    PRISM_HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const family = choiceFlag(values, 'family', FAMILIES, 'seed');
  const count = intFlag(values, 'count', family === 'seed' ? 50 : 30, 1, MAX_GENERATED);
  const seed = intFlag(values, 'seed', family === 'seed' ? 42 : 1, 0, MAX_SEED);
  printJson(generate(family, count, seed).map(toInstanceFile));
  return 0;
}

async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'prism bench',
    argv,
    {
      families: { type: 'string' },
      count: { type: 'string' },
      solvers: { type: 'string' },
      'time-limit-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    PRISM_HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const solvers = listFlag(values, 'solvers', SOLVER_NAMES, SOLVER_NAMES);
  await prepareSolvers(solvers);
  const report = runPrismBenchmark({
    families: listFlag(values, 'families', FAMILIES, ['seed', 'large']),
    count: values.count === undefined ? undefined : intFlag(values, 'count', 30, 1, 10_000),
    solvers,
    exactTimeLimitMs: intFlag(values, 'time-limit-ms', DEFAULT_TIME_LIMIT_MS, 1, MAX_TIME_LIMIT_MS),
  });
  if (values.json) printJson(report);
  else printBenchmark(report);
  return 0;
}
