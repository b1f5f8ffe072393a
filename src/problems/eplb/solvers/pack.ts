/**
 * Steps shared by the `balanced` and `global` policies, for one set of experts placed on one
 * set of GPUs (a node, or the whole cluster): choose replica counts, pack the replicas onto
 * GPUs, then improve the packing by swaps. Buffers are reused across calls.
 */
import { IndexHeap } from '../../../core/index-heap.js';

/** Swaps tried on the heaviest GPU: measured, more of them fit the forecast better and the next window worse. */
const MAX_SWAPS = 3;
/**
 * Weight of a GPU's load from the replica's own expert group when choosing where it goes:
 * spreading each group evenly over GPUs hedges against group-wide surges in the next window
 * (measured on the shared trace: per-GPU 0.632 → 0.641 hierarchical, 0.79 → 0.84 global).
 */
const HEDGE_WEIGHT = 1;
/**
 * Weight of a GPU's exposure to the load trend (trend.ts) when choosing where a replica goes:
 * spreading it hedges against the trend going on or turning back (measured on generated traces
 * with domain shifts: per-GPU +0.005 on average; on the shared trace +0.0006).
 */
const TREND_WEIGHT = 0.1;

/**
 * Replica counts: every expert one, then each extra replica to the expert with the highest
 * load per replica (lowest index on ties), never more replicas than GPUs (two replicas on one
 * GPU help nothing) unless there are more slots than experts × GPUs. load [experts] → counts
 * [experts], for the slots of packing `p` (whose `heaviest` it uses).
 */
export function chooseReplicaCounts(load: Float64Array, p: Packing, counts: Int32Array): void {
  const { negativeShare, heaviest } = p;
  counts.fill(1);
  heaviest.clear();
  for (let e = 0; e < load.length; e++) {
    negativeShare[e] = -load[e]!;
    heaviest.push(e);
  }
  let capped = true;
  for (let extra = p.gpus * p.perGpu - load.length; extra > 0; extra--) {
    if (heaviest.size === 0) {
      // More slots than experts × GPUs: the rest double up on the heaviest experts.
      capped = false;
      for (let e = 0; e < load.length; e++) heaviest.push(e);
    }
    const best = heaviest.top();
    negativeShare[best] = -load[best]! / ++counts[best]!;
    if (capped && counts[best] === p.gpus) heaviest.pop();
    else heaviest.settleTop();
  }
}

/** A packing of replicas onto GPUs: `slotExpert`, `slotShare` [gpus × perGpu], `gpuLoad` [gpus]. */
export interface Packing {
  gpus: number;
  perGpu: number;
  slotExpert: Int32Array;
  slotShare: Float64Array;
  gpuLoad: Float64Array;
  /** Scratch: slots used per GPU, last expert placed per GPU, per-GPU per-group load, trend exposure. */
  used: Int32Array;
  lastExpert: Int32Array;
  groupLoad: Float64Array;
  exposure: Float64Array;
  share: Float64Array;
  /** Experts by load per replica, highest first (negated), lowest index on ties. */
  negativeShare: Float64Array;
  heaviest: IndexHeap;
}

export function createPacking(
  gpus: number,
  perGpu: number,
  experts: number,
  groups: number,
): Packing {
  const negativeShare = new Float64Array(experts);
  return {
    gpus,
    perGpu,
    slotExpert: new Int32Array(gpus * perGpu),
    slotShare: new Float64Array(gpus * perGpu),
    gpuLoad: new Float64Array(gpus),
    used: new Int32Array(gpus),
    lastExpert: new Int32Array(gpus),
    groupLoad: new Float64Array(gpus * groups),
    exposure: new Float64Array(gpus),
    share: new Float64Array(experts),
    negativeShare,
    heaviest: new IndexHeap(negativeShare),
  };
}

/**
 * Pack replicas (expert e has counts[e] replicas of load[e]/counts[e] each), experts by share
 * descending, each replica onto the GPU with a free slot that does not already hold that
 * expert (any free GPU if none) and the lowest load plus load from the same group
 * (`groupOf` [experts], `groups` of them; null: load alone) plus, with a `trend` [experts],
 * the GPU's exposure to it where the replica would add to that exposure. Fills `p`.
 */
export function packReplicas(
  load: Float64Array,
  counts: Int32Array,
  p: Packing,
  order: Int32Array,
  groupOf: Int32Array | null = null,
  groups = 1,
  trend: Float64Array | null = null,
): void {
  const experts = load.length;
  const { share, used, lastExpert, groupLoad, exposure, gpuLoad } = p;
  for (let e = 0; e < experts; e++) {
    order[e] = e;
    share[e] = load[e]! / counts[e]!;
  }
  order.subarray(0, experts).sort((a, b) => share[b]! - share[a]! || a - b);
  used.fill(0);
  lastExpert.fill(-1);
  groupLoad.fill(0);
  exposure.fill(0);
  gpuLoad.fill(0);
  for (let k = 0; k < experts; k++) {
    const e = order[k]!;
    const group = groupOf ? groupOf[e]! : 0;
    const drift = trend ? TREND_WEIGHT * trend[e]! : 0;
    for (let r = 0; r < counts[e]!; r++) {
      let best = -1;
      let bestFresh = false;
      let bestKey = Infinity;
      for (let g = 0; g < p.gpus; g++) {
        if (used[g]! >= p.perGpu) continue;
        const fresh = lastExpert[g] !== e;
        const key =
          gpuLoad[g]! +
          (groupOf ? HEDGE_WEIGHT * groupLoad[g * groups + group]! : 0) +
          drift * exposure[g]!;
        if (best < 0 || (fresh && !bestFresh) || (fresh === bestFresh && key < bestKey)) {
          best = g;
          bestFresh = fresh;
          bestKey = key;
        }
      }
      const slot = best * p.perGpu + used[best]!++;
      p.slotExpert[slot] = e;
      p.slotShare[slot] = share[e]!;
      gpuLoad[best]! += share[e]!;
      groupLoad[best * groups + group]! += share[e]!;
      exposure[best]! += share[e]! * (trend ? trend[e]! : 0);
      lastExpert[best] = e;
    }
  }
}

/**
 * Local improvement: repeatedly swap a replica on the heaviest GPU with one elsewhere when
 * that lowers the larger of the two GPU loads below the heaviest, without putting two
 * replicas of one expert on one GPU. Stops at a local optimum.
 */
export function improveBySwaps(p: Packing, groupOf: Int32Array | null = null): void {
  const { gpus, perGpu, slotExpert, slotShare, gpuLoad } = p;
  for (let pass = 0; pass < MAX_SWAPS; pass++) {
    let top = 0;
    for (let g = 1; g < gpus; g++) if (gpuLoad[g]! > gpuLoad[top]!) top = g;
    const topLoad = gpuLoad[top]!;
    let bestValue = topLoad * (1 - 1e-12);
    let bestA = -1;
    let bestB = -1;
    let bestCross = true;
    for (let a = top * perGpu; a < (top + 1) * perGpu; a++) {
      const ea = slotExpert[a]!;
      for (let g = 0; g < gpus; g++) {
        if (g === top || gpuLoad[g]! >= topLoad) continue;
        for (let b = g * perGpu; b < (g + 1) * perGpu; b++) {
          const eb = slotExpert[b]!;
          const delta = slotShare[a]! - slotShare[b]!;
          if (delta <= 0 || ea === eb) continue;
          const value = Math.max(topLoad - delta, gpuLoad[g]! + delta);
          const cross = groupOf !== null && groupOf[ea] !== groupOf[eb];
          const better =
            bestA < 0 ? value < bestValue : cross === bestCross ? value < bestValue : !cross;
          if (
            value < topLoad * (1 - 1e-12) &&
            better &&
            !holdsElsewhere(p, g, ea, b) &&
            !holdsElsewhere(p, top, eb, a)
          ) {
            bestValue = value;
            bestA = a;
            bestB = b;
            bestCross = cross;
          }
        }
      }
    }
    if (bestA < 0) return;
    const g = Math.floor(bestB / perGpu);
    const delta = slotShare[bestA]! - slotShare[bestB]!;
    gpuLoad[top]! -= delta;
    gpuLoad[g]! += delta;
    const [e, s] = [slotExpert[bestA]!, slotShare[bestA]!];
    slotExpert[bestA] = slotExpert[bestB]!;
    slotShare[bestA] = slotShare[bestB]!;
    slotExpert[bestB] = e;
    slotShare[bestB] = s;
  }
}

/** Does GPU g hold expert e in a slot other than `except`? */
function holdsElsewhere(p: Packing, g: number, e: number, except: number): boolean {
  for (let k = g * p.perGpu; k < (g + 1) * p.perGpu; k++)
    if (k !== except && p.slotExpert[k] === e) return true;
  return false;
}
