import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes } from './bounds.js';
import type { SolveResult } from './types.js';

/**
 * Model order of the seed's greedy: by load (reqRate/slo) descending, ties in input order.
 * Shape: [modelCount] of model indices.
 */
export function byLoadDescending(problem: PrismProblem): Int32Array {
  const order = Int32Array.from({ length: problem.modelCount }, (_, i) => i);
  return order.sort((a, b) => problem.load[b]! - problem.load[a]! || a - b);
}

/**
 * Pick the seed's GPU for a model: among GPUs with free memory that fit it, the one with the
 * lowest current pressure (load / free memory), lowest index on ties; -1 when none fits.
 */
function leastPressuredFittingGpu(
  sizeGb: number,
  gpuLoad: Float64Array,
  gpuFreeGb: Float64Array,
): number {
  let best = -1;
  let bestRatio = Infinity;
  for (let g = 0; g < gpuFreeGb.length; g++) {
    const free = gpuFreeGb[g]!;
    if (sizeGb <= free && free > 0) {
      const ratio = gpuLoad[g]! / free;
      if (ratio < bestRatio) {
        bestRatio = ratio;
        best = g;
      }
    }
  }
  return best;
}

/**
 * The seed's baseline, same order and tie-breaks: models by load descending, each onto the
 * fitting GPU with the lowest current pressure. Fails (null) when a model fits nowhere.
 */
export function solveGreedy(problem: PrismProblem): SolveResult {
  const gpuLoad = new Float64Array(problem.gpuCount);
  const gpuFreeGb = Float64Array.from(problem.memGb);
  const assignment = new Int32Array(problem.modelCount);
  const bound = lowerBound(problem);
  for (const i of byLoadDescending(problem)) {
    const g = leastPressuredFittingGpu(problem.sizeGb[i]!, gpuLoad, gpuFreeGb);
    if (g < 0)
      return {
        assignment: null,
        maxKvpr: Infinity,
        lowerBound: bound,
        proven: memoryRefutes(problem),
      };
    assignment[i] = g;
    gpuLoad[g]! += problem.load[i]!;
    gpuFreeGb[g]! -= problem.sizeGb[i]!;
  }
  const value = maxKvpr(problem, assignment);
  return { assignment, maxKvpr: value, lowerBound: bound, proven: isProvenBy(value, bound) };
}
