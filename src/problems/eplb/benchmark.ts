import { formatTable } from '../../core/table.js';
import type { LoadMatrix, Shape } from './model.js';
import { ceilings, replay, type ReplayResult } from './replay.js';
import type { Algo } from './solvers/index.js';

export interface EplbBenchmark {
  shape: Shape;
  windows: number;
  ceilingsPerGpu: { hierarchical: number; global: number };
  algos: ReplayResult[];
}

/**
 * Replay the trace through each algorithm (plan on window i, score on i + 1). Each replay runs
 * twice and reports the second, so that times are of warm code, as in a serving engine.
 */
export function eplbBenchmark(
  windows: readonly LoadMatrix[],
  shape: Shape,
  algos: readonly Algo[],
  maxMoves: number | null = null,
): EplbBenchmark {
  const run = (algo: Algo): ReplayResult =>
    replay(windows, shape, { algo, forecast: 'last', emaAlpha: 0.5, maxMoves });
  return {
    shape,
    windows: windows.length,
    ceilingsPerGpu: ceilings(windows, shape),
    algos: algos.map((algo) => {
      run(algo);
      return run(algo);
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
