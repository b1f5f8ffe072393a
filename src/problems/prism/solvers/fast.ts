import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes } from './bounds.js';
import { solveGreedy } from './greedy.js';
import { bestFitPack, effectiveSizes, sortedDescending } from './packing.js';
import type { SolveResult } from './types.js';

/** Stop the bisection when the bracket on the target is this narrow, relatively. */
const RELATIVE_PRECISION = 1e-9;
const MAX_BISECTIONS = 100;

/**
 * Pack at target t with a few model orders (effective size, memory, load; all descending);
 * the first that places every model wins. Returns GPU index per model, or null.
 */
export function packAtTarget(problem: PrismProblem, target: number): Int32Array | null {
  const orders = [
    sortedDescending(effectiveSizes(problem, target)),
    sortedDescending(problem.sizeGb),
    sortedDescending(problem.load),
  ];
  for (const order of orders) {
    const packed = bestFitPack(problem, target, order);
    if (packed) return packed;
  }
  return null;
}

/** Smallest target (doubling up from `start`) at which packing succeeds: Infinity when only memory alone packs, NaN when nothing does. */
function firstPackableTarget(problem: PrismProblem, start: number): number {
  for (let t = Math.max(start, 1e-9); t < 1e300; t *= 4) if (packAtTarget(problem, t)) return t;
  return packAtTarget(problem, Infinity) ? Infinity : NaN;
}

/**
 * Binary search on the target pressure t: at each t, "max KVPR ≤ t" is bin packing of
 * effective sizes (sizeGb + load/t) into memGb, tried by best-fit decreasing. The best
 * placement met on the way (its real max KVPR, often below t) is the answer.
 */
export function solveFast(problem: PrismProblem): SolveResult {
  const bound = lowerBound(problem);
  if (memoryRefutes(problem))
    return { assignment: null, maxKvpr: Infinity, lowerBound: Infinity, proven: true };
  const greedy = solveGreedy(problem);
  let best = greedy.assignment;
  let bestValue = greedy.maxKvpr;
  const consider = (candidate: Int32Array | null): boolean => {
    if (!candidate) return false;
    const value = maxKvpr(problem, candidate);
    if (value < bestValue || !best) {
      best = candidate;
      bestValue = value;
    }
    return true;
  };
  let hi = bestValue;
  if (!Number.isFinite(hi)) {
    hi = firstPackableTarget(problem, bound);
    if (!Number.isNaN(hi)) consider(packAtTarget(problem, hi));
  }
  let lo = bound;
  for (
    let step = 0;
    step < MAX_BISECTIONS && Number.isFinite(hi) && hi - lo > RELATIVE_PRECISION * hi;
    step++
  ) {
    const mid = lo + (hi - lo) / 2;
    if (consider(packAtTarget(problem, mid))) hi = Math.min(mid, bestValue);
    else lo = mid;
  }
  return {
    assignment: best,
    maxKvpr: bestValue,
    lowerBound: bound,
    proven: best !== null && isProvenBy(bestValue, bound),
  };
}
