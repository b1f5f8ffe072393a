import { UserError } from '../core/errors.js';
import { MAX_SEED } from '../core/rng.js';
import { elapsedMs } from '../core/timing.js';
import { DEFAULT_EMA_ALPHA, FORECASTS, forecastLoad } from '../problems/eplb/forecast.js';
import { DEFAULT_TRACE, generateTrace } from '../problems/eplb/generate.js';
import { migrate } from '../problems/eplb/migrate.js';
import { withProgress } from '../core/progress.js';
import { movedReplicas } from '../problems/eplb/score.js';
import { assemblePlan, ranksInSlotOrder } from '../problems/eplb/plan.js';
import { checkPlan } from '../problems/eplb/validate.js';
import {
  checkShape,
  readLoadHistory,
  readPlanFile,
  type LoadMatrix,
  type Plan,
  type Shape,
} from '../problems/eplb/model.js';
import { eplbBenchmark, printEplbBenchmark } from '../problems/eplb/benchmark.js';
import {
  ALGOS,
  DEFAULT_FORECASTS,
  keepsLocality,
  REBALANCERS,
} from '../problems/eplb/solvers/index.js';
import {
  choiceFlag,
  intFlag,
  listFlag,
  numberFlag,
  parseCommand,
  type Options,
  runCommandOf,
} from './args.js';
import { printJson, say } from './output.js';
import { counted } from '../core/plural.js';

export const EPLB_HELP = `evoplace eplb — balance MoE expert replicas across GPUs and nodes

  evoplace eplb rebalance --load FILE --replicas R --groups G --nodes N --gpus M
                          [--algo balanced|deepseek|global] [--window 100]
                          [--forecast last|ema|recent] [--ema-alpha A]
                          [--previous PLAN.json [--max-moves N]] [--json]
  evoplace eplb bench --load FILE --replicas R --groups G --nodes N --gpus M
                      [--algos deepseek,balanced,global] [--window 100] [--max-moves N] [--json]
  evoplace eplb generate [--steps 600] [--layers 58] [--experts 256] [--groups 8] [--seed S]
                         [--group-skew 0.8] [--churn 0.1] > trace.json`;

/** The cluster a trace is replayed on, and the window its steps are summed over. */
export const CLUSTER_FLAGS: Options = {
  replicas: { type: 'string' },
  groups: { type: 'string' },
  nodes: { type: 'string' },
  gpus: { type: 'string' },
  window: { type: 'string' },
};

/** The flags every cluster needs, as usage lines and messages quote them. */
const SHAPE_USAGE = '--replicas R --groups G --nodes N --gpus M';

/** How a command that replays a trace on a cluster is called (quoted when it is miscalled). */
const traceUsage = (command: string): string =>
  `evoplace eplb ${command} --load FILE ${SHAPE_USAGE} [options]`;

const SHAPE_FLAGS: Options = {
  load: { type: 'string' },
  ...CLUSTER_FLAGS,
  json: { type: 'boolean' },
};

export function runEplb(argv: string[]): number | Promise<number> {
  return runCommandOf(
    'eplb',
    argv,
    {
      rebalance: rebalanceCommand,
      bench: benchCommand,
      generate: generateCommand,
    },
    EPLB_HELP,
  );
}

/** The cluster's shape from --replicas, --groups, --nodes and --gpus, each required. */
export function shapeFromFlags(values: Record<string, unknown>): Shape {
  const big = 1_000_000;
  return {
    replicas: required(values, 'replicas', big),
    groups: required(values, 'groups', big),
    nodes: required(values, 'nodes', big),
    gpus: required(values, 'gpus', big),
  };
}

/**
 * Loads a generated trace may hold (steps × layers × experts): four times DeepSeek-V3's 600
 * steps, so that the JSON written stays well within what one string can hold.
 */
const MAX_TRACE_CELLS = 4 * 600 * 58 * 256;

/** Windows of steps a trace is summed into unless --window says otherwise. */
export function windowFromFlags(values: Record<string, unknown>): number {
  return intFlag(values, 'window', 100, 1, 1_000_000);
}

/** Read the trace and the cluster shape shared by rebalance and bench. */
function readInputs(
  values: Record<string, unknown>,
  command: string,
): { windows: LoadMatrix[]; shape: Shape } {
  if (typeof values.load !== 'string')
    throw new UserError(
      `--load FILE is required; usage: ${traceUsage(command)}`,
      `eplb ${command}`,
    );
  const shape = shapeFromFlags(values);
  const windows = readLoadHistory(values.load, windowFromFlags(values));
  checkShape(shape, windows[0]!.layers, windows[0]!.experts);
  return { windows, shape };
}

function required(values: Record<string, unknown>, name: string, max: number): number {
  if (values[name] === undefined)
    throw new UserError(
      `--${name} is required; the cluster's shape takes all four: ${SHAPE_USAGE}`,
    );
  return intFlag(values, name, 0, 1, max);
}

/** Nested arrays for JSON: [layers][width] or [layers][experts][maxReplicas]. */
function rows(data: Int32Array, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, r) =>
    Array.from(data.subarray(r * width, (r + 1) * width)),
  );
}

function planJson(plan: Plan, algo: string, ms: number): Record<string, unknown> {
  const log2phy = rows(plan.log2phy, plan.maxReplicas);
  return {
    algo,
    layers: plan.layers,
    experts: plan.experts,
    replicas: plan.replicas,
    phy2log: rows(plan.phy2log, plan.replicas),
    log2phy: Array.from({ length: plan.layers }, (_, l) =>
      log2phy.slice(l * plan.experts, (l + 1) * plan.experts),
    ),
    logcnt: rows(plan.logcnt, plan.experts),
    ms,
  };
}

function rebalanceCommand(argv: string[]): number {
  const parsed = parseCommand(
    'eplb rebalance',
    argv,
    {
      ...SHAPE_FLAGS,
      algo: { type: 'string' },
      forecast: { type: 'string' },
      'ema-alpha': { type: 'string' },
      previous: { type: 'string' },
      'max-moves': { type: 'string' },
    },
    EPLB_HELP,
    0,
    traceUsage('rebalance'),
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const algo = choiceFlag(values, 'algo', ALGOS, 'balanced');
  const forecast = choiceFlag(values, 'forecast', FORECASTS, DEFAULT_FORECASTS[algo]);
  const alpha = numberFlag(values, 'ema-alpha', DEFAULT_EMA_ALPHA, 1e-9, 1);
  if (values['ema-alpha'] !== undefined && forecast !== 'ema')
    throw new UserError(
      `--ema-alpha weighs the ema forecast only, and this plan uses ${forecast}; add --forecast ema, or drop --ema-alpha`,
      undefined,
      '--ema-alpha',
    );
  const { windows, shape } = readInputs(values, 'rebalance');
  const load = forecastLoad(windows, forecast, alpha);
  const maxMoves = intFlag(values, 'max-moves', Infinity, 0, 1_000_000_000);
  if (values['max-moves'] !== undefined && values.previous === undefined) {
    throw new UserError(
      '--max-moves needs the deployed plan: add --previous PLAN.json',
      undefined,
      '--max-moves',
    );
  }
  const previous =
    typeof values.previous === 'string' ? previousPlan(values.previous, load, shape) : null;
  const start = performance.now();
  const fresh = REBALANCERS[algo](load, shape, windows);
  const ms = elapsedMs(start);
  const limit = { maxMoves, load, locality: keepsLocality(algo, shape) };
  const plan = previous
    ? withProgress('eplb rebalance: layers aligned to the deployed plan', fresh.layers, (update) =>
        migrate(fresh, previous, shape, limit, update),
      )
    : fresh;
  if (values.json) {
    printJson(planJson(plan, algo, ms));
    return 0;
  }
  say(
    `${algo}: ${counted(plan.layers, 'layer')} × ${counted(plan.experts, 'expert')} on ${counted(plan.replicas, 'slot')}, ${ms.toFixed(2)} ms`,
  );
  if (previous) say(movesLine(movedReplicas(previous, plan), shape.replicas));
  say(
    `max replicas of one expert: ${plan.maxReplicas}; add --json for phy2log, log2phy and logcnt`,
  );
  return 0;
}

/** What deploying a plan copies: moved [layers], replicas that change expert per layer. */
function movesLine(moved: Int32Array, replicas: number): string {
  let total = 0;
  let most = 0;
  for (const m of moved) {
    total += m;
    most = Math.max(most, m);
  }
  const unchanged = moved.filter((m) => m === 0).length;
  return `moves from the deployed plan: ${total} of ${moved.length * replicas} replicas get new expert weights (at most ${most} in one layer); ${unchanged} of ${moved.length} layers unchanged`;
}

/** The deployed plan, checked: it must fit the trace and the shape. */
function previousPlan(path: string, load: LoadMatrix, shape: Shape): Plan {
  const phy2log = readPlanFile(path, load.layers, load.experts, shape.replicas);
  const { phyRank, logcnt } = ranksInSlotOrder(load.layers, load.experts, shape.replicas, phy2log);
  const plan = assemblePlan(load.layers, load.experts, shape.replicas, phy2log, phyRank, logcnt);
  const errors = checkPlan(plan, shape, false);
  if (errors.length) throw new UserError(errors[0]!, path, 'phy2log');
  return plan;
}

function benchCommand(argv: string[]): number {
  const parsed = parseCommand(
    'eplb bench',
    argv,
    { ...SHAPE_FLAGS, algos: { type: 'string' }, 'max-moves': { type: 'string' } },
    EPLB_HELP,
    0,
    traceUsage('bench'),
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const algos = listFlag(values, 'algos', ALGOS, ALGOS);
  const { windows, shape } = readInputs(values, 'bench');
  if (windows.length < 2)
    throw new UserError(
      `the trace fits in one window of ${windowFromFlags(values)} steps; bench needs at least two (plan on one, score on the next): give a smaller --window`,
      String(values.load),
    );
  const maxMoves =
    values['max-moves'] === undefined ? null : intFlag(values, 'max-moves', 0, 0, 1_000_000_000);
  const report = eplbBenchmark(windows, shape, algos, maxMoves);
  if (values.json) printJson(report);
  else printEplbBenchmark(report);
  return 0;
}

function generateCommand(argv: string[]): number {
  const parsed = parseCommand(
    'eplb generate',
    argv,
    {
      steps: { type: 'string' },
      layers: { type: 'string' },
      experts: { type: 'string' },
      groups: { type: 'string' },
      seed: { type: 'string' },
      'group-skew': { type: 'string' },
      churn: { type: 'string' },
    },
    EPLB_HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const experts = intFlag(values, 'experts', DEFAULT_TRACE.experts, 1, 4096);
  const groups = intFlag(values, 'groups', DEFAULT_TRACE.groups, 1, experts);
  if (experts % groups !== 0)
    throw new UserError(
      `${experts} experts do not split into ${groups} groups`,
      undefined,
      '--groups',
    );
  const steps = intFlag(values, 'steps', DEFAULT_TRACE.steps, 1, 100_000);
  const layers = intFlag(values, 'layers', DEFAULT_TRACE.layers, 1, 1000);
  if (steps * layers * experts > MAX_TRACE_CELLS)
    throw new UserError(
      `${steps} steps × ${layers} layers × ${experts} experts is more than the ${MAX_TRACE_CELLS} ` +
        'loads a generated trace may hold; ask for fewer steps, layers or experts',
      undefined,
      '--steps',
    );
  const trace = generateTrace({
    ...DEFAULT_TRACE,
    steps,
    layers,
    experts,
    groups,
    seed: intFlag(values, 'seed', DEFAULT_TRACE.seed, 0, MAX_SEED),
    groupSkew: numberFlag(values, 'group-skew', DEFAULT_TRACE.groupSkew, 0, 10),
    churnSigma: numberFlag(values, 'churn', DEFAULT_TRACE.churnSigma, 0, 10),
  });
  printJson(trace);
  return 0;
}
