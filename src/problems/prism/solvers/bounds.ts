import type { PrismProblem } from '../model.js';
import { kvpr } from '../score.js';

/**
 * Fluid bound: pressure is a ratio of sums, so the worst GPU carries at least the pool's
 * average, Σload / (Σmem − Σsize). Infinity when the models do not fit the pool at all.
 */
export function fluidBound(problem: PrismProblem): number {
  let load = 0;
  let size = 0;
  let mem = 0;
  for (let i = 0; i < problem.modelCount; i++) {
    load += problem.load[i]!;
    size += problem.sizeGb[i]!;
  }
  for (let g = 0; g < problem.gpuCount; g++) mem += problem.memGb[g]!;
  if (size > mem) return Infinity;
  return kvpr(load, mem - size);
}

/**
 * Single-model bound: a model alone on the largest GPU already has pressure
 * load / (maxMem − size); no placement does better. Infinity when a model fits no GPU.
 */
export function singleModelBound(problem: PrismProblem): number {
  let maxMem = 0;
  for (let g = 0; g < problem.gpuCount; g++) maxMem = Math.max(maxMem, problem.memGb[g]!);
  let bound = 0;
  for (let i = 0; i < problem.modelCount; i++) {
    const size = problem.sizeGb[i]!;
    if (size > maxMem) return Infinity;
    bound = Math.max(bound, kvpr(problem.load[i]!, maxMem - size));
  }
  return bound;
}

/** Bounds are shaved by this much, relatively, so float rounding never lifts one above a result. */
const ROUNDING_MARGIN = 1e-12;

/** The best of the cheap bounds every solver reports. */
export function lowerBound(problem: PrismProblem): number {
  return Math.max(fluidBound(problem), singleModelBound(problem)) * (1 - ROUNDING_MARGIN);
}
