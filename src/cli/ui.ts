import { existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { readJsonFile } from '../core/io.js';
import { RunStore } from '../evolve/database/store.js';
import { withProgress } from '../core/progress.js';
import { parseColocateProblems, type ColocateProblem } from '../problems/colocate/model.js';
import { DEFAULT_COLOCATE_SOLVER, solveColocation } from '../problems/colocate/solvers/index.js';
import { batchSizes, readConfigDir, type LlmProblem } from '../problems/llm/model.js';
import type { PerfModel } from '../problems/llm/perf/types.js';
import { DEFAULT_EMA_ALPHA, forecastLoad } from '../problems/eplb/forecast.js';
import {
  checkShape,
  parseLoadHistory,
  type LoadMatrix,
  type Shape,
} from '../problems/eplb/model.js';
import { ceilings, replay } from '../problems/eplb/replay.js';
import { relativeGpuLoads } from '../problems/eplb/score.js';
import { ALGOS, DEFAULT_FORECASTS, REBALANCERS } from '../problems/eplb/solvers/index.js';
import { cheapestPerToken } from '../problems/llm/solvers/frontier.js';
import { solveBatch } from '../problems/prism/batch.js';
import { parseInstances, type PrismInstance } from '../problems/prism/model.js';
import {
  DEFAULT_SEED,
  DEFAULT_SOLVER,
  DEFAULT_TIME_LIMIT_MS,
} from '../problems/prism/solvers/index.js';
import type { ColocateSet } from '../web/pages/colocate.js';
import type { EplbSet } from '../web/pages/eplb.js';
import type { LlmSet } from '../web/pages/llm.js';
import type { PrismSet } from '../web/pages/prism.js';
import { createUiServer } from '../web/server.js';
import { intFlag, parseFlags } from './args.js';
import { CLUSTER_FLAGS, shapeFromFlags, windowFromFlags } from './eplb.js';
import { frontiersWithProgress, RATING_FLAGS, ratingFromFlags } from './llm.js';
import { printHelp, say } from './output.js';
import { onStopSignal } from './signals.js';

export const UI_HELP = `evoplace ui — look at runs and placements in a browser

  evoplace ui FILE [FILE ...] [--port 8080] [--host 127.0.0.1]
              [--replicas R --groups G --nodes N --gpus M [--window 100]]   (for expert-load traces)
              [--perf-model roofline|seed] [--prices FILE] [--cloud-provider AWS]  (for llm config dirs)

  FILE: a run database (.db: evolve run, experiment run); PRISM instances or colocate problems
  (.json, solved at start with each problem's default solver); a recorded expert-load trace
  (.json in vLLM's format, replayed through every eplb algorithm on the cluster the shape flags
  describe); an llm config directory (its frontier at every batch size, under the performance
  model and prices the llm flags name, as for llm solve). Serves read-only pages until
  interrupted: runs, the score of every program by generation, each program's code, diff,
  metrics, feedback and prompt; each PRISM
  instance's placement, KV-cache pressure per GPU and models per GPU; each colocate problem's
  configuration and where the GPU's memory goes; each trace's balance per algorithm and each
  GPU's load by layer; each llm pool's cost-throughput frontiers and cheapest placements. Pages
  of a run still going reload themselves. --port 0 picks a free port; the address is printed on stderr.`;

/** Place every PRISM instance of a file (progress on stderr). */
function placePrism(path: string, instances: PrismInstance[]): PrismSet {
  const result = withProgress(`ui: placing ${basename(path)}`, instances.length, (update) =>
    solveBatch(
      instances,
      DEFAULT_SOLVER,
      { seed: DEFAULT_SEED, timeLimitMs: DEFAULT_TIME_LIMIT_MS },
      update,
    ),
  );
  return { path, instances, result };
}

/** Solve every colocate problem of a file. */
function solveColocate(path: string, problems: ColocateProblem[]): ColocateSet {
  const results = problems.map((p) => solveColocation(DEFAULT_COLOCATE_SOLVER, p));
  return { path, solver: DEFAULT_COLOCATE_SOLVER, problems, results };
}

/** The frontier of every batch size of an llm config directory, under `perf`. */
function frontiers(path: string, problem: LlmProblem, perf: PerfModel): LlmSet {
  const batches = batchSizes(problem.config);
  const answers = frontiersWithProgress(problem, batches, perf, `ui: ${basename(path)}`).map(
    (r) => ({ ...r, best: cheapestPerToken(r.frontier) }),
  );
  return { path, perfModel: perf.name, problem, answers };
}

/**
 * Every algorithm replayed over an expert-load trace with its default forecast, and the default
 * planner's GPU loads on the last window, planned from the windows before it.
 */
function replayTrace(path: string, windows: LoadMatrix[], shape: Shape): EplbSet {
  const replays = ALGOS.map((algo) =>
    withProgress(
      `ui: replaying ${basename(path)} with ${algo}, rebalances`,
      windows.length - 1,
      (update) =>
        replay(
          windows,
          shape,
          { algo, forecast: DEFAULT_FORECASTS[algo], emaAlpha: DEFAULT_EMA_ALPHA, maxMoves: null },
          update,
        ),
    ),
  );
  const history = windows.length > 1 ? windows.slice(0, -1) : windows;
  const forecast = forecastLoad(history, DEFAULT_FORECASTS.balanced, DEFAULT_EMA_ALPHA);
  const plan = REBALANCERS.balanced(forecast, shape, history);
  const { layers, experts } = windows[0]!;
  return {
    path,
    shape,
    layers,
    experts,
    windows: windows.length,
    replays,
    ceilingsPerGpu: ceilings(windows, shape),
    lastWindowLoad: relativeGpuLoads(plan, windows.at(-1)!, shape.gpus),
  };
}

/** The cluster's shape an expert-load trace is replayed on: the flags, checked against it. */
function traceShape(
  values: Record<string, unknown>,
  path: string,
  matrix: { layers: number; experts: number },
): Shape {
  if (values.replicas === undefined)
    throw new UserError(
      "an expert-load trace needs the cluster's shape: --replicas R --groups G --nodes N --gpus M",
      path,
    );
  const shape = shapeFromFlags(values);
  checkShape(shape, matrix.layers, matrix.experts, path);
  return shape;
}

/**
 * Which problem a .json file holds: vLLM's recorded expert load is an object with
 * `load_history`; colocate problems name a vLLM server and a Whisper model; anything else is
 * PRISM's (its reader says what it expected).
 */
function problemOf(data: unknown, path: string): 'trace' | 'colocate' | 'prism' {
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && 'load_history' in data)
    return 'trace';
  const first: unknown = Array.isArray(data) ? data[0] : data;
  const has = (key: string): boolean => typeof first === 'object' && first !== null && key in first;
  if (has('vllm') && has('whisper')) return 'colocate';
  if (has('models')) return 'prism';
  throw new UserError(
    'is none of the JSON files ui shows: an expert-load trace ({"load_history": ...}), colocate problems (each with "vllm" and "whisper") or PRISM instances (each with "models")',
    path,
  );
}

type SourceKind = 'db' | 'json' | 'dir';

function kindOf(path: string): SourceKind {
  const ext = extname(path).toLowerCase();
  // A missing .db or .json file is reported by its reader, which says what it expected.
  if (ext === '.db' || ext === '.json') return ext.slice(1) as SourceKind;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) throw new UserError('no such file or directory', path);
  if (stats.isDirectory()) {
    if (!existsSync(join(path, 'config.csv')))
      throw new UserError(
        'is a folder without config.csv, so not an llm config directory (config.csv, gpu_pool.csv, network_bandwidth.csv)',
        path,
      );
    return 'dir';
  }
  throw new UserError(
    'is neither a run database (.db), a problem file (.json) nor an llm config directory',
    path,
  );
}

const DEFAULT_PORT = 8080;

/** Listen on host:port, turning a busy port or bad host into a user error. */
async function listen(server: ReturnType<typeof createUiServer>, port: number, host: string) {
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new UserError(
          error.code === 'EADDRINUSE'
            ? `port ${port} is in use; choose another with --port (0 picks a free one)`
            : `cannot listen on ${host}:${port} (${error.message})`,
          'ui',
          error.code === 'EADDRINUSE' ? '--port' : '--host',
        ),
      ),
    );
    server.listen(port, host, done);
  });
  return (server.address() as AddressInfo).port;
}

export async function runUi(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('ui', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    ...CLUSTER_FLAGS,
    ...RATING_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printHelp(UI_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UserError(
      'name at least one run database (.db), problem file (.json) or llm config directory; usage: evoplace ui FILE',
      'ui',
    );
  const kinds = positionals.map(kindOf);
  const port = intFlag(values, 'port', DEFAULT_PORT, 0, 65535);
  const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
  const rating = ratingFromFlags(values);
  const ratingFlags = Object.keys(RATING_FLAGS).filter((flag) => values[flag] !== undefined);
  if (ratingFlags.length > 0 && !kinds.includes('dir'))
    throw new UserError(
      'says how an llm config directory is rated and priced, and none was given; drop it or add the directory',
      'ui',
      ratingFlags.map((flag) => `--${flag}`).join(', '),
    );
  const stores: RunStore[] = [];
  try {
    // Every file is read and checked before any time goes into solving.
    for (const [i, path] of positionals.entries()) {
      if (kinds[i] !== 'db') continue;
      const store = RunStore.open(resolve(path));
      stores.push(store);
      // Reading every run refuses a broken database now rather than page by page.
      store.runs();
    }
    const files = positionals
      .filter((_, i) => kinds[i] === 'json')
      .map((path) => {
        const data = readJsonFile(path);
        return { path, data, problem: problemOf(data, path) };
      });
    const given = Object.keys(CLUSTER_FLAGS).filter((flag) => values[flag] !== undefined);
    if (given.length > 0 && !files.some((f) => f.problem === 'trace'))
      throw new UserError(
        'describes the cluster of an expert-load trace, and no trace was given; drop it or add the trace',
        'ui',
        given.map((flag) => `--${flag}`).join(', '),
      );
    const traces = files
      .filter((f) => f.problem === 'trace')
      .map((f) => {
        const windows = parseLoadHistory(f.data, f.path, windowFromFlags(values));
        return { path: f.path, windows, shape: traceShape(values, f.path, windows[0]!) };
      });
    const colocateFiles = files
      .filter((f) => f.problem === 'colocate')
      .map((f) => ({ path: f.path, problems: parseColocateProblems(f.data, f.path) }));
    const prismFiles = files
      .filter((f) => f.problem === 'prism')
      .map((f) => ({ path: f.path, instances: parseInstances(f.data, f.path) }));
    const llmDirs = positionals
      .filter((_, i) => kinds[i] === 'dir')
      .map((path) => ({ path, problem: readConfigDir(path, rating.options) }));
    const colocate = colocateFiles.map((f) => solveColocate(f.path, f.problems));
    const llm = llmDirs.map((d) => frontiers(d.path, d.problem, rating.perf));
    const eplb = traces.map((t) => replayTrace(t.path, t.windows, t.shape));
    const prism = prismFiles.map((f) => placePrism(f.path, f.instances));
    const server = createUiServer({ runs: stores, prism, colocate, llm, eplb });
    const bound = await listen(server, port, host);
    // Listening for Ctrl-C before the address is out: a script that stops the ui as soon as it
    // reads it would otherwise kill it by the signal, now and then.
    const stopped = new Promise<void>((done) =>
      onStopSignal(() => void server.close(() => done())),
    );
    say(
      `evoplace ui: http://${host.includes(':') ? `[${host}]` : host}:${bound}/ (Ctrl-C to stop)`,
    );
    await stopped;
    return 0;
  } finally {
    for (const store of stores) store.close();
  }
}
