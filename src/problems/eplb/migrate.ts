import { improveWithinBudget } from './limited-moves.js';
import type { LoadMatrix, Plan, Shape } from './model.js';
import { assemblePlan, ranksInSlotOrder } from './plan.js';

/**
 * Greedy matching of `count` new units to `count` old units by overlap, largest first (ties
 * by lowest indices): overlap [new × old] → oldOf [new].
 */
function matchByOverlap(overlap: Int32Array, count: number): Int32Array {
  const oldOf = new Int32Array(count).fill(-1);
  const taken = new Uint8Array(count);
  for (let round = 0; round < count; round++) {
    let bestNew = -1;
    let bestOld = -1;
    let best = -1;
    for (let a = 0; a < count; a++) {
      if (oldOf[a] !== -1) continue;
      for (let b = 0; b < count; b++) {
        if (!taken[b] && overlap[a * count + b]! > best) {
          best = overlap[a * count + b]!;
          bestNew = a;
          bestOld = b;
        }
      }
    }
    oldOf[bestNew] = bestOld;
    taken[bestOld] = 1;
  }
  return oldOf;
}

/**
 * Experts two slot ranges share, counted as multisets: ranges [start, start + size);
 * `tally` [experts] is zero on entry and on exit.
 */
function sharedExperts(
  a: Int32Array,
  aStart: number,
  b: Int32Array,
  bStart: number,
  size: number,
  tally: Int32Array,
): number {
  for (let i = 0; i < size; i++) tally[b[bStart + i]!]!++;
  let shared = 0;
  for (let i = 0; i < size; i++) {
    const e = a[aStart + i]!;
    if (tally[e]! > 0) {
      tally[e]!--;
      shared++;
    }
  }
  for (let i = 0; i < size; i++) tally[b[bStart + i]!] = 0;
  return shared;
}

/**
 * Relabel one layer of `next` (slots [replicas]) so that as many slots as possible keep the
 * expert they hold in `prev`, without changing any GPU's or node's set of experts: nodes are
 * matched to old nodes, then GPUs within each node to old GPUs, then each expert that stays on
 * its GPU keeps its old slot. Balance is unchanged; only the copies needed shrink.
 */
function alignLayer(
  next: Int32Array,
  prev: Int32Array,
  nodes: number,
  gpus: number,
  tally: Int32Array,
): Int32Array {
  const replicas = next.length;
  const perNode = replicas / nodes;
  const perGpu = replicas / gpus;
  const gpusPerNode = gpus / nodes;
  const out = new Int32Array(replicas);
  const nodeOverlap = new Int32Array(nodes * nodes);
  for (let a = 0; a < nodes; a++) {
    for (let b = 0; b < nodes; b++)
      nodeOverlap[a * nodes + b] = sharedExperts(
        next,
        a * perNode,
        prev,
        b * perNode,
        perNode,
        tally,
      );
  }
  const nodeTo = matchByOverlap(nodeOverlap, nodes);
  const gpuOverlap = new Int32Array(gpusPerNode * gpusPerNode);
  for (let a = 0; a < nodes; a++) {
    const oldNode = nodeTo[a]!;
    for (let x = 0; x < gpusPerNode; x++) {
      for (let y = 0; y < gpusPerNode; y++) {
        gpuOverlap[x * gpusPerNode + y] = sharedExperts(
          next,
          a * perNode + x * perGpu,
          prev,
          oldNode * perNode + y * perGpu,
          perGpu,
          tally,
        );
      }
    }
    const gpuTo = matchByOverlap(gpuOverlap, gpusPerNode);
    for (let x = 0; x < gpusPerNode; x++) {
      placeOnGpu(
        next,
        a * perNode + x * perGpu,
        prev,
        oldNode * perNode + gpuTo[x]! * perGpu,
        perGpu,
        out,
      );
    }
  }
  return out;
}

/** Write a GPU's experts into the slots [oldStart, +size) of `out`, keeping old positions where possible. */
function placeOnGpu(
  next: Int32Array,
  start: number,
  prev: Int32Array,
  oldStart: number,
  size: number,
  out: Int32Array,
): void {
  const placed = new Uint8Array(size);
  const filled = new Uint8Array(size);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      if (!placed[i] && next[start + i] === prev[oldStart + j]) {
        out[oldStart + j] = next[start + i]!;
        placed[i] = 1;
        filled[j] = 1;
        break;
      }
    }
  }
  for (let i = 0, j = 0; i < size; i++) {
    if (placed[i]) continue;
    while (filled[j]) j++;
    out[oldStart + j] = next[start + i]!;
    filled[j] = 1;
  }
}

/** A limit on the copies a new plan may need, and what the layers over it are improved for. */
export interface MoveLimit {
  /** Per layer, at most this many replicas change expert. */
  maxMoves: number;
  /** The forecast load the plan was made for: [layers × experts]. */
  load: LoadMatrix;
  /** Whether the plans keep node locality, which the changes must then keep. */
  locality: boolean;
}

/**
 * Migration-aware plan: `next` relabelled to keep as many replicas as possible where `prev` has
 * them (same balance). Nodes move as wholes, so every node and every GPU keeps its set of
 * experts (and node locality, where the plan has it). With a `limit`, a layer that would still
 * copy more than `maxMoves` replicas instead keeps the deployed layer, changed by the
 * `maxMoves` (at most) copies that lower its heaviest GPU's forecast load the most.
 * `onLayer` is told how many layers are done (a move-limited layer of a thousand GPUs takes
 * about a second).
 */
export function migrate(
  next: Plan,
  prev: Plan,
  shape: Shape,
  limit?: MoveLimit,
  onLayer: (layersDone: number) => void = () => {},
): Plan {
  const { layers, experts, replicas } = next;
  const phy2log = new Int32Array(layers * replicas);
  const tally = new Int32Array(experts);
  for (let l = 0; l < layers; l++) {
    const prevRow = prev.phy2log.subarray(l * replicas, (l + 1) * replicas);
    const aligned = alignLayer(
      next.phy2log.subarray(l * replicas, (l + 1) * replicas),
      prevRow,
      shape.nodes,
      shape.gpus,
      tally,
    );
    let moved = 0;
    for (let s = 0; s < replicas; s++) if (aligned[s] !== prevRow[s]) moved++;
    const row =
      limit && moved > limit.maxMoves
        ? improveWithinBudget(
            prevRow,
            limit.load.data.subarray(l * experts, (l + 1) * experts),
            shape.gpus,
            shape.nodes,
            limit.locality,
            limit.maxMoves,
          )
        : aligned;
    phy2log.set(row, l * replicas);
    onLayer(l + 1);
  }
  const { phyRank, logcnt } = ranksInSlotOrder(layers, experts, replicas, phy2log);
  return assemblePlan(layers, experts, replicas, phy2log, phyRank, logcnt);
}
