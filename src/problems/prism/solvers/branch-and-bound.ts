import type { PrismProblem } from '../model.js';
import {
  effectiveSizes,
  fitsUnderTarget,
  sortedDescending,
  type PackingOutcome,
} from './packing.js';
import type { Deadline } from './deadline.js';

/** Above this many GPUs, only empty GPUs of equal memory are treated as interchangeable. */
const FULL_SYMMETRY_GPUS = 64;

/**
 * Depth-first branch and bound for the decision "can every GPU stay at pressure ≤ target?"
 * (bin packing of effective sizes). Models go in decreasing effective size; each branch tries
 * the GPUs it fits, tightest first; interchangeable GPUs are tried once; a branch is cut when
 * the remaining effective size exceeds the room that can still hold any remaining model, or
 * when it would move more models than allowed.
 */
export function packOrProve(
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
  // Per depth: the GPUs to try, tightest first (made when the depth is first reached), how
  // many, and the next to try.
  const candidates: Int32Array[] = [];
  const candidateCount = new Int32Array(n);
  const nextCandidate = new Int32Array(n);
  const rooms = new Float64Array(gpus);
  const current = problem.current;
  const fullSymmetry = !current && gpus <= FULL_SYMMETRY_GPUS;
  let moved = 0;
  let nodes = 0;

  const room = (g: number): number => problem.memGb[g]! - usedGb[g]! - load[g]! * invTarget;
  const interchangeable = (g: number, h: number): boolean =>
    problem.memGb[g] === problem.memGb[h] &&
    (fullSymmetry
      ? usedGb[g] === usedGb[h] && load[g] === load[h]
      : !current && count[g] === 0 && count[h] === 0);
  const movesTo = (i: number, g: number): number => (current && current[i] !== g ? 1 : 0);

  /**
   * Reach depth d (the d-th model in order): false when the remaining models cannot fit the
   * room left (a cut); else its candidate GPUs, distinct up to interchangeability, tightest
   * first.
   */
  const open = (d: number): boolean => {
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
    const tried = (candidates[d] ??= new Int32Array(gpus));
    let triedCount = 0;
    for (let g = 0; g < gpus; g++) {
      if (!fitsUnderTarget(problem.memGb[g]!, usedGb[g]!, load[g]!, size, modelLoad, target))
        continue;
      if (moved + movesTo(i, g) > problem.maxMoves) continue;
      let duplicate = false;
      for (let t = 0; t < triedCount && !duplicate; t++) duplicate = interchangeable(g, tried[t]!);
      if (!duplicate) tried[triedCount++] = g;
    }
    tried.subarray(0, triedCount).sort((a, b) => rooms[a]! - rooms[b]! || a - b);
    candidateCount[d] = triedCount;
    nextCandidate[d] = 0;
    return true;
  };
  /** Put (sign 1) or take back (−1) the d-th model on GPU g. */
  const shift = (d: number, g: number, sign: number): void => {
    const i = order[d]!;
    usedGb[g]! += sign * problem.sizeGb[i]!;
    load[g]! += sign * problem.load[i]!;
    count[g]! += sign;
    moved += sign * movesTo(i, g);
    assignment[i] = g;
  };

  const overBudget = (): boolean => ++nodes > nodeBudget || deadline.expired();

  // Depth first with the stack kept in the arrays above (a recursion as deep as the models are
  // many overflows at a few thousand): `live` says depth d was reached and not cut; a depth cut
  // or out of candidates takes back the model of the depth before and tries its next GPU.
  if (n === 0) return { kind: 'found', assignment };
  if (overBudget()) return { kind: 'unresolved' };
  let d = 0;
  let live = open(0);
  for (;;) {
    if (live && nextCandidate[d]! < candidateCount[d]!) {
      shift(d, candidates[d]![nextCandidate[d]!++]!, 1);
      if (++d === n) return { kind: 'found', assignment };
      if (overBudget()) return { kind: 'unresolved' };
      live = open(d);
      continue;
    }
    if (--d < 0) return { kind: 'none' };
    shift(d, assignment[order[d]!]!, -1);
    live = true;
  }
}
