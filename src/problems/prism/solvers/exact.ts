import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes, PROVEN_INFEASIBLE, provenBelow } from './bounds.js';
import {
  fitsUnderTarget,
  effectiveSizes,
  sortedDescending,
  type PackingOutcome,
} from './packing.js';
import { Rng } from '../../../core/rng.js';
import { deadlineAfter, iteratedLocalSearch, solveSearch, type Deadline } from './search.js';
import { DEFAULT_SEARCH_KNOBS, type SolveOptions, type SolveResult } from './types.js';

/** Each round asks for a placement this much better, relatively, than the incumbent. */
const PROOF_TOLERANCE = 1e-10;
/** Above this many GPUs, only empty GPUs of equal memory are treated as interchangeable. */
const FULL_SYMMETRY_GPUS = 64;

/** Branch-and-bound nodes in the first round of a proof; each later round doubles it. */
const FIRST_NODE_BUDGET = 20_000;

/**
 * Depth-first branch and bound for the decision "can every GPU stay at pressure ≤ target?"
 * (bin packing of effective sizes). Models go in decreasing effective size; each branch tries
 * the GPUs it fits, tightest first; interchangeable GPUs are tried once; a branch is cut when
 * the remaining effective size exceeds the room that can still hold any remaining model, or
 * when it would move more models than allowed.
 */
function packOrProve(
  problem: PrismProblem,
  target: number,
  deadline: Deadline,
  nodeBudget: number,
): PackingOutcome {
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
  let nodes = 0;
  let stopped = false;

  const room = (g: number): number => problem.memGb[g]! - usedGb[g]! - load[g]! * invTarget;
  const interchangeable = (g: number, h: number): boolean =>
    problem.memGb[g] === problem.memGb[h] &&
    (fullSymmetry
      ? usedGb[g] === usedGb[h] && load[g] === load[h]
      : !current && count[g] === 0 && count[h] === 0);

  const search = (d: number): boolean => {
    if (d === n) return true;
    if (++nodes > nodeBudget || deadline.expired()) {
      stopped = true;
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
      if (stopped) return false;
    }
    return false;
  };

  if (search(0)) return { kind: 'found', assignment };
  return stopped ? { kind: 'unresolved' } : { kind: 'none' };
}

/**
 * Exact solver: start from the default solver's placement, then ask branch and bound for a
 * placement strictly better (by 1e-10, relatively) than the incumbent, repeatedly. When none
 * exists, the incumbent is proven optimal. A round whose node budget runs out hands over to
 * iterated local search from the incumbent (a new seed each round), and the next round gets
 * twice the budget; so on instances too large to prove, the time goes into improving the
 * placement. When the time limit stops it, the incumbent is returned with the best proven
 * lower bound. Infeasibility (no placement of every model) is proven by packing memory alone.
 */
export function solveExact(problem: PrismProblem, options: SolveOptions): SolveResult {
  const deadline = deadlineAfter(options.timeLimitMs);
  const bound = lowerBound(problem);
  if (memoryRefutes(problem)) return PROVEN_INFEASIBLE;
  let best = solveSearch(problem, options).assignment;
  for (let budget = FIRST_NODE_BUDGET; !best && !deadline.expired(); budget *= 2) {
    const packed = packOrProve(problem, Infinity, deadline, budget);
    if (packed.kind === 'none') return PROVEN_INFEASIBLE;
    if (packed.kind === 'found') best = Int32Array.from(packed.assignment);
  }
  if (!best) return { assignment: null, maxKvpr: Infinity, lowerBound: bound, proven: false };
  let bestValue = maxKvpr(problem, best);
  for (let round = 0, budget = FIRST_NODE_BUDGET; !isProvenBy(bestValue, bound); round++) {
    if (deadline.expired())
      return { assignment: best, maxKvpr: bestValue, lowerBound: bound, proven: false };
    const target = Number.isFinite(bestValue)
      ? bestValue * (1 - PROOF_TOLERANCE)
      : Number.MAX_VALUE;
    const outcome = packOrProve(problem, target, deadline, budget);
    if (outcome.kind === 'none') return provenBelow(best, bestValue, bound, target);
    if (outcome.kind === 'found') {
      best = Int32Array.from(outcome.assignment);
    } else {
      budget *= 2;
      const settings = {
        ...DEFAULT_SEARCH_KNOBS,
        movedLimit: problem.maxMoves,
        rng: new Rng(options.seed + round + 1),
        deadline,
        bound,
      };
      best = iteratedLocalSearch(problem, best, settings).assignment;
    }
    bestValue = maxKvpr(problem, best);
  }
  return { assignment: best, maxKvpr: bestValue, lowerBound: bound, proven: true };
}
