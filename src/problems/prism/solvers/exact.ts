import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { lowerBound } from './bounds.js';
import { fitsUnderTarget, effectiveSizes, sortedDescending } from './packing.js';
import { deadlineAfter, solveSearch, type Deadline } from './search.js';
import type { SolveOptions, SolveResult } from './types.js';

/** Each round asks for a placement this much better, relatively, than the incumbent. */
const PROOF_TOLERANCE = 1e-10;
/** Share of the time limit spent by the heuristic that provides the first incumbent. */
const INCUMBENT_SHARE = 0.2;
/** Above this many GPUs, only empty GPUs of equal memory are treated as interchangeable. */
const FULL_SYMMETRY_GPUS = 64;

type Outcome = { kind: 'found'; assignment: Int32Array } | { kind: 'none' } | { kind: 'timeout' };

/**
 * Depth-first branch and bound for the decision "can every GPU stay at pressure ≤ target?"
 * (bin packing of effective sizes). Models go in decreasing effective size; each branch tries
 * the GPUs it fits, tightest first; interchangeable GPUs are tried once; a branch is cut when
 * the remaining effective size exceeds the room that can still hold any remaining model, or
 * when it would move more models than allowed.
 */
function packOrProve(problem: PrismProblem, target: number, deadline: Deadline): Outcome {
  const n = problem.modelCount;
  const gpus = problem.gpuCount;
  const invTarget = target === Infinity ? 0 : 1 / target;
  const effective = effectiveSizes(problem, target);
  const order = sortedDescending(effective);
  const suffixSum = new Float64Array(n + 1);
  const suffixMin = new Float64Array(n + 1).fill(Infinity);
  for (let d = n - 1; d >= 0; d--) {
    suffixSum[d] = suffixSum[d + 1]! + effective[order[d]!]!;
    suffixMin[d] = Math.min(suffixMin[d + 1]!, effective[order[d]!]!);
  }
  const usedGb = new Float64Array(gpus);
  const load = new Float64Array(gpus);
  const count = new Int32Array(gpus);
  const assignment = new Int32Array(n);
  const candidates = Array.from({ length: n }, () => new Int32Array(gpus));
  const rooms = new Float64Array(gpus);
  const current = problem.current;
  const fullSymmetry = !current && gpus <= FULL_SYMMETRY_GPUS;
  let moved = 0;
  let timedOut = false;

  const room = (g: number): number => problem.memGb[g]! - usedGb[g]! - load[g]! * invTarget;
  const interchangeable = (g: number, h: number): boolean =>
    problem.memGb[g] === problem.memGb[h] &&
    (fullSymmetry
      ? usedGb[g] === usedGb[h] && load[g] === load[h]
      : !current && count[g] === 0 && count[h] === 0);

  const search = (d: number): boolean => {
    if (d === n) return true;
    if ((d & 7) === 0 && deadline.expired()) {
      timedOut = true;
      return false;
    }
    let usable = 0;
    const smallest = suffixMin[d]!;
    for (let g = 0; g < gpus; g++) {
      rooms[g] = room(g);
      if (rooms[g]! >= smallest * (1 - 1e-12)) usable += rooms[g]!;
    }
    if (suffixSum[d]! > usable * (1 + 1e-12) + 1e-12) return false;
    const i = order[d]!;
    const size = problem.sizeGb[i]!;
    const modelLoad = problem.load[i]!;
    const tried = candidates[d]!;
    let triedCount = 0;
    for (let g = 0; g < gpus; g++) {
      if (!fitsUnderTarget(problem.memGb[g]!, usedGb[g]!, load[g]!, size, modelLoad, target))
        continue;
      const moves = current && current[i] !== g ? 1 : 0;
      if (moved + moves > problem.maxMoves) continue;
      let duplicate = false;
      for (let t = 0; t < triedCount && !duplicate; t++) duplicate = interchangeable(g, tried[t]!);
      if (!duplicate) tried[triedCount++] = g;
    }
    const byRoom = tried.subarray(0, triedCount).sort((a, b) => rooms[a]! - rooms[b]! || a - b);
    for (const g of byRoom) {
      const moves = current && current[i] !== g ? 1 : 0;
      usedGb[g]! += size;
      load[g]! += modelLoad;
      count[g]!++;
      moved += moves;
      assignment[i] = g;
      if (search(d + 1)) return true;
      usedGb[g]! -= size;
      load[g]! -= modelLoad;
      count[g]!--;
      moved -= moves;
      if (timedOut) return false;
    }
    return false;
  };

  if (search(0)) return { kind: 'found', assignment };
  return timedOut ? { kind: 'timeout' } : { kind: 'none' };
}

/**
 * Exact solver: start from the default solver's placement, then repeatedly ask branch and
 * bound for a placement strictly better (by 1e-10, relatively) than the incumbent. When none
 * exists the incumbent is proven optimal. If the time limit stops the proof, the incumbent is
 * returned with the best proven lower bound. Infeasibility (no placement of every model) is
 * proven the same way, by packing memory alone.
 */
export function solveExact(problem: PrismProblem, options: SolveOptions): SolveResult {
  const deadline = deadlineAfter(options.timeLimitMs);
  const bound = lowerBound(problem);
  if (bound === Infinity)
    return { assignment: null, maxKvpr: Infinity, lowerBound: Infinity, proven: true };
  const start = solveSearch(problem, {
    seed: options.seed,
    timeLimitMs: options.timeLimitMs * INCUMBENT_SHARE,
  });
  let best = start.assignment;
  let bestValue = start.maxKvpr;
  if (!best) {
    const packed = packOrProve(problem, Infinity, deadline);
    if (packed.kind === 'none')
      return { assignment: null, maxKvpr: Infinity, lowerBound: Infinity, proven: true };
    if (packed.kind === 'timeout') return { ...start, lowerBound: bound, proven: false };
    best = Int32Array.from(packed.assignment);
    bestValue = maxKvpr(problem, best);
  }
  while (bestValue > bound) {
    const target = Number.isFinite(bestValue)
      ? bestValue * (1 - PROOF_TOLERANCE)
      : Number.MAX_VALUE;
    const outcome = packOrProve(problem, target, deadline);
    if (outcome.kind === 'timeout')
      return { assignment: best, maxKvpr: bestValue, lowerBound: bound, proven: false };
    if (outcome.kind === 'none') {
      return {
        assignment: best,
        maxKvpr: bestValue,
        lowerBound: Math.max(bound, target),
        proven: true,
      };
    }
    best = Int32Array.from(outcome.assignment);
    bestValue = maxKvpr(problem, best);
  }
  return { assignment: best, maxKvpr: bestValue, lowerBound: bound, proven: true };
}
