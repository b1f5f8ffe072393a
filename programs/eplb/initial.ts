/**
 * MoE expert-parallel load balancing: give every physical slot one logical expert (each expert
 * at least one replica) so that, when the next window's tokens are split evenly over an
 * expert's replicas, the busiest GPU carries as little as possible. Slot s lives on GPU
 * floor(s / (replicas / gpus)). The evaluator calls `rebalance` with one window of recorded
 * load per call and scores the plan on the window after it.
 */

// EVOLVE-BLOCK-START
/**
 * Balanced packing of n weighted items into `packs` packs of n / packs items: heaviest first,
 * each onto the lightest pack that still has room. weights [n] → pack and rank of each item.
 */
function balancedPacking(weights: number[], packs: number): { pack: number[]; rank: number[] } {
  const perPack = weights.length / packs;
  const order = weights.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]!);
  const packWeight = new Array<number>(packs).fill(0);
  const packItems = new Array<number>(packs).fill(0);
  const pack = new Array<number>(weights.length).fill(0);
  const rank = new Array<number>(weights.length).fill(0);
  for (const i of order) {
    let best = -1;
    for (let p = 0; p < packs; p++)
      if (packItems[p]! < perPack && (best < 0 || packWeight[p]! < packWeight[best]!)) best = p;
    pack[i] = best;
    rank[i] = packItems[best]!;
    packWeight[best]! += weights[i]!;
    packItems[best]!++;
  }
  return { pack, rank };
}

/**
 * Replicate experts onto `slots` slots: one each, then every extra slot to the expert with the
 * highest load per replica. weights [n] → expert of each slot [slots] and replica counts [n].
 */
function replicateExperts(
  weights: number[],
  slots: number,
): { slotExpert: number[]; count: number[] } {
  const slotExpert = weights.map((_, i) => i);
  const count = new Array<number>(weights.length).fill(1);
  for (let s = weights.length; s < slots; s++) {
    let best = 0;
    for (let e = 1; e < weights.length; e++)
      if (weights[e]! / count[e]! > weights[best]! / count[best]!) best = e;
    slotExpert.push(best);
    count[best]!++;
  }
  return { slotExpert, count };
}

/**
 * DeepSeek's hierarchical EPLB for one layer: expert groups to nodes by balanced packing,
 * replication within each node, then replicas to the node's GPUs by balanced packing.
 * load [experts] → phy2log [replicas].
 */
function rebalanceLayer(
  load: number[],
  replicas: number,
  groups: number,
  nodes: number,
  gpus: number,
): number[] {
  const experts = load.length;
  const groupSize = experts / groups;
  const groupLoad = new Array<number>(groups).fill(0);
  for (let e = 0; e < experts; e++) groupLoad[Math.floor(e / groupSize)]! += load[e]!;
  const groupsToNodes = balancedPacking(groupLoad, nodes);
  const groupsPerNode = groups / nodes;
  const slotsPerNode = replicas / nodes;
  const gpusPerNode = gpus / nodes;
  const slotsPerGpu = replicas / gpus;
  const phy2log = new Array<number>(replicas).fill(0);
  for (let node = 0; node < nodes; node++) {
    const members: number[] = [];
    for (let rank = 0; rank < groupsPerNode; rank++) {
      const g = groupsToNodes.pack.findIndex(
        (p, i) => p === node && groupsToNodes.rank[i] === rank,
      );
      for (let k = 0; k < groupSize; k++) members.push(g * groupSize + k);
    }
    const { slotExpert, count } = replicateExperts(
      members.map((e) => load[e]!),
      slotsPerNode,
    );
    const perReplica = slotExpert.map((m) => load[members[m]!]! / count[m]!);
    const { pack, rank } = balancedPacking(perReplica, gpusPerNode);
    slotExpert.forEach((m, s) => {
      phy2log[node * slotsPerNode + pack[s]! * slotsPerGpu + rank[s]!] = members[m]!;
    });
  }
  return phy2log;
}

/**
 * Plan every layer. When groups do not divide into nodes, treat the cluster as one node with
 * one group (DeepSeek's global policy). load [layers][experts] → phy2log [layers][replicas].
 */
export function rebalance(
  load: number[][],
  replicas: number,
  groups: number,
  nodes: number,
  gpus: number,
): number[][] {
  const hierarchical = groups % nodes === 0;
  return load.map((row) =>
    hierarchical
      ? rebalanceLayer(row, replicas, groups, nodes, gpus)
      : rebalanceLayer(row, replicas, 1, 1, gpus),
  );
}
// EVOLVE-BLOCK-END
