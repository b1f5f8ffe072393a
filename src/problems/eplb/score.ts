import { largestOf } from '../../core/extremes.js';
import type { LoadMatrix, Plan } from './model.js';

/** Balancedness of each way of grouping slots: Σ_layers mean / Σ_layers max. */
export interface Balancedness {
  perSlot: number;
  perGpu: number;
  perNode: number;
}

/**
 * Replay a window of load through a plan: each replica takes load / replicas of its expert.
 * Balancedness per unit (slot, GPU, node) = Σ_layers mean unit load / Σ_layers max unit load;
 * 1 is perfect. A window with no load at all is perfectly balanced.
 */
export function balancedness(
  plan: Plan,
  load: LoadMatrix,
  gpus: number,
  nodes: number,
): Balancedness {
  const { layers, experts, replicas } = plan;
  const slotsPerGpu = replicas / gpus;
  const slotsPerNode = replicas / nodes;
  const sums = { slotMean: 0, slotMax: 0, gpuMean: 0, gpuMax: 0, nodeMean: 0, nodeMax: 0 };
  const gpuLoad = new Float64Array(gpus);
  const nodeLoad = new Float64Array(nodes);
  for (let l = 0; l < layers; l++) {
    gpuLoad.fill(0);
    nodeLoad.fill(0);
    let total = 0;
    let slotMax = 0;
    for (let s = 0; s < replicas; s++) {
      const e = plan.phy2log[l * replicas + s]!;
      const share = load.data[l * experts + e]! / plan.logcnt[l * experts + e]!;
      total += share;
      if (share > slotMax) slotMax = share;
      gpuLoad[Math.floor(s / slotsPerGpu)]! += share;
      nodeLoad[Math.floor(s / slotsPerNode)]! += share;
    }
    sums.slotMean += total / replicas;
    sums.slotMax += slotMax;
    sums.gpuMean += total / gpus;
    sums.gpuMax += largestOf(gpuLoad, 0);
    sums.nodeMean += total / nodes;
    sums.nodeMax += largestOf(nodeLoad, 0);
  }
  const ratio = (mean: number, max: number): number => (max > 0 ? mean / max : 1);
  return {
    perSlot: ratio(sums.slotMean, sums.slotMax),
    perGpu: ratio(sums.gpuMean, sums.gpuMax),
    perNode: ratio(sums.nodeMean, sums.nodeMax),
  };
}

/**
 * Each GPU's load in each layer when `load` is replayed through `plan`, over the layer's mean
 * GPU load (1: at the mean; a layer without load is all 0): [layers][gpus].
 */
export function relativeGpuLoads(plan: Plan, load: LoadMatrix, gpus: number): Float64Array[] {
  const { layers, experts, replicas } = plan;
  const slotsPerGpu = replicas / gpus;
  return Array.from({ length: layers }, (_, l) => {
    const gpuLoad = new Float64Array(gpus);
    let total = 0;
    for (let s = 0; s < replicas; s++) {
      const e = plan.phy2log[l * replicas + s]!;
      const share = load.data[l * experts + e]! / plan.logcnt[l * experts + e]!;
      gpuLoad[Math.floor(s / slotsPerGpu)]! += share;
      total += share;
    }
    return total > 0 ? gpuLoad.map((v) => (v * gpus) / total) : gpuLoad;
  });
}

/**
 * Replicas that move between two plans of the same shape, per layer: slots whose expert
 * changed (each such slot needs that expert's weights copied in). Shape [layers].
 */
export function movedReplicas(before: Plan, after: Plan): Int32Array {
  const moved = new Int32Array(after.layers);
  for (let l = 0; l < after.layers; l++) {
    for (let s = 0; s < after.replicas; s++) {
      const i = l * after.replicas + s;
      if (before.phy2log[i] !== after.phy2log[i]) moved[l]!++;
    }
  }
  return moved;
}
