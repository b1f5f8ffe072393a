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
