import { withProgress } from '../../core/progress.js';
import { formatTable } from '../../core/table.js';
import { elapsedMs, mean, quantile } from '../../core/timing.js';
import { DEFAULT_EMA_ALPHA, forecastLoad, type Forecast } from './forecast.js';
import { DEFAULT_TRACE, generateTrace, type TraceSettings } from './generate.js';
import { parseLoadHistory, type LoadMatrix, type Shape } from './model.js';
import { ceilings, replay, type ReplayResult } from './replay.js';
import { DEFAULT_FORECASTS, REBALANCERS, type Algo } from './solvers/index.js';

export interface EplbBenchmark {
  shape: Shape;
  windows: number;
  ceilingsPerGpu: { hierarchical: number; global: number };
  algos: ReplayResult[];
}

/** Times each window's rebalance is repeated for the timing figures, at most. */
const TIMING_REPEATS = 5;
/**
 * Repeats stop once the timing of one algorithm has taken this long (each window is timed at
 * least once): at the largest shapes a rebalance takes seconds, and five repeats of every
 * window would make the benchmark take many minutes for no better figure.
 */
const TIMING_BUDGET_MS = 3000;

/**
 * Median and mean ms of one rebalance (from the algorithm's default forecast and the history so
 * far, as in the replay; the forecast itself is not timed), over every window, repeated up to
 * TIMING_REPEATS times within TIMING_BUDGET_MS. The replay before it has run the same code, so
 * the timed runs are warm. `onRun` is told the number of timed runs so far (at most
 * TIMING_REPEATS × windows).
 */
function timeRebalances(
  windows: readonly LoadMatrix[],
  shape: Shape,
  algo: Algo,
  onRun: (done: number) => void,
): { medianMs: number; meanMs: number } {
  const inputs = windows.map((_, i) => {
    const history = windows.slice(0, i + 1);
    return { history, load: forecastLoad(history, DEFAULT_FORECASTS[algo], DEFAULT_EMA_ALPHA) };
  });
  const times: number[] = [];
  const budgetStart = performance.now();
  for (let k = 0; k < TIMING_REPEATS; k++) {
    if (k > 0 && performance.now() - budgetStart > TIMING_BUDGET_MS) break;
    for (const { load, history } of inputs) {
      const start = performance.now();
      REBALANCERS[algo](load, shape, history);
      times.push(elapsedMs(start));
      onRun(times.length);
    }
  }
  return { medianMs: quantile(times, 0.5), meanMs: mean(times) };
}

/**
 * Replay the trace through each algorithm with its default forecast (plan on window i, score on
 * i + 1) for the balance figures; then time the rebalance itself on warm code, every window
 * several times, so that one garbage-collection pause does not decide the figure. Progress on
 * stderr per algorithm.
 */
export function eplbBenchmark(
  windows: readonly LoadMatrix[],
  shape: Shape,
  algos: readonly Algo[],
  maxMoves: number | null = null,
): EplbBenchmark {
  return {
    shape,
    windows: windows.length,
    ceilingsPerGpu: ceilings(windows, shape),
    algos: algos.map((algo) => {
      const result = withProgress(`eplb bench ${algo}: replay`, windows.length - 1, (update) =>
        replay(
          windows,
          shape,
          { algo, forecast: DEFAULT_FORECASTS[algo], emaAlpha: DEFAULT_EMA_ALPHA, maxMoves },
          update,
        ),
      );
      const times = withProgress(
        `eplb bench ${algo}: timed rebalances (at most)`,
        TIMING_REPEATS * windows.length,
        (update) => timeRebalances(windows, shape, algo, update),
      );
      return { ...result, ...times };
    }),
  };
}

/** The benchmark as a table (on stderr unless told otherwise). */
export function printEplbBenchmark(
  report: EplbBenchmark,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): void {
  const f = (v: number): string => v.toFixed(4);
  say(
    formatTable(
      [
        'algo',
        'per slot',
        'per GPU',
        'per node',
        'in-sample GPU',
        'moved/layer',
        'median ms',
        'mean ms',
        'invariant errors',
      ],
      report.algos.map((r) => [
        r.algo,
        f(r.outOfSample.perSlot),
        f(r.outOfSample.perGpu),
        f(r.outOfSample.perNode),
        f(r.inSample.perGpu),
        r.movedPerLayer.toFixed(1),
        r.medianMs.toFixed(2),
        r.meanMs.toFixed(2),
        String(r.invariantErrors),
      ]),
    ),
  );
  say(
    `\n${report.windows - 1} rebalances (plan on window i, score on i + 1); per-GPU ceilings with perfect knowledge: hierarchical ${f(report.ceilingsPerGpu.hierarchical)}, global ${f(report.ceilingsPerGpu.global)}`,
  );
}

/** The algorithm and forecast pairs the generated suite compares. */
const SUITE_PLANNERS: readonly { algo: Algo; forecast: Forecast }[] = [
  { algo: 'deepseek', forecast: 'last' },
  { algo: 'balanced', forecast: 'last' },
  { algo: 'balanced', forecast: 'recent' },
  { algo: 'global', forecast: 'recent' },
];

/** A generated trace of the suite: a label, and its settings beyond the defaults (a seed at least). */
export interface SuiteTrace {
  label: string;
  settings: Partial<TraceSettings> & { seed: number };
}

export interface GeneratedSuite {
  traces: SuiteTrace[];
  /** `algo/forecast` → mean per-GPU balancedness on the next window, one per trace. */
  perGpu: Record<string, number[]>;
  meanPerGpu: Record<string, number>;
}

/**
 * Per-GPU balancedness out of sample on generated traces of DeepSeek-V3's shape, one per entry
 * of `traces` (the default trace settings otherwise): what one recorded trace cannot tell,
 * whether a planner's edge holds across traces. Progress on stderr.
 */
export function generatedSuite(traces: readonly SuiteTrace[], shape: Shape): GeneratedSuite {
  const perGpu: Record<string, number[]> = {};
  for (const trace of traces) {
    process.stderr.write(`eplb suite: trace ${trace.label}\n`);
    const windows = parseLoadHistory(
      generateTrace({ ...DEFAULT_TRACE, ...trace.settings }),
      trace.label,
      100,
    );
    for (const { algo, forecast } of SUITE_PLANNERS) {
      const result = replay(windows, shape, {
        algo,
        forecast,
        emaAlpha: DEFAULT_EMA_ALPHA,
        maxMoves: null,
      });
      (perGpu[`${algo}/${forecast}`] ??= []).push(result.outOfSample.perGpu);
    }
  }
  const meanPerGpu = Object.fromEntries(Object.entries(perGpu).map(([k, v]) => [k, mean(v)]));
  return { traces: [...traces], perGpu, meanPerGpu };
}

export function printGeneratedSuite(
  suite: GeneratedSuite,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): void {
  const planners = Object.keys(suite.perGpu);
  say(
    formatTable(
      ['trace', ...planners],
      [
        ...suite.traces.map((trace, i) => [
          trace.label,
          ...planners.map((p) => suite.perGpu[p]![i]!.toFixed(4)),
        ]),
        ['mean', ...planners.map((p) => suite.meanPerGpu[p]!.toFixed(4))],
      ],
    ),
  );
}
