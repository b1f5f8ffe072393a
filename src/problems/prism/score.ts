import type { PrismProblem } from './model.js';

/** What the seed's evaluator charges a GPU with no free memory left. */
export const SEED_FULL_GPU_KVPR = 1e6;

/**
 * KV-cache pressure of one GPU: load / free memory. A GPU with no free memory has infinite
 * pressure if it carries load, and none if it carries none.
 */
export function kvpr(load: number, freeGb: number): number {
  if (freeGb > 0) return load / freeGb;
  return load > 0 ? Infinity : 0;
}

/** Per-GPU load and used memory of an assignment: shapes [gpuCount]. */
export function gpuTotals(
  problem: PrismProblem,
  assignment: ArrayLike<number>,
): { load: Float64Array; usedGb: Float64Array } {
  const load = new Float64Array(problem.gpuCount);
  const usedGb = new Float64Array(problem.gpuCount);
  for (let i = 0; i < problem.modelCount; i++) {
    const g = assignment[i]!;
    load[g]! += problem.load[i]!;
    usedGb[g]! += problem.sizeGb[i]!;
  }
  return { load, usedGb };
}

/** KVPR per GPU of an assignment (GPU index per model): shape [gpuCount]. */
export function kvprPerGpu(problem: PrismProblem, assignment: ArrayLike<number>): Float64Array {
  const { load, usedGb } = gpuTotals(problem, assignment);
  const out = new Float64Array(problem.gpuCount);
  for (let g = 0; g < problem.gpuCount; g++)
    out[g] = kvpr(load[g]!, problem.memGb[g]! - usedGb[g]!);
  return out;
}

export function maxKvpr(problem: PrismProblem, assignment: ArrayLike<number>): number {
  let max = 0;
  for (const value of kvprPerGpu(problem, assignment)) if (value > max) max = value;
  return max;
}

/** The seed evaluator's max KVPR: the same, except a full GPU costs 1e6 whatever its load. */
export function seedMaxKvpr(problem: PrismProblem, assignment: ArrayLike<number>): number {
  const { load, usedGb } = gpuTotals(problem, assignment);
  let max = -Infinity;
  for (let g = 0; g < problem.gpuCount; g++) {
    const free = problem.memGb[g]! - usedGb[g]!;
    max = Math.max(max, free > 0 ? load[g]! / free : SEED_FULL_GPU_KVPR);
  }
  return max;
}

/** Number of models whose GPU differs from the current placement. */
export function movedCount(current: ArrayLike<number>, assignment: ArrayLike<number>): number {
  let moved = 0;
  for (let i = 0; i < assignment.length; i++) if (assignment[i] !== current[i]) moved++;
  return moved;
}

/**
 * The seed benchmark's metric: `1 / mean(maxKvpr) + successRate`, where the mean runs only over
 * the cases that produced a placement (the seed skips failures) and `seedMaxKvpr` is null for a
 * failed case. As in the seed, a mean of 0 contributes 0 rather than infinity.
 */
export function seedScore(seedMaxKvprs: readonly (number | null)[]): number {
  const done = seedMaxKvprs.filter((v): v is number => v !== null);
  if (seedMaxKvprs.length === 0) return 0;
  const mean = done.length ? done.reduce((a, b) => a + b, 0) / done.length : 0;
  return (mean !== 0 ? 1 / mean : 0) + done.length / seedMaxKvprs.length;
}

/** Relative gap of a value above a lower bound (0 when proven optimal). */
export function gapToBound(value: number, lowerBound: number): number {
  if (value === lowerBound) return 0;
  if (!(lowerBound > 0)) return value > 0 ? Infinity : 0;
  return (value - lowerBound) / lowerBound;
}
