import type { LoadMatrix, Plan, Shape } from '../model.js';
import { stdSort } from '../../../core/introsort.js';
import { assemblePlan } from '../plan.js';
import { IndexHeap } from '../../../core/index-heap.js';

/**
 * A faithful port of DeepSeek's EPLB (`eplb.py`), in typed arrays. Loads are float32 and sums
 * are rounded to float32 after every addition, as the PyTorch reference computes them, and
 * sorting orders equal loads as libstdc++'s std::sort (which PyTorch's CPU sort calls), so
 * that ties and near-ties fall the same way.
 */

/**
 * Balanced packing: per row, items heaviest first (ties as std::sort leaves them), each into the
 * lightest pack that still has room for `items / packs` items (lowest index on ties).
 * weight [rows][items] → packIndex, rankInPack [rows][items].
 */
export function balancedPacking(
  weight: Float32Array,
  rows: number,
  items: number,
  packs: number,
  packIndex: Int32Array,
  rankInPack: Int32Array,
): void {
  const perPack = items / packs;
  if (perPack === 1) {
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < items; i++) {
        packIndex[r * items + i] = i;
        rankInPack[r * items + i] = 0;
      }
    }
    return;
  }
  const order = new Int32Array(items);
  const packWeight = new Float32Array(packs);
  const packCount = new Int32Array(packs);
  // Packs with room, lightest first, lowest index on ties; a full pack leaves.
  const open = new IndexHeap(packWeight);
  for (let r = 0; r < rows; r++) {
    const base = r * items;
    for (let i = 0; i < items; i++) order[i] = i;
    stdSort(order, (a, b) => weight[base + a]! > weight[base + b]!);
    packWeight.fill(0);
    packCount.fill(0);
    open.clear();
    for (let p = 0; p < packs; p++) open.push(p);
    for (const item of order) {
      const pack = open.top();
      packIndex[base + item] = pack;
      rankInPack[base + item] = packCount[pack]!;
      packWeight[pack] = Math.fround(packWeight[pack]! + weight[base + item]!);
      if (++packCount[pack]! === perPack) open.pop();
      else open.settleTop();
    }
  }
}

/**
 * Replication: per row, each of the `physical - logical` extra replicas goes to the expert with
 * the highest load per replica (lowest index on ties).
 * weight [rows][logical] → phy2log, phyRank [rows][physical]; logCount [rows][logical].
 */
export function replicateExperts(
  weight: Float32Array,
  rows: number,
  logical: number,
  physical: number,
  phy2log: Int32Array,
  phyRank: Int32Array,
  logCount: Int32Array,
): void {
  // Experts by load per replica, highest first (negated), lowest index on ties.
  const negativeLoad = new Float32Array(logical);
  const heaviest = new IndexHeap(negativeLoad);
  for (let r = 0; r < rows; r++) {
    const w = r * logical;
    const p = r * physical;
    heaviest.clear();
    for (let e = 0; e < logical; e++) {
      phy2log[p + e] = e;
      phyRank[p + e] = 0;
      logCount[w + e] = 1;
      negativeLoad[e] = -weight[w + e]!;
      heaviest.push(e);
    }
    for (let slot = logical; slot < physical; slot++) {
      const best = heaviest.top();
      phy2log[p + slot] = best;
      phyRank[p + slot] = logCount[w + best]!;
      logCount[w + best]!++;
      negativeLoad[best] = -Math.fround(weight[w + best]! / logCount[w + best]!);
      heaviest.settleTop();
    }
  }
}

/** Inverse of each row's permutation: perm, inverse [rows][size]. */
function invertRows(perm: Int32Array, rows: number, size: number, inverse: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < size; i++) inverse[r * size + perm[r * size + i]!] = i;
  }
}

/**
 * Hierarchical policy: (1) pack expert groups onto nodes, balancing group load; (2) replicate
 * experts within each node; (3) pack each node's replicas onto its GPUs.
 * Returns phy2log, phyRank [layers][replicas] and logCount [layers][experts].
 */
function rebalanceHierarchical(
  load: LoadMatrix,
  replicas: number,
  groups: number,
  nodes: number,
  gpus: number,
): { phy2log: Int32Array; phyRank: Int32Array; logCount: Int32Array } {
  const { layers, experts } = load;
  const weight = Float32Array.from(load.data);
  const groupSize = experts / groups;
  const groupsPerNode = groups / nodes;
  const expertsPerNode = experts / nodes;
  const replicasPerNode = replicas / nodes;
  const gpusPerNode = gpus / nodes;
  const slotsPerGpu = replicas / gpus;

  // Step 1: groups to nodes. tokensPerGroup [layers][groups].
  const tokensPerGroup = new Float32Array(layers * groups);
  for (let l = 0; l < layers; l++) {
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      for (let k = 0; k < groupSize; k++)
        sum = Math.fround(sum + weight[l * experts + g * groupSize + k]!);
      tokensPerGroup[l * groups + g] = sum;
    }
  }
  const groupPack = new Int32Array(layers * groups);
  const groupRank = new Int32Array(layers * groups);
  balancedPacking(tokensPerGroup, layers, groups, nodes, groupPack, groupRank);
  // log2mlog [layers][experts]: position of each expert in node-major ("mlog") order.
  const log2mlog = new Int32Array(layers * experts);
  for (let l = 0; l < layers; l++) {
    for (let e = 0; e < experts; e++) {
      const g = Math.floor(e / groupSize);
      const slotGroup = groupPack[l * groups + g]! * groupsPerNode + groupRank[l * groups + g]!;
      log2mlog[l * experts + e] = slotGroup * groupSize + (e % groupSize);
    }
  }
  const mlog2log = new Int32Array(layers * experts);
  invertRows(log2mlog, layers, experts, mlog2log);

  // Step 2: replicas within nodes. Rows are (layer, node): [layers * nodes][expertsPerNode].
  const rows = layers * nodes;
  const tokensPerMlog = new Float32Array(layers * experts);
  for (let l = 0; l < layers; l++) {
    for (let m = 0; m < experts; m++)
      tokensPerMlog[l * experts + m] = weight[l * experts + mlog2log[l * experts + m]!]!;
  }
  const phy2mlog = new Int32Array(rows * replicasPerNode);
  const phyRank = new Int32Array(rows * replicasPerNode);
  const mlogCount = new Int32Array(rows * expertsPerNode);
  replicateExperts(
    tokensPerMlog,
    rows,
    expertsPerNode,
    replicasPerNode,
    phy2mlog,
    phyRank,
    mlogCount,
  );

  // Step 3: replicas to GPUs within each node. tokensPerPhy [rows][replicasPerNode].
  const tokensPerPhy = new Float32Array(rows * replicasPerNode);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < replicasPerNode; p++) {
      const m = phy2mlog[r * replicasPerNode + p]!;
      tokensPerPhy[r * replicasPerNode + p] = Math.fround(
        tokensPerMlog[r * expertsPerNode + m]! / mlogCount[r * expertsPerNode + m]!,
      );
    }
  }
  const gpuPack = new Int32Array(rows * replicasPerNode);
  const gpuRank = new Int32Array(rows * replicasPerNode);
  balancedPacking(tokensPerPhy, rows, replicasPerNode, gpusPerNode, gpuPack, gpuRank);
  const phy2pphy = new Int32Array(rows * replicasPerNode);
  for (let i = 0; i < phy2pphy.length; i++) phy2pphy[i] = gpuPack[i]! * slotsPerGpu + gpuRank[i]!;
  const pphy2phy = new Int32Array(rows * replicasPerNode);
  invertRows(phy2pphy, rows, replicasPerNode, pphy2phy);

  // Back to logical experts, layer by layer: [layers][replicas] and [layers][experts].
  const phy2log = new Int32Array(layers * replicas);
  const outRank = new Int32Array(layers * replicas);
  for (let r = 0; r < rows; r++) {
    const l = Math.floor(r / nodes);
    const node = r % nodes;
    for (let q = 0; q < replicasPerNode; q++) {
      const p = pphy2phy[r * replicasPerNode + q]!;
      const mlog = phy2mlog[r * replicasPerNode + p]! + node * expertsPerNode;
      const slot = l * replicas + node * replicasPerNode + q;
      phy2log[slot] = mlog2log[l * experts + mlog]!;
      outRank[slot] = phyRank[r * replicasPerNode + p]!;
    }
  }
  const logCount = new Int32Array(layers * experts);
  for (let l = 0; l < layers; l++) {
    for (let e = 0; e < experts; e++)
      logCount[l * experts + e] = mlogCount[l * experts + log2mlog[l * experts + e]!]!;
  }
  return { phy2log, phyRank: outRank, logCount };
}

/**
 * DeepSeek's `rebalance_experts`: the hierarchical policy when expert groups divide evenly
 * into nodes, else the global one (one group, one node).
 */
export function rebalanceDeepSeek(load: LoadMatrix, shape: Shape): Plan {
  const hierarchical = shape.groups % shape.nodes === 0;
  const { phy2log, phyRank, logCount } = hierarchical
    ? rebalanceHierarchical(load, shape.replicas, shape.groups, shape.nodes, shape.gpus)
    : rebalanceHierarchical(load, shape.replicas, 1, 1, shape.gpus);
  return assemblePlan(load.layers, load.experts, shape.replicas, phy2log, phyRank, logCount);
}
