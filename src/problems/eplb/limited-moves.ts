/**
 * The best a layer of a deployed plan can do with a few expert-weight copies: starting from the
 * deployed layer, greedy slot changes that lower its heaviest GPU's forecast load the most per
 * copy, until the budget is spent or no change helps. Three kinds of change, each keeping every
 * expert ≥ 1 replica, every GPU's slot count, node locality (when asked) and never putting two
 * replicas of one expert on one GPU:
 * - a slot of the heaviest GPU given to another expert (1 copy; the slot's expert keeps ≥ 1);
 * - a replica added, on another GPU, for an expert of the heaviest GPU, in place of a slot of an
 *   expert that keeps ≥ 1 (1 copy);
 * - a slot of the heaviest GPU swapped with a slot of another GPU (2 copies, counts unchanged).
 */

/** One layer being changed: its slots, replica counts, GPU loads and copies so far. */
interface Layer {
  /** Expert of each slot: [replicas], changed in place. */
  slots: Int32Array;
  /** The deployed layer, which copies are counted against: [replicas]. */
  deployed: Int32Array;
  /** Forecast load of each expert: [experts]. */
  load: Float64Array;
  /** Replicas of each expert: [experts]. */
  count: Int32Array;
  /** Forecast load of each GPU: [gpus]. */
  gpuLoad: Float64Array;
  /**
   * Scratch for a candidate's GPU loads: [gpus], valid where `touchedIn` holds the candidate's
   * stamp; the GPUs it touched are `touched[0 .. touchedCount)`.
   */
  trial: Float64Array;
  touchedIn: Int32Array;
  stamp: number;
  touched: Int32Array;
  touchedCount: number;
  /** GPUs by forecast load, heaviest first, for this step: [gpus]. */
  byLoad: Int32Array;
  /** Slots of each expert, expert e's at [slotStart[e], slotStart[e + 1]): [replicas]. */
  slotsOfExpert: Int32Array;
  slotStart: Int32Array;
  slotsPerGpu: number;
  /** GPUs that may exchange replicas: a node's with locality, else all. */
  scopeGpus: number;
  copies: number;
}

/** A candidate change: up to two slots, each given a new expert. */
interface Change {
  slotA: number;
  expertA: number;
  slotB: number;
  expertB: number;
}

const NO_SLOT = -1;
const MAX_STEPS_PER_SLOT = 4;

/**
 * Improve one deployed layer with at most `budget` slot changes. deployed [replicas] and load
 * [experts] → the new layer [replicas] (the deployed one when nothing helps); `gpus` and `nodes`
 * as in the plan's shape; with `locality`, replicas move only within a node.
 */
export function improveWithinBudget(
  deployed: Int32Array,
  load: Float64Array,
  gpus: number,
  nodes: number,
  locality: boolean,
  budget: number,
): Int32Array {
  const layer = layerOf(deployed, load, gpus, locality ? gpus / nodes : gpus);
  // Each change lowers the heaviest GPU, so none repeats; the cap only bounds the time that
  // changes of vanishing gain (reverts cost no copy) could take.
  for (let step = 0; step < MAX_STEPS_PER_SLOT * deployed.length; step++) {
    const change = bestChange(layer, budget);
    if (!change) break;
    apply(layer, change);
  }
  return layer.slots;
}

/** The starting state: the deployed layer's counts and GPU loads. */
function layerOf(deployed: Int32Array, load: Float64Array, gpus: number, scopeGpus: number): Layer {
  const count = new Int32Array(load.length);
  for (const e of deployed) count[e]!++;
  const layer: Layer = {
    slots: Int32Array.from(deployed),
    deployed,
    load,
    count,
    gpuLoad: new Float64Array(gpus),
    trial: new Float64Array(gpus),
    touchedIn: new Int32Array(gpus),
    stamp: 0,
    touched: new Int32Array(gpus),
    touchedCount: 0,
    byLoad: new Int32Array(gpus),
    slotsOfExpert: new Int32Array(deployed.length),
    slotStart: new Int32Array(load.length + 1),
    slotsPerGpu: deployed.length / gpus,
    scopeGpus,
    copies: 0,
  };
  refresh(layer);
  return layer;
}

/** gpuLoad [gpus] and the slots of each expert, from slots and counts. */
function refresh(layer: Layer): void {
  const { slots, load, count, gpuLoad, slotsPerGpu, slotsOfExpert, slotStart } = layer;
  gpuLoad.fill(0);
  for (let s = 0; s < slots.length; s++)
    gpuLoad[Math.floor(s / slotsPerGpu)]! += load[slots[s]!]! / count[slots[s]!]!;
  slotStart[0] = 0;
  for (let e = 0; e < count.length; e++) slotStart[e + 1] = slotStart[e]! + count[e]!;
  const next = slotStart.slice(0, count.length);
  for (let s = 0; s < slots.length; s++) slotsOfExpert[next[slots[s]!]!++] = s;
}

function heaviestGpu(gpuLoad: Float64Array): number {
  let best = 0;
  for (let g = 1; g < gpuLoad.length; g++) if (gpuLoad[g]! > gpuLoad[best]!) best = g;
  return best;
}

function holds(layer: Layer, gpu: number, expert: number): boolean {
  const first = gpu * layer.slotsPerGpu;
  for (let s = first; s < first + layer.slotsPerGpu; s++)
    if (layer.slots[s] === expert) return true;
  return false;
}

/**
 * The change that lowers the layer's heaviest GPU load the most per copy, within `budget`
 * copies in all (counted against the deployed layer), or null when none lowers it.
 */
function bestChange(layer: Layer, budget: number): Change | null {
  const { slots, count, gpuLoad, slotsPerGpu, scopeGpus, byLoad } = layer;
  const heaviest = heaviestGpu(gpuLoad);
  for (let g = 0; g < byLoad.length; g++) byLoad[g] = g;
  byLoad.sort((a, b) => gpuLoad[b]! - gpuLoad[a]!);
  const currentMax = gpuLoad[heaviest]!;
  const scopeStart = Math.floor(heaviest / scopeGpus) * scopeGpus;
  const inScope = new Uint8Array(count.length);
  for (let s = scopeStart * slotsPerGpu; s < (scopeStart + scopeGpus) * slotsPerGpu; s++)
    inScope[slots[s]!] = 1;
  // The heaviest GPU's experts, looked up for every candidate: with thousands of slots a GPU,
  // scanning its slots each time made a layer take minutes.
  const first = heaviest * slotsPerGpu;
  const onHeaviest = new Uint8Array(count.length);
  for (let s = first; s < first + slotsPerGpu; s++) onHeaviest[slots[s]!] = 1;
  let best: Change | null = null;
  let bestGain = currentMax * 1e-12;
  const consider = (change: Change): void => {
    const copies = copiesAfter(layer, change);
    if (copies > budget) return;
    const gain = (currentMax - maxAfter(layer, change)) / Math.max(1, copies - layer.copies);
    if (gain > bestGain) {
      best = change;
      bestGain = gain;
    }
  };
  for (let s = first; s < first + slotsPerGpu; s++) {
    const a = slots[s]!;
    if (count[a]! >= 2)
      for (let b = 0; b < count.length; b++)
        if (b !== a && inScope[b] && !onHeaviest[b])
          consider({ slotA: s, expertA: b, slotB: NO_SLOT, expertB: -1 });
    for (let h = scopeStart; h < scopeStart + scopeGpus; h++) {
      if (h === heaviest || holds(layer, h, a)) continue;
      for (let t = h * slotsPerGpu; t < (h + 1) * slotsPerGpu; t++) {
        const c = slots[t]!;
        if (c !== a && count[c]! >= 2)
          consider({ slotA: t, expertA: a, slotB: NO_SLOT, expertB: -1 });
        if (c !== a && !onHeaviest[c]) consider({ slotA: s, expertA: c, slotB: t, expertB: a });
      }
    }
  }
  return best;
}

/** Copies the layer would need after `change`: slots differing from the deployed layer. */
function copiesAfter(layer: Layer, change: Change): number {
  const { slots, deployed } = layer;
  let copies = layer.copies;
  for (const [slot, expert] of [
    [change.slotA, change.expertA],
    [change.slotB, change.expertB],
  ] as const) {
    if (slot === NO_SLOT) continue;
    copies += Number(expert !== deployed[slot]) - Number(slots[slot] !== deployed[slot]);
  }
  return copies;
}

/**
 * The layer's heaviest GPU load after `change`: a slot's new expert adds its per-replica load
 * there, and a count that changes re-weighs every replica of that expert. Only the GPUs the
 * change touches are recomputed (on the scratch loads); the rest keep their load, of which the
 * heaviest comes from `byLoad`: at a thousand GPUs, copying and scanning every GPU's load for
 * each of the ~10⁵ candidates of a step took a minute a layer.
 */
function maxAfter(layer: Layer, change: Change): number {
  const { slots, load, count, trial, touched, touchedIn, gpuLoad, byLoad, slotsPerGpu } = layer;
  layer.stamp++;
  layer.touchedCount = 0;
  const perReplica = (expert: number, replicas: number): number => load[expert]! / replicas;
  if (change.slotB === NO_SLOT) {
    // One slot changes expert: the old one has a replica fewer, the new one a replica more.
    const old = slots[change.slotA]!;
    const expert = change.expertA;
    reweigh(layer, old, count[old]! - 1);
    reweigh(layer, expert, count[expert]! + 1);
    addToGpu(
      layer,
      Math.floor(change.slotA / slotsPerGpu),
      perReplica(expert, count[expert]! + 1) - perReplica(old, count[old]! - 1),
    );
  } else {
    // A swap: counts stay, two GPUs trade a replica each.
    const x = slots[change.slotA]!;
    const y = slots[change.slotB]!;
    const shift = perReplica(y, count[y]!) - perReplica(x, count[x]!);
    addToGpu(layer, Math.floor(change.slotA / slotsPerGpu), shift);
    addToGpu(layer, Math.floor(change.slotB / slotsPerGpu), -shift);
  }
  let max = 0;
  for (let i = 0; i < layer.touchedCount; i++) max = Math.max(max, trial[touched[i]!]!);
  for (const g of byLoad) if (touchedIn[g] !== layer.stamp) return Math.max(max, gpuLoad[g]!);
  return max;
}

/** Add `delta` to GPU g's scratch load, starting from its load when the candidate first touches it. */
function addToGpu(layer: Layer, g: number, delta: number): void {
  if (layer.touchedIn[g] !== layer.stamp) {
    layer.touchedIn[g] = layer.stamp;
    layer.trial[g] = layer.gpuLoad[g]!;
    layer.touched[layer.touchedCount++] = g;
  }
  layer.trial[g]! += delta;
}

/** Re-weigh in the scratch loads the replicas `expert` has now for a new count of them. */
function reweigh(layer: Layer, expert: number, newCount: number): void {
  const { load, count, slotsPerGpu, slotsOfExpert, slotStart } = layer;
  const delta = load[expert]! / newCount - load[expert]! / count[expert]!;
  for (let i = slotStart[expert]!; i < slotStart[expert + 1]!; i++)
    addToGpu(layer, Math.floor(slotsOfExpert[i]! / slotsPerGpu), delta);
}

function apply(layer: Layer, change: Change): void {
  layer.copies = copiesAfter(layer, change);
  for (const [slot, expert] of [
    [change.slotA, change.expertA],
    [change.slotB, change.expertB],
  ] as const) {
    if (slot === NO_SLOT) continue;
    layer.count[layer.slots[slot]!]!--;
    layer.count[expert]!++;
    layer.slots[slot] = expert;
  }
  refresh(layer);
}
