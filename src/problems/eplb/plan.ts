import type { Plan } from './model.js';

/**
 * Build a plan from phy2log and the replica rank of every slot: log2phy [layers][experts]
 * [maxReplicas] lists each expert's slots by rank, padded with −1.
 */
export function assemblePlan(
  layers: number,
  experts: number,
  replicas: number,
  phy2log: Int32Array,
  phyRank: Int32Array,
  logcnt: Int32Array,
): Plan {
  let maxReplicas = 0;
  for (const c of logcnt) if (c > maxReplicas) maxReplicas = c;
  const log2phy = new Int32Array(layers * experts * maxReplicas).fill(-1);
  for (let l = 0; l < layers; l++) {
    for (let s = 0; s < replicas; s++) {
      const e = phy2log[l * replicas + s]!;
      log2phy[(l * experts + e) * maxReplicas + phyRank[l * replicas + s]!] = s;
    }
  }
  return { layers, experts, replicas, maxReplicas, phy2log, log2phy, logcnt };
}

/** Replica rank of every slot from phy2log alone, ranks given in slot order: [layers][replicas]. */
export function ranksInSlotOrder(
  layers: number,
  experts: number,
  replicas: number,
  phy2log: Int32Array,
): {
  phyRank: Int32Array;
  logcnt: Int32Array;
} {
  const phyRank = new Int32Array(layers * replicas);
  const logcnt = new Int32Array(layers * experts);
  for (let l = 0; l < layers; l++) {
    for (let s = 0; s < replicas; s++) {
      const e = phy2log[l * replicas + s]!;
      phyRank[l * replicas + s] = logcnt[l * experts + e]!++;
    }
  }
  return { phyRank, logcnt };
}
