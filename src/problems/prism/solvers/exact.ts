import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes, PROVEN_INFEASIBLE, provenBelow } from './bounds.js';
import { packOrProve } from './branch-and-bound.js';
import { Rng } from '../../../core/rng.js';
import { deadlineAfter } from './deadline.js';
import { iteratedLocalSearch, solveSearch } from './search.js';
import { DEFAULT_SEARCH_KNOBS, type SolveOptions, type SolveResult } from './types.js';

/** Each round asks for a placement this much better, relatively, than the incumbent. */
const PROOF_TOLERANCE = 1e-10;
/** Branch-and-bound nodes in the first round of a proof; each later round doubles it. */
const FIRST_NODE_BUDGET = 20_000;

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
