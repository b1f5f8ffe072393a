import { join } from 'node:path';
import { writeFilesAtomic } from '../core/atomic.js';
import { UserError } from '../core/errors.js';
import { withProgress } from '../core/progress.js';
import { formatTable } from '../core/table.js';
import { elapsedMs } from '../core/timing.js';
import { linksBelowPercentile, typeLinks } from '../problems/llm/links.js';
import {
  batchSizes,
  readConfigDir,
  readSolutionFile,
  SOLUTION_FILE_TERMS,
  type LlmProblem,
  type ReadOptions,
} from '../problems/llm/model.js';
import {
  frontierCsv,
  frontierSvg,
  solutionJson,
  summaryCsv,
  sweepCsv,
  type BatchAnswer,
} from '../problems/llm/output.js';
import { BATCH_FILES, batchFolder, removeStaleBatches } from '../problems/llm/out-dir.js';
import { PERF_MODEL_NAMES, PERF_MODELS, type PerfModel } from '../problems/llm/perf/index.js';
import { MEMORY_UTILIZATION, ROOFLINE_MODEL } from '../problems/llm/perf/roofline.js';
import type { Placement } from '../problems/llm/model.js';
import { choose, OBJECTIVES, paretoFrontier } from '../problems/llm/solvers/frontier.js';
import { validatePlacement } from '../problems/llm/validate.js';
import { choiceFlag, parseCommand, runCommandOf } from './args.js';
import { formatNumber, printJson, say } from './output.js';

export const LLM_HELP = `evoplace llm — place one LLM's layers on a heterogeneous GPU pool at least $ per token

  evoplace llm solve --config-dir DIR [--batch-sizes LIST]
                     [--generate-network INTRA,INTER] [--cloud-provider AWS] [--prices FILE]
                     [--perf-model roofline|seed] [--objective usd-per-mtok|throughput] [--out DIR] [--json]

  evoplace llm validate --config-dir DIR --solution solution_with_tp.json [the problem flags above] [--json]
                     checks a placement (the seed solver's or ours) with the strict validator: exit 0
                     when valid, 3 with every reason when not

  --prices      the cloud_instances_specs.csv that prices a pool without dollar_per_hour; by default
                the first in DIR and the two folders above it (the seed keeps it beside configs/)

  --cloud-provider  whose offers in that list price the pool (default AWS), spelt as in its
                Cloud Provider column, case included, as the seed matches it

  --out         writes the seed's files there; solving again into it replaces them and removes
                the batch_<b> folders left for batch sizes not solved now (only files evoplace writes)

  --perf-model  roofline (default): prefill and decode of input_length/output_length tokens on the
                built-in GPU catalogue, real prices (docs/llm-roofline.md); seed: the seed solver's
                model exactly, quirks included, so its published numbers reproduce`;

export function runLlm(argv: string[]): number | Promise<number> {
  return runCommandOf('llm', argv, { solve: solveCommand, validate: validateCommand }, LLM_HELP);
}

function positiveList(raw: unknown, flag: string, length?: number): number[] {
  const items = String(raw)
    .split(',')
    .map((s) => Number(s.trim()));
  if (
    !items.length ||
    items.some((v) => !Number.isInteger(v) || v <= 0 || v > 1e6) ||
    (length !== undefined && items.length !== length)
  ) {
    throw new UserError(
      `expected ${length ?? 'a list of'} comma-separated positive integers, got "${String(raw)}"`,
      undefined,
      flag,
    );
  }
  return items;
}

/**
 * `--batch-sizes`: each size once. A size given twice would be solved twice and its rows written
 * twice to batch_sweep_results.csv and frontier.csv; it is more likely a slip than a wish.
 */
function batchSizesFlag(raw: unknown): number[] {
  const sizes = positiveList(raw, '--batch-sizes');
  const twice = sizes.find((b, k) => sizes.indexOf(b) !== k);
  if (twice !== undefined)
    throw new UserError(
      `batch size ${twice} is given twice in "${String(raw)}"; give each size once`,
      undefined,
      '--batch-sizes',
    );
  return sizes;
}

/**
 * The seed's output files, plus frontier.csv and frontier.svg: all of them or (refused) none;
 * then the batch folders an earlier run into `dir` left for other batch sizes are removed (see
 * removeStaleBatches), so that `dir` holds this run alone.
 */
function writeOutputs(dir: string, problem: LlmProblem, answers: BatchAnswer[]): void {
  const [summaryFile, solutionFile] = BATCH_FILES;
  const files: [string, string][] = answers.flatMap((a): [string, string][] => [
    [join(dir, batchFolder(a.batchSize), summaryFile), summaryCsv(problem, a)],
    [
      join(dir, batchFolder(a.batchSize), solutionFile),
      `${JSON.stringify(solutionJson(problem, a), null, 2)}\n`,
    ],
  ]);
  files.push([join(dir, 'batch_sweep_results.csv'), sweepCsv(problem, answers)]);
  files.push([join(dir, 'frontier.csv'), frontierCsv(answers)]);
  files.push([join(dir, 'frontier.svg'), frontierSvg(answers)]);
  writeFilesAtomic(files);
  const kept = removeStaleBatches(
    dir,
    answers.map((a) => a.batchSize),
  );
  for (const folder of kept)
    say(
      `warning: ${folder} is an earlier run's batch folder: evoplace's files in it are removed, but it holds files evoplace did not write, so it is left`,
    );
}

/** The flags that say how a pool is rated and priced: `solve`, `validate` and `ui`. */
export const RATING_FLAGS = {
  'cloud-provider': { type: 'string' },
  prices: { type: 'string' },
  'perf-model': { type: 'string' },
} as const;

/** The performance model and the price source that RATING_FLAGS name. */
export function ratingFromFlags(values: Record<string, unknown>): {
  perf: PerfModel;
  options: ReadOptions;
} {
  const perf = PERF_MODELS[choiceFlag(values, 'perf-model', PERF_MODEL_NAMES, 'roofline')];
  return {
    perf,
    options: {
      perfModel: perf,
      ...(typeof values['cloud-provider'] === 'string'
        ? { cloudProvider: values['cloud-provider'] }
        : {}),
      ...(typeof values.prices === 'string' ? { cloudInstancesFile: values.prices } : {}),
    },
  };
}

/** The flags that say which problem to read, for `solve` and `validate` alike. */
const PROBLEM_FLAGS = {
  'config-dir': { type: 'string' },
  'generate-network': { type: 'string' },
  ...RATING_FLAGS,
} as const;

/** The problem and performance model the flags name. */
function problemFromFlags(
  values: Record<string, unknown>,
  command: string,
): { problem: LlmProblem; perf: PerfModel } {
  if (typeof values['config-dir'] !== 'string')
    throw new UserError('--config-dir DIR is required', command);
  const network =
    values['generate-network'] === undefined
      ? undefined
      : positiveList(values['generate-network'], '--generate-network', 2);
  const { perf, options } = ratingFromFlags(values);
  const problem = readConfigDir(values['config-dir'], {
    ...options,
    ...(network ? { generateNetwork: [network[0]!, network[1]!] as [number, number] } : {}),
  });
  return { problem, perf };
}

/**
 * Why no batch size has a placement, where the settings alone say so: the roofline model lets a
 * stage fill at most MEMORY_UTILIZATION of a GPU's memory, so a min_memory_utilization above it
 * leaves no stage feasible on any GPU. '' otherwise.
 */
function noPlacementHint(problem: LlmProblem, perf: PerfModel): string {
  const wanted = problem.config.min_memory_utilization;
  return perf === ROOFLINE_MODEL && wanted > MEMORY_UTILIZATION
    ? `: the roofline model fills at most ${MEMORY_UTILIZATION} of a GPU's memory, less than config.csv's min_memory_utilization ${wanted}`
    : '';
}

/**
 * The frontier of each batch size, the thresholds swept shown on stderr per batch size once it
 * has taken a second (`command` names whose work it is).
 */
export function frontiersWithProgress(
  problem: LlmProblem,
  batches: readonly number[],
  perf: PerfModel,
  command: string,
): { batchSize: number; frontier: Placement[] }[] {
  return batches.map((batchSize, k) => ({
    batchSize,
    // The sweep learns how many stage throughputs there are once it has rated the options.
    frontier: withProgress(
      `${command}, batch size ${batchSize} (${k + 1} of ${batches.length}), thresholds swept`,
      0,
      (update) => paretoFrontier(problem, batchSize, perf, { onProgress: update }),
    ),
  }));
}

function solveCommand(argv: string[]): number {
  const parsed = parseCommand(
    'llm solve',
    argv,
    {
      ...PROBLEM_FLAGS,
      'batch-sizes': { type: 'string' },
      out: { type: 'string' },
      objective: { type: 'string' },
      json: { type: 'boolean' },
    },
    LLM_HELP,
    0,
    'evoplace llm solve --config-dir DIR [options]',
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const { problem, perf } = problemFromFlags(values, 'llm solve');
  // The frontier applies the filter itself where the network is structured by GPU type.
  const filtered = typeLinks(problem) ? null : linksBelowPercentile(problem);
  if (filtered && filtered.below > 0)
    say(
      `warning: network_bandwidth_percentile_threshold ${problem.config.network_bandwidth_percentile_threshold} ` +
        `puts ${filtered.below} of ${filtered.pairs} GPU-to-GPU links below ${filtered.thresholdGbps.toFixed(1)} GB/s; ` +
        'the seed forbids those links between consecutive stages; evoplace applies this filter only ' +
        'to networks whose bandwidths depend on the GPU types alone (as generated ones), on pools of ' +
        'few GPU types for the stages allowed; not here, so a frontier point may use a link the seed ' +
        'would drop',
    );
  const batches =
    values['batch-sizes'] === undefined
      ? batchSizes(problem.config)
      : batchSizesFlag(values['batch-sizes']);
  const objective = choiceFlag(values, 'objective', OBJECTIVES, 'usd-per-mtok');
  const start = performance.now();
  const results = frontiersWithProgress(problem, batches, perf, 'llm solve').map((r) => ({
    ...r,
    best: choose(r.frontier, objective),
  }));
  const ms = elapsedMs(start);
  // A placement that broke a constraint would be a bug of ours: never print or write one.
  for (const r of results) {
    const errors = r.best ? validatePlacement(problem, perf, r.batchSize, r.best) : [];
    if (errors.length)
      throw new Error(
        `batch ${r.batchSize}: the chosen placement is invalid: ${errors.join('; ')}`,
      );
  }
  if (typeof values.out === 'string') writeOutputs(values.out, problem, results);
  // The best batch is the first strictly best one, as in the seed's summary.
  const score = (p: Placement): number =>
    objective === 'throughput' ? -p.throughputTokensPerSec : p.usdPerMillionTokens;
  let bestBatchSize: number | null = null;
  let bestCost = Infinity;
  let bestScore = Infinity;
  for (const r of results) {
    if (r.best && score(r.best) < bestScore) {
      bestScore = score(r.best);
      bestCost = r.best.usdPerMillionTokens;
      bestBatchSize = r.batchSize;
    }
  }
  if (values.json) {
    printJson({
      batches: results.map((r) => ({
        batchSize: r.batchSize,
        best: r.best,
        frontier: r.frontier.map((p) => ({
          throughputTokensPerSec: p.throughputTokensPerSec,
          usdPerHour: p.usdPerHour,
        })),
      })),
      bestBatchSize,
      ms,
    });
    return 0;
  }
  say(
    formatTable(
      ['Batch Size', 'Throughput', 'Cost ($/h)', '$/M tokens', 'Status'],
      results.map((r) => [
        String(r.batchSize),
        r.best ? r.best.throughputTokensPerSec.toFixed(2) : '-',
        r.best ? r.best.usdPerHour.toFixed(2) : '-',
        r.best ? r.best.usdPerMillionTokens.toFixed(6) : '-',
        r.best ? `✓ SUCCESS (${r.frontier.length} tested)` : 'no feasible placement',
      ]),
    ),
  );
  if (bestBatchSize !== null)
    say(`\n* Best batch size = ${bestBatchSize}\n  Cost per M tokens: $${bestCost.toFixed(6)}`);
  else say(`\nno feasible placement at any batch size${noPlacementHint(problem, perf)}`);
  return 0;
}

/** Exit code of `llm validate` for a solution that breaks a constraint (see README). */
const INVALID_SOLUTION_EXIT_CODE = 3;

function validateCommand(argv: string[]): number {
  const parsed = parseCommand(
    'llm validate',
    argv,
    { ...PROBLEM_FLAGS, solution: { type: 'string' }, json: { type: 'boolean' } },
    LLM_HELP,
    0,
    'evoplace llm validate --config-dir DIR --solution FILE [options]',
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (typeof values.solution !== 'string')
    throw new UserError('--solution FILE is required', 'llm validate');
  const { problem, perf } = problemFromFlags(values, 'llm validate');
  const { batchSize, placement, gpuIdMismatches } = readSolutionFile(
    values.solution,
    problem.types,
  );
  const errors = [
    ...gpuIdMismatches,
    ...validatePlacement(problem, perf, batchSize, placement, SOLUTION_FILE_TERMS),
  ];
  if (values.json) printJson({ valid: errors.length === 0, batchSize, errors });
  else if (errors.length === 0)
    say(
      `valid: batch ${batchSize}, ${placement.stages.length} stage(s), $${formatNumber(placement.usdPerHour)}/h`,
    );
  else
    say(
      `invalid (${errors.length}): ${values.solution}\n${errors.map((e) => `  ${e}`).join('\n')}`,
    );
  return errors.length === 0 ? 0 : INVALID_SOLUTION_EXIT_CODE;
}
