import { elapsedMs, quantile } from '../../core/timing.js';
import type { LlmProblem } from './model.js';
import type { PerfModel } from './perf/types.js';
import { cheapestPerToken, paretoFrontier } from './solvers/frontier.js';

export interface LlmBenchRow {
  name: string;
  perfModel: string;
  gpus: number;
  batchSize: number;
  frontierPoints: number;
  usdPerMillionTokens: number | null;
  /** Median ms of one batch's frontier over `repeats` solves. */
  medianMs: number;
}

/** Time the exact frontier under `perf` per batch size, `repeats` times each (after one warm-up). */
export function benchLlm(
  name: string,
  problem: LlmProblem,
  batches: number[],
  perf: PerfModel,
  repeats = 3,
): LlmBenchRow[] {
  return batches.map((batchSize) => {
    const frontier = paretoFrontier(problem, batchSize, perf);
    const times = Array.from({ length: repeats }, () => {
      const start = performance.now();
      paretoFrontier(problem, batchSize, perf);
      return elapsedMs(start);
    });
    return {
      name,
      perfModel: perf.name,
      gpus: problem.gpuCount,
      batchSize,
      frontierPoints: frontier.length,
      usdPerMillionTokens: cheapestPerToken(frontier)?.usdPerMillionTokens ?? null,
      medianMs: quantile(times, 0.5),
    };
  });
}
