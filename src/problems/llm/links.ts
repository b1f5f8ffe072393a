import type { LlmProblem } from './model.js';

/** GPU pairs whose link falls below the seed's percentile filter. */
export interface FilteredLinks {
  thresholdGbps: number;
  /** Ordered GPU pairs (i ≠ j) below the threshold, out of `pairs`. */
  below: number;
  pairs: number;
}

/**
 * The p-quantile, by linear interpolation as numpy's percentile, of `count` ascending values
 * (`valueAt(rank)`, rank 0 … count − 1).
 */
function quantile(valueAt: (rank: number) => number, count: number, p: number): number {
  const position = p * (count - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, count - 1);
  return valueAt(low) + (valueAt(high) - valueAt(low)) * (position - low);
}

/**
 * The seed's `network_bandwidth_percentile_threshold` p: links below the p-quantile (linear
 * interpolation, as numpy's percentile) of the off-diagonal bandwidths may not join consecutive
 * stages. This says whether the filter drops anything; the exact frontier applies it only where
 * `typeLinks` can state it by GPU type.
 */
export function linksBelowPercentile(problem: LlmProblem): FilteredLinks {
  const n = problem.gpuCount;
  // A typed array: n (n - 1) doubles, sorted numerically in place (no boxed array of n² numbers).
  const values = new Float64Array(n * (n - 1));
  let k = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) values[k++] = problem.bandwidthGbps[i * n + j]!;
  if (values.length === 0) return { thresholdGbps: 0, below: 0, pairs: 0 };
  values.sort();
  const thresholdGbps = quantile(
    (rank) => values[rank]!,
    values.length,
    problem.config.network_bandwidth_percentile_threshold,
  );
  let below = 0;
  while (below < values.length && values[below]! < thresholdGbps) below++;
  return { thresholdGbps, below, pairs: values.length };
}

/**
 * The bandwidth from any GPU of type a to any other GPU of type b, [a][b] (NaN for a type of one
 * GPU to itself), when the network is structured by GPU type (the link between two distinct GPUs
 * depends only on their types, as a generated network's); null otherwise.
 */
function typeBandwidths(problem: LlmProblem): number[][] | null {
  const n = problem.gpuCount;
  const typeOf = new Int32Array(n);
  problem.types.forEach((t, type) => typeOf.fill(type, t.firstId, t.firstId + t.count));
  const byType = problem.types.map((a) =>
    problem.types.map((b) => {
      const to = a === b ? a.firstId + 1 : b.firstId;
      return to < b.firstId + b.count ? problem.bandwidthGbps[a.firstId * n + to]! : NaN;
    }),
  );
  for (let i = 0; i < n; i++) {
    const row = byType[typeOf[i]!]!;
    for (let j = 0; j < n; j++)
      if (i !== j && problem.bandwidthGbps[i * n + j] !== row[typeOf[j]!]) return null;
  }
  return byType;
}

/** The most vectors of stage counts per type the exact filter numbers (solvers/orders.ts). */
const MAX_STAGE_COUNT_VECTORS = 100_000;

/**
 * Whether the pool's types and the config's stages are few enough for the exact filter: at
 * most 30 types (a bit each), every vector of stage counts per type (C(stages + types, types) of
 * them) numbered, its code Σ count_x · (stages + 1)^x an exact integer.
 */
function fewEnoughTypes(types: number, maxStages: number): boolean {
  let vectors = 1;
  for (let t = 1; t <= types && vectors <= MAX_STAGE_COUNT_VECTORS; t++)
    vectors = (vectors * (maxStages + t)) / t;
  return (
    types <= 30 &&
    vectors <= MAX_STAGE_COUNT_VECTORS &&
    (maxStages + 1) ** types <= Number.MAX_SAFE_INTEGER
  );
}

const typeLinksOf = new WeakMap<LlmProblem, boolean[][] | null>();

/**
 * The seed's link filter stated by GPU type, for a network structured by type: whether a stage
 * on type a may directly precede one on type b ([a][b]; the link runs from the first GPU of a's
 * TP group to the first of b's, so any GPUs of the types stand for all). null when the filter
 * drops no link; also when the network is not structured by type, or the pool has too many types
 * for the config's stages (`fewEnoughTypes`): the filter is then not applied. Computed once per
 * problem.
 */
export function typeLinks(problem: LlmProblem): boolean[][] | null {
  let found = typeLinksOf.get(problem);
  if (found === undefined) {
    found = null;
    const fits = fewEnoughTypes(problem.types.length, problem.config.max_pipeline_stages);
    const byType = fits ? typeBandwidths(problem) : null;
    if (byType) {
      // The off-diagonal bandwidths, ascending, each with how many GPU pairs carry it.
      const counted = problem.types
        .flatMap((a, i) =>
          problem.types.map((b, j) => ({
            gbps: byType[i]![j]!,
            pairs: a.count * (a === b ? a.count - 1 : b.count),
          })),
        )
        .filter((v) => v.pairs > 0)
        .sort((x, y) => x.gbps - y.gbps);
      const pairs = counted.reduce((a, v) => a + v.pairs, 0);
      const valueAt = (rank: number): number => {
        let seen = 0;
        for (const v of counted) if ((seen += v.pairs) > rank) return v.gbps;
        return NaN;
      };
      if (pairs > 0) {
        const p = problem.config.network_bandwidth_percentile_threshold;
        const threshold = quantile(valueAt, pairs, p);
        if (counted[0]!.gbps < threshold)
          found = byType.map((row) => row.map((gbps) => !(gbps < threshold)));
      }
    }
    typeLinksOf.set(problem, found);
  }
  return found;
}

/** Slowest link between two GPUs of one TP group (GB/s; Infinity for a single GPU). */
export function slowestLink(problem: LlmProblem, ids: readonly number[]): number {
  let slowest = Infinity;
  for (const a of ids)
    for (const b of ids)
      if (a !== b) slowest = Math.min(slowest, problem.bandwidthGbps[a * problem.gpuCount + b]!);
  return slowest;
}
