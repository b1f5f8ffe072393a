import type { Measurement } from './evaluators/types.js';
import type { MetricSpec } from './spec.js';

/** Score of one metric value in [0, 1] under its spec. */
export function metricScore(value: number, spec: MetricSpec): number {
  if (spec.direction === 'target')
    return Math.max(0, 1 - Math.abs(value - spec.target!) / spec.tolerance!);
  const [lo, hi] = spec.range!;
  const up = Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
  return spec.direction === 'up' ? up : 1 - up;
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
