import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes } from './bounds.js';
import { solveGreedy } from './greedy.js';
import { NO_DEADLINE, type Deadline } from './deadline.js';
import { bestFitPack, effectiveSizes, sortedDescending, type PackingOutcome } from './packing.js';
import type { SolveResult } from './types.js';

/** Stop the bisection when the bracket on the target is this narrow, relatively. */
const RELATIVE_PRECISION = 1e-9;
const MAX_BISECTIONS = 100;

/**
 * Pack at target t with a few model orders (effective size, memory, load; all descending);
 * the first that places every model wins (`found`); `none` when no order does.
 */
export function packAtTarget(
  problem: PrismProblem,
  target: number,
  deadline: Deadline,
): PackingOutcome {
  const orders = [
    () => sortedDescending(effectiveSizes(problem, target)),
    () => sortedDescending(problem.sizeGb),
    () => sortedDescending(problem.load),
  ];
  for (const order of orders) {
    const packed = bestFitPack(problem, target, order(), deadline);
    if (packed.kind !== 'none') return packed;
  }
  return { kind: 'none' };
}

/**
 * Smallest target (quadrupling up from `start`) at which packing succeeds: Infinity when only
 * memory alone packs, NaN when nothing does or the time limit came first.
 */
function firstPackableTarget(problem: PrismProblem, start: number, deadline: Deadline): number {
  for (let t = Math.max(start, 1e-9); t < 1e300; t *= 4) {
    const packed = packAtTarget(problem, t, deadline);
    if (packed.kind === 'found') return t;
    if (packed.kind === 'unresolved') return NaN;
  }
  return packAtTarget(problem, Infinity, deadline).kind === 'found' ? Infinity : NaN;
}

/**
 * Binary search on the target pressure t: at each t, "max KVPR ≤ t" is bin packing of
 * effective sizes (sizeGb + load/t) into memGb, tried by best-fit decreasing. The best
 * placement met on the way (its real max KVPR, often below t) is the answer; the time limit
 * ends the search with the best so far.
 */
export function solveFast(problem: PrismProblem, deadline: Deadline = NO_DEADLINE): SolveResult {
  const bound = lowerBound(problem);
  if (memoryRefutes(problem))
    return { assignment: null, maxKvpr: Infinity, lowerBound: Infinity, proven: true };
  const greedy = solveGreedy(problem);
  let best = greedy.assignment;
  let bestValue = greedy.maxKvpr;
  const consider = (packed: PackingOutcome): void => {
    if (packed.kind !== 'found') return;
    const value = maxKvpr(problem, packed.assignment);
    if (value < bestValue || !best) {
      best = packed.assignment;
      bestValue = value;
    }
  };
  let hi = bestValue;
  if (!Number.isFinite(hi)) {
    hi = firstPackableTarget(problem, bound, deadline);
    if (!Number.isNaN(hi)) consider(packAtTarget(problem, hi, deadline));
  }
  let lo = bound;
  for (
    let step = 0;
    step < MAX_BISECTIONS && Number.isFinite(hi) && hi - lo > RELATIVE_PRECISION * hi;
    step++
  ) {
    const mid = lo + (hi - lo) / 2;
    const packed = packAtTarget(problem, mid, deadline);
    if (packed.kind === 'unresolved') break;
    consider(packed);
    if (packed.kind === 'found') hi = Math.min(mid, bestValue);
    else lo = mid;
  }
  return {
    assignment: best,
    maxKvpr: bestValue,
    lowerBound: bound,
    proven: best !== null && isProvenBy(bestValue, bound),
  };
}
