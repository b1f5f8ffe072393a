import type { LlmProblem } from './model.js';

/** GPU pairs whose link falls below the seed's percentile filter. */
export interface FilteredLinks {
  thresholdGbps: number;
  /** Ordered GPU pairs (i ≠ j) below the threshold, out of `pairs`. */
  below: number;
  pairs: number;
}

/**
 * The seed's `network_bandwidth_percentile_threshold` p: links below the p-quantile (linear
 * interpolation, as numpy's percentile) of the off-diagonal bandwidths may not join consecutive
 * stages. The exact frontier orders stages freely and charges each stage its type's slowest
 * link, so it does not apply this filter; this says whether the filter would drop anything.
 */
export function linksBelowPercentile(problem: LlmProblem): FilteredLinks {
  const n = problem.gpuCount;
  const values: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) values.push(problem.bandwidthGbps[i * n + j]!);
  if (values.length === 0) return { thresholdGbps: 0, below: 0, pairs: 0 };
  values.sort((a, b) => a - b);
  const position = problem.config.network_bandwidth_percentile_threshold * (values.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, values.length - 1);
  const thresholdGbps = values[low]! + (values[high]! - values[low]!) * (position - low);
  const below = values.filter((v) => v < thresholdGbps).length;
  return { thresholdGbps, below, pairs: values.length };
}
