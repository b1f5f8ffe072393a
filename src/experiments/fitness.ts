import type { Measurement } from './evaluators/types.js';
import type { MetricSpec } from './spec.js';

/** Score of one metric value in [0, 1] under its spec. */
export function metricScore(value: number, spec: MetricSpec): number {
  if (spec.direction === 'target')
    return Math.max(0, 1 - Math.abs(value - spec.target!) / spec.tolerance!);
  const [lo, hi] = spec.range!;
  const up = Math.min(1, Math.max(0, shareOf(value, lo, hi)));
  return spec.direction === 'up' ? up : 1 - up;
}

/**
 * How far `value` lies from `lo` towards `hi` (1 at `hi`), for finite numbers with `hi > lo`.
 * A range as wide as [-1e308, 1e308], or a value that far out, overflows the differences to
 * Infinity (a share of 0 or NaN); halved first, they cannot.
 */
function shareOf(value: number, lo: number, hi: number): number {
  const [offset, width] = [value - lo, hi - lo];
  if (Number.isFinite(offset) && Number.isFinite(width)) return offset / width;
  return (value / 2 - lo / 2) / (hi / 2 - lo / 2);
}

export interface Verdict {
  /** Weighted mean of the metric scores, in [0, 1]; 0 when disqualified. */
  fitness: number;
  /** OOM, an evaluator error or a missing metric: never selected as a winner, never promoted. */
  disqualified: boolean;
  reason: string | null;
  scores: Record<string, number>;
}

/**
 * Fitness of a measurement: hard constraints first (any OOM or error disqualifies with fitness
 * 0), then Σ weight · score / Σ weight over the spec's metrics.
 */
export function fitnessOf(measurement: Measurement, metrics: Record<string, MetricSpec>): Verdict {
  if (measurement.oom)
    return { fitness: 0, disqualified: true, reason: 'out of memory', scores: {} };
  if (measurement.error)
    return { fitness: 0, disqualified: true, reason: measurement.error, scores: {} };
  const scores: Record<string, number> = {};
  let weighted = 0;
  let weights = 0;
  for (const [name, spec] of Object.entries(metrics)) {
    const value = measurement.metrics[name];
    if (typeof value !== 'number' || !Number.isFinite(value))
      return {
        fitness: 0,
        disqualified: true,
        reason: `the evaluator reported no metric "${name}"`,
        scores,
      };
    scores[name] = metricScore(value, spec);
    weighted += spec.weight * scores[name];
    weights += spec.weight;
  }
  return { fitness: weighted / weights, disqualified: false, reason: null, scores };
}
