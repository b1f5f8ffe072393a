import type { PrismProblem } from '../model.js';
import { kvpr } from '../score.js';
import type { SolveResult } from './types.js';
import { overfills } from '../validate.js';

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
/** Size comparisons inside the packing bound lean this much towards "fits". */
const PACKING_SLACK = 1e-9;
const PACKING_BISECTIONS = 40;

/**
 * Martello–Toth L2 lower bound on the number of bins of capacity `capacity` needed for items
 * `sizes` (sorted descending, shape [n]; prefix sums in `prefix`, shape [n + 1]). Infinity
 * when an item is larger than a bin.
 */
function binsNeededL2(sizes: Float64Array, prefix: Float64Array, capacity: number): number {
  const n = sizes.length;
  if (n === 0) return 0;
  if (sizes[0]! > capacity * (1 + PACKING_SLACK)) return Infinity;
  const half = capacity / 2;
  const countAbove = (limit: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid]! > limit * (1 + PACKING_SLACK)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const countAtLeast = (limit: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid]! >= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const big = countAbove(half);
  let best = 0;
  for (let k = big - 1; k < n; k++) {
    const threshold = k < big ? 0 : sizes[k]!;
    if (k >= big && k + 1 < n && sizes[k + 1] === threshold) continue;
    const j1 = countAbove(capacity - threshold);
    const j3End = threshold === 0 ? n : countAtLeast(threshold);
    const j2Room = (big - j1) * capacity - (prefix[big]! - prefix[j1]!);
    const j3Size = prefix[j3End]! - prefix[big]!;
    const overflow = Math.max(0, Math.ceil((j3Size - j2Room) / capacity - PACKING_SLACK));
    best = Math.max(best, big + overflow);
  }
  return best;
}

/** Would even the L2 bin-packing bound refute "every GPU at pressure ≤ target"? */
function packingRefutes(problem: PrismProblem, target: number, capacity: number): boolean {
  const sizes = new Float64Array(problem.modelCount);
  for (let i = 0; i < problem.modelCount; i++)
    sizes[i] = problem.sizeGb[i]! + problem.load[i]! / target;
  sizes.sort().reverse();
  const prefix = new Float64Array(sizes.length + 1);
  for (let i = 0; i < sizes.length; i++) prefix[i + 1] = prefix[i]! + sizes[i]!;
  return binsNeededL2(sizes, prefix, capacity) > problem.gpuCount;
}

/**
 * Packing bound, for pools of one memory size: at target t a model takes sizeGb + load/t of a
 * GPU, so when the L2 bound says more GPUs than the pool has are needed, every placement has
 * pressure above t. Bisection from `floor` (a proven bound) raises it to the largest t found
 * refuted; every value it returns was refuted, so it stays a proven bound.
 */
export function packingBound(problem: PrismProblem, floor: number): number {
  const capacity = problem.memGb[0]!;
  if (!(floor > 0) || !Number.isFinite(floor) || problem.memGb.some((m) => m !== capacity))
    return floor;
  if (packingRefutes(problem, Infinity, capacity)) return Infinity;
  let lo = floor;
  let hi = floor * 2;
  while (packingRefutes(problem, hi, capacity)) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return lo;
  }
  for (let step = 0; step < PACKING_BISECTIONS && hi - lo > PACKING_SLACK * hi; step++) {
    const mid = lo + (hi - lo) / 2;
    if (packingRefutes(problem, mid, capacity)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const boundCache = new WeakMap<PrismProblem, number>();

/** The best lower bound we have cheaply (fluid, single-model, packing); computed once per problem. */
export function lowerBound(problem: PrismProblem): number {
  const cached = boundCache.get(problem);
  if (cached !== undefined) return cached;
  const simple = Math.max(fluidBound(problem), singleModelBound(problem));
  const bound = packingBound(problem, simple) * (1 - ROUNDING_MARGIN);
  boundCache.set(problem, bound);
  return bound;
}

/** A value within this relative distance of a proven lower bound counts as proven optimal. */
export const OPTIMALITY_TOLERANCE = 1e-9;

/** Does the lower bound prove `value` optimal (to OPTIMALITY_TOLERANCE)? */
export function isProvenBy(value: number, bound: number): boolean {
  return value <= bound * (1 + OPTIMALITY_TOLERANCE);
}

/**
 * Can memory alone not hold the models, so that there is no placement at all? The fluid,
 * single-model and (for pools of one memory size) packing arguments at an infinite target. An
 * infinite lower bound says less: a placement that fills a loaded GPU exactly is valid, of
 * infinite pressure.
 */
export function memoryRefutes(problem: PrismProblem): boolean {
  let size = 0;
  let mem = 0;
  let maxMem = 0;
  for (let g = 0; g < problem.gpuCount; g++) {
    mem += problem.memGb[g]!;
    maxMem = Math.max(maxMem, problem.memGb[g]!);
  }
  for (let i = 0; i < problem.modelCount; i++) {
    size += problem.sizeGb[i]!;
    if (overfills(problem.sizeGb[i]!, maxMem)) return true;
  }
  if (overfills(size, mem)) return true;
  const capacity = problem.memGb[0]!;
  return (
    problem.gpuCount > 0 &&
    problem.memGb.every((m) => m === capacity) &&
    packingRefutes(problem, Infinity, capacity)
  );
}

/** A proof loop's answer when the memory alone cannot be packed: proven infeasible. */
export const PROVEN_INFEASIBLE: Readonly<SolveResult> = Object.freeze({
  assignment: null,
  maxKvpr: Infinity,
  lowerBound: Infinity,
  proven: true,
});

/**
 * A proof loop's answer once a prover found no placement below `target`: `best` (of max KVPR
 * `bestValue`) is optimal to that target, which joins the lower bound `bound`.
 */
export function provenBelow(
  best: Int32Array,
  bestValue: number,
  bound: number,
  target: number,
): SolveResult {
  return {
    assignment: best,
    maxKvpr: bestValue,
    // None at the largest finite target: every placement's pressure is infinite.
    lowerBound: target >= Number.MAX_VALUE ? Infinity : Math.max(bound, target),
    proven: true,
  };
}
