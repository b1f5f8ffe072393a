import type { PrismProblem } from '../model.js';
import { overfills } from '../validate.js';
import type { Deadline } from './deadline.js';

/** A prover's answer to "can every GPU stay at pressure ≤ target?". */
export type PackingOutcome =
  | { kind: 'found'; assignment: Int32Array }
  | { kind: 'none' }
  /** The prover's budget or the time limit ran out first. */
  | { kind: 'unresolved' };

/** Relative slack on the pressure test: sums of floats must not reject an exact fit. */
const FIT_TOLERANCE = 1e-12;

/**
 * Can a GPU with `usedGb` and `load` take a model (`sizeGb`, `modelLoad`) and stay at pressure
 * ≤ `target`? That is: memory fits (as the validator counts it), and load ≤ target · free memory
 * after the move; at an infinite target, memory alone (a full GPU's pressure is infinite).
 */
export function fitsUnderTarget(
  memGb: number,
  usedGb: number,
  load: number,
  sizeGb: number,
  modelLoad: number,
  target: number,
): boolean {
  if (overfills(usedGb + sizeGb, memGb)) return false;
  const free = memGb - usedGb - sizeGb;
  const totalLoad = load + modelLoad;
  if (totalLoad === 0 || target === Infinity) return true;
  return totalLoad <= target * Math.max(free, 0) * (1 + FIT_TOLERANCE);
}

/**
 * Effective size of each model at a target pressure t: sizeGb + load / t, so that "pressure ≤ t
 * on every GPU" becomes "effective sizes fit memGb" (bin packing). Shape [modelCount].
 */
export function effectiveSizes(problem: PrismProblem, target: number): Float64Array {
  const out = new Float64Array(problem.modelCount);
  for (let i = 0; i < problem.modelCount; i++) {
    out[i] = problem.sizeGb[i]! + (target === Infinity ? 0 : problem.load[i]! / target);
  }
  return out;
}

/** Model indices sorted by a key, descending, ties by index: shape [modelCount]. */
export function sortedDescending(key: Float64Array): Int32Array {
  const order = Int32Array.from({ length: key.length }, (_, i) => i);
  return order.sort((a, b) => key[b]! - key[a]! || a - b);
}

/**
 * Best-fit packing at a target pressure: models in `order`, each onto the GPU it fits under
 * the target with the least effective room left. `found` with the GPU index per model, `none`
 * when a model fits nowhere, `unresolved` when the time limit came first (a pass looks at every
 * GPU for every model: seconds at a million model-GPU pairs times a thousand).
 */
export function bestFitPack(
  problem: PrismProblem,
  target: number,
  order: Int32Array,
  deadline: Deadline,
): PackingOutcome {
  const usedGb = new Float64Array(problem.gpuCount);
  const load = new Float64Array(problem.gpuCount);
  const assignment = new Int32Array(problem.modelCount);
  const invTarget = target === Infinity ? 0 : 1 / target;
  for (const i of order) {
    if (deadline.expired()) return { kind: 'unresolved' };
    const size = problem.sizeGb[i]!;
    const modelLoad = problem.load[i]!;
    let best = -1;
    let bestRoom = Infinity;
    for (let g = 0; g < problem.gpuCount; g++) {
      const mem = problem.memGb[g]!;
      if (!fitsUnderTarget(mem, usedGb[g]!, load[g]!, size, modelLoad, target)) continue;
      const room = mem - usedGb[g]! - size - (load[g]! + modelLoad) * invTarget;
      if (room < bestRoom) {
        bestRoom = room;
        best = g;
      }
    }
    if (best < 0) return { kind: 'none' };
    assignment[i] = best;
    usedGb[best]! += size;
    load[best]! += modelLoad;
  }
  return { kind: 'found', assignment };
}
