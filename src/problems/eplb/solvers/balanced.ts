import type { LoadMatrix, Plan, Shape } from '../model.js';
import { assemblePlan, ranksInSlotOrder } from '../plan.js';
import { loadTrend, recentShift } from './trend.js';
import {
  chooseReplicaCounts,
  createPacking,
  improveBySwaps,
  packReplicas,
  type Packing,
} from './pack.js';

/** Reused buffers for placing one node's experts. */
interface NodeBuffers {
  packing: Packing;
  /** Logical id, load, expert group and load trend of each expert on the node: [expertsPerNode]. */
  members: Int32Array;
  load: Float64Array;
  groupOf: Int32Array;
  trend: Float64Array;
  counts: Int32Array;
  order: Int32Array;
}

/**
 * Place one layer's experts of a node on its GPUs: replica counts, a packing that gives each
 * GPU an even share of every expert group's load (a group-wide surge then lands on all GPUs
 * alike) and of the load `trend` (b.trend, or null for none), swaps on the heaviest GPU; then
 * write logical ids into `phy2log` from `firstSlot`.
 */
function placeOnNode(
  b: NodeBuffers,
  groups: number,
  trend: Float64Array | null,
  phy2log: Int32Array,
  firstSlot: number,
): void {
  const { packing } = b;
  chooseReplicaCounts(b.load, packing, b.counts);
  packReplicas(b.load, b.counts, packing, b.order, b.groupOf, groups, trend);
  improveBySwaps(packing, b.groupOf);
  for (let s = 0; s < packing.slotExpert.length; s++)
    phy2log[firstSlot + s] = b.members[packing.slotExpert[s]!]!;
}

/**
 * Assign one layer's expert groups to nodes, `groups / nodes` each, balancing node load:
 * heaviest group first onto the lightest node, then swaps. groupLoad [groups] → the groups of
 * each node, [nodes × groupsPerNode].
 */
export function groupsToNodes(groupLoad: Float64Array, nodes: number): Int32Array {
  const packing = createPacking(nodes, groupLoad.length / nodes, groupLoad.length, 1);
  const ones = new Int32Array(groupLoad.length).fill(1);
  packReplicas(groupLoad, ones, packing, new Int32Array(groupLoad.length));
  improveBySwaps(packing);
  return packing.slotExpert;
}

/**
 * The `balanced` policy. Hierarchical (when groups divide into nodes): groups to nodes by
 * balanced node load; then within each node, replica counts (never more than the node's GPUs),
 * a packing of replicas onto GPUs (no two replicas of an expert on one GPU, each GPU an even
 * share of each group and of the load trend of the recorded `history`, when given: the way
 * loads moved between its windows and are moving at its end), improved
 * by swaps on the heaviest GPU. When groups do not divide into nodes, the same over one node.
 */
export function rebalanceBalanced(
  load: LoadMatrix,
  shape: Shape,
  history: readonly LoadMatrix[] = [],
): Plan {
  return rebalance(load, shape, history, true);
}

/** The `global` policy: `balanced` without node locality (groups still hedge the packing). */
export function rebalanceGlobal(
  load: LoadMatrix,
  shape: Shape,
  history: readonly LoadMatrix[] = [],
): Plan {
  return rebalance(load, shape, history, false);
}

function rebalance(
  load: LoadMatrix,
  shape: Shape,
  history: readonly LoadMatrix[],
  locality: boolean,
): Plan {
  const { layers, experts } = load;
  const hierarchical = locality && shape.groups % shape.nodes === 0;
  const nodes = hierarchical ? shape.nodes : 1;
  const groupSize = experts / shape.groups;
  const groupsPerNode = hierarchical ? shape.groups / nodes : shape.groups;
  const expertsPerNode = experts / nodes;
  const slotsPerNode = shape.replicas / nodes;
  const gpusPerNode = shape.gpus / nodes;
  const phy2log = new Int32Array(layers * shape.replicas);
  const buffers: NodeBuffers = {
    packing: createPacking(gpusPerNode, slotsPerNode / gpusPerNode, expertsPerNode, groupsPerNode),
    members: new Int32Array(expertsPerNode),
    load: new Float64Array(expertsPerNode),
    groupOf: new Int32Array(expertsPerNode),
    trend: new Float64Array(expertsPerNode),
    counts: new Int32Array(expertsPerNode),
    order: new Int32Array(Math.max(experts, shape.groups)),
  };
  const groupLoad = new Float64Array(shape.groups);
  const shift = history.length > 0 ? recentShift(history) : null;
  const allGroups = Int32Array.from({ length: shape.groups }, (_, g) => g);
  for (let l = 0; l < layers; l++) {
    const row = load.data.subarray(l * experts, (l + 1) * experts);
    groupLoad.fill(0);
    for (let e = 0; e < experts; e++) groupLoad[Math.floor(e / groupSize)]! += row[e]!;
    const nodeGroups = hierarchical ? groupsToNodes(groupLoad, nodes) : allGroups;
    const trend = loadTrend(history, l, shape.groups, row, shift);
    for (let n = 0; n < nodes; n++) {
      for (let k = 0; k < groupsPerNode; k++) {
        const g = nodeGroups[n * groupsPerNode + k]!;
        for (let j = 0; j < groupSize; j++) {
          buffers.members[k * groupSize + j] = g * groupSize + j;
          buffers.load[k * groupSize + j] = row[g * groupSize + j]!;
          buffers.groupOf[k * groupSize + j] = k;
          buffers.trend[k * groupSize + j] = trend ? trend[g * groupSize + j]! : 0;
        }
      }
      const firstSlot = l * shape.replicas + n * slotsPerNode;
      placeOnNode(buffers, groupsPerNode, trend && buffers.trend, phy2log, firstSlot);
    }
  }
  const { phyRank, logcnt } = ranksInSlotOrder(layers, experts, shape.replicas, phy2log);
  return assemblePlan(layers, experts, shape.replicas, phy2log, phyRank, logcnt);
}
