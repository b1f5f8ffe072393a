import { Rng } from '../../../core/rng.js';
import type { PrismProblem } from '../model.js';
import { maxKvpr } from '../score.js';
import { isProvenBy, lowerBound, memoryRefutes } from './bounds.js';
import { fitsMemory } from '../validate.js';
import { solveFast } from './fast.js';
import { solveGreedy } from './greedy.js';
import { packOrProve } from './branch-and-bound.js';
import { deadlineAfter, type Deadline } from './deadline.js';
import { descend, perturb, PlacementState, repairOverfill } from './local-search.js';
import {
  DEFAULT_SEARCH_KNOBS,
  type SearchKnobs,
  type SolveOptions,
  type SolveResult,
} from './types.js';

/** Branch-and-bound nodes spent on a re-placement the repair could not make fit. */
const NODE_BUDGET = 20_000;
/** Move limits tried for a re-placement: the answer for k is the best over those ≤ k. */
const MOVE_LADDER = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

export interface SearchSettings {
  /** At most this many models may differ from `problem.current`. */
  movedLimit: number;
  rng: Rng;
  deadline: Deadline;
  kicks: number;
  patience: number;
  kickStrength: number;
  /** A proven lower bound: reaching it ends the search. */
  bound: number;
  /** Counts the kicks made (the search's work, independent of the machine). */
  work?: { kicks: number };
}

/**
 * Iterated local search from `start`: steepest descent on the worst GPU, then repeated
 * random kicks, each followed by descent; a kicked placement is kept when no worse.
 * Returns the best state met.
 */
export function iteratedLocalSearch(
  problem: PrismProblem,
  start: Int32Array,
  { movedLimit, rng, deadline, kicks, patience, kickStrength, bound, work }: SearchSettings,
): PlacementState {
  const state = new PlacementState(problem, start, movedLimit);
  descend(state, deadline);
  const best = state.clone();
  let bestValue = best.maxKvpr();
  for (
    let kick = 0, sinceBest = 0;
    kick < kicks && sinceBest < patience && !isProvenBy(bestValue, bound);
    kick++
  ) {
    if (deadline.expired()) break;
    if (work) work.kicks++;
    perturb(state, rng, rng.int(1, kickStrength));
    descend(state, deadline);
    const value = state.maxKvpr();
    if (value < bestValue) {
      best.copyFrom(state);
      bestValue = value;
      sinceBest = 0;
    } else {
      sinceBest++;
      if (value > bestValue) state.copyFrom(best);
    }
  }
  return best;
}

function result(
  problem: PrismProblem,
  best: PlacementState | null,
  bound: number,
  work: { kicks: number },
  provenNone = false,
): SolveResult {
  // A current placement that overfills a GPU, with no move limit that lets it be fixed, is no
  // placement either.
  if (!best || !fitsMemory(problem, best.assignment))
    return {
      assignment: null,
      maxKvpr: Infinity,
      // Proven that no placement exists: no finite bound holds.
      lowerBound: provenNone ? Infinity : bound,
      proven: provenNone || memoryRefutes(problem),
      kicks: work.kicks,
    };
  const value = maxKvpr(problem, best.assignment);
  return {
    assignment: best.assignment,
    maxKvpr: value,
    lowerBound: bound,
    proven: isProvenBy(value, bound),
    kicks: work.kicks,
  };
}

/** The better of two placements: one that fits memory, then the lower worst pressure (a first on ties). */
function better(a: PlacementState | null, b: PlacementState): PlacementState {
  if (!a || a.fits() !== b.fits()) return a?.fits() ? a : b;
  return a.maxKvpr() <= b.maxKvpr() ? a : b;
}

/**
 * Re-placement: iterated local search from the current placement (its overfilled GPUs, if
 * any, first emptied enough to fit, when the limit allows the moves that takes) under each move
 * limit of the ladder up to `maxMoves` (at least the repair's moves), keeping the best. The
 * repair and each run do not depend on `maxMoves`, so taking the best over a set that only
 * grows with it makes a larger limit never give a worse answer. Null when no limit is tried.
 */
function searchFromCurrent(
  problem: PrismProblem,
  options: SolveOptions,
  knobs: SearchKnobs,
  deadline: Deadline,
  bound: number,
  work: { kicks: number },
): PlacementState | null {
  const limits = MOVE_LADDER.filter((k) => k <= problem.maxMoves && k <= problem.modelCount);
  const repaired = repairOverfill(problem, problem.current!, deadline);
  // Unrepaired, the search's kicks may still find a placement that fits.
  const usable = repaired !== null && repaired.moved <= problem.maxMoves ? repaired : null;
  let best: PlacementState | null = null;
  for (const limit of limits) {
    const settings = {
      ...knobs,
      movedLimit: usable ? Math.max(limit, usable.moved) : limit,
      rng: new Rng(options.seed + limit),
      deadline,
      kicks: knobs.kicks / 4,
      bound,
      work,
    };
    const start = usable ? usable.assignment : problem.current!;
    best = better(best, iteratedLocalSearch(problem, start, settings));
  }
  return best;
}

/**
 * A problem whose starting points (`fast`, `greedy`; for a re-placement the repaired current
 * placement) and the search from them gave no placement that fits: branch and bound
 * on memory and the move limit alone (at most NODE_BUDGET nodes), the placement it finds improved by
 * local search. `none` when it proved that no placement within the limit exists.
 */
function placeByBranchAndBound(
  problem: PrismProblem,
  settings: Omit<SearchSettings, 'movedLimit'>,
): { state: PlacementState | null; none: boolean } {
  const packed = packOrProve(problem, Infinity, settings.deadline, NODE_BUDGET);
  if (packed.kind !== 'found') return { state: null, none: packed.kind === 'none' };
  const settled = { ...settings, movedLimit: problem.maxMoves };
  return { state: iteratedLocalSearch(problem, packed.assignment, settled), none: false };
}

/**
 * The default solver: `fast` (and the seed's greedy) as starting points, each improved by
 * iterated local search; seeded, and capped by the time limit. With a current placement and
 * a move limit, it searches from the current placement instead (repaired first where it
 * overfills a GPU). When nothing it started from fits, a bounded branch and bound looks for a
 * placement that does.
 */
export function solveSearch(problem: PrismProblem, options: SolveOptions): SolveResult {
  const knobs = { ...DEFAULT_SEARCH_KNOBS, ...options.knobs };
  const deadline = deadlineAfter(options.timeLimitMs);
  const rng = new Rng(options.seed);
  const bound = lowerBound(problem);
  const work = { kicks: 0 };
  let best: PlacementState | null = null;
  if (problem.current) best = searchFromCurrent(problem, options, knobs, deadline, bound, work);
  if (!problem.current || problem.maxMoves >= problem.modelCount) {
    const settings = { ...knobs, movedLimit: Infinity, rng, deadline, bound, work };
    const starts = { fast: solveFast, greedy: solveGreedy };
    for (const name of knobs.starts) {
      if (best?.fits() && isProvenBy(best.maxKvpr(), bound)) break;
      const start = starts[name](problem, deadline).assignment;
      if (start) best = better(best, iteratedLocalSearch(problem, start, settings));
    }
  }
  // Starting points and repair are heuristics: on a tight pool (or a re-placement needing a
  // long chain of moves) what they miss, branch and bound may find.
  if (best?.fits()) return result(problem, best, bound, work);
  const found = placeByBranchAndBound(problem, { ...knobs, rng, deadline, bound, work });
  return result(problem, found.state ?? best, bound, work, found.none);
}
