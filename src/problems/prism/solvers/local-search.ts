import type { Rng } from '../../../core/rng.js';
import type { PrismProblem } from '../model.js';
import { kvpr } from '../score.js';
import type { Deadline } from './deadline.js';

/** A change must lower the worst pressure it touches by this much, relatively, to count. */
const IMPROVEMENT = 1e-12;
const MEMORY_SLACK = 1e-9;

/** Neighbourhood steps the descent tries on the worst GPU; models moved are a, b, c. */
const enum StepKind {
  None,
  /** a moves to GPU `to`. */
  Move,
  /** a (worst GPU) and b (GPU `to`) trade places. */
  Swap,
  /** a goes to GPU `to`; b and c come to the worst GPU. */
  Swap12,
  /** a and b go to GPU `to`; c comes to the worst GPU. */
  Swap21,
}

/** The best step found so far; reused, so the scan allocates nothing. */
interface Step {
  kind: StepKind;
  value: number;
  to: number;
  a: number;
  b: number;
  c: number;
}

/**
 * A placement being improved in place: GPU per model plus per-GPU load, used memory and
 * member lists, kept consistent by `relocate`. `movedLimit` caps how many models may differ
 * from `current` (re-placement).
 */
export class PlacementState {
  readonly assignment: Int32Array;
  readonly load: Float64Array;
  readonly usedGb: Float64Array;
  readonly members: number[][];
  moved = 0;

  constructor(
    readonly problem: PrismProblem,
    start: Int32Array,
    readonly movedLimit: number,
  ) {
    this.assignment = Int32Array.from(start);
    this.load = new Float64Array(problem.gpuCount);
    this.usedGb = new Float64Array(problem.gpuCount);
    this.members = Array.from({ length: problem.gpuCount }, () => []);
    for (let i = 0; i < problem.modelCount; i++) {
      const g = start[i]!;
      this.load[g]! += problem.load[i]!;
      this.usedGb[g]! += problem.sizeGb[i]!;
      this.members[g]!.push(i);
      if (problem.current && problem.current[i] !== g) this.moved++;
    }
  }

  /** Do GPU g's models need more memory than it has? */
  overfilled(g: number): boolean {
    return this.problem.memGb[g]! - this.usedGb[g]! < -MEMORY_SLACK;
  }

  /** KVPR of GPU g; Infinity when it is overfilled, loaded or not (no placement at all). */
  pressure(g: number): number {
    return this.overfilled(g)
      ? Infinity
      : kvpr(this.load[g]!, this.problem.memGb[g]! - this.usedGb[g]!);
  }

  /** Does every GPU hold its models' memory? */
  fits(): boolean {
    for (let g = 0; g < this.problem.gpuCount; g++) if (this.overfilled(g)) return false;
    return true;
  }

  /** Pressure of GPU g after its load and memory change by the given deltas. */
  pressureAfter(g: number, loadDelta: number, sizeDelta: number): number {
    const free = this.problem.memGb[g]! - this.usedGb[g]! - sizeDelta;
    if (free < -MEMORY_SLACK) return NaN;
    return kvpr(this.load[g]! + loadDelta, Math.max(free, 0));
  }

  /** The worst GPU (lowest index on ties) and its pressure. */
  worst(): { gpu: number; pressure: number } {
    let gpu = 0;
    let pressure = -1;
    for (let g = 0; g < this.problem.gpuCount; g++) {
      const p = this.pressure(g);
      if (p > pressure) {
        pressure = p;
        gpu = g;
      }
    }
    return { gpu, pressure };
  }

  maxKvpr(): number {
    return this.worst().pressure;
  }

  /** Change in the moved count if `model` went to GPU `to`. */
  movedDelta(model: number, to: number): number {
    const current = this.problem.current;
    if (!current) return 0;
    return (current[model] !== to ? 1 : 0) - (current[model] !== this.assignment[model] ? 1 : 0);
  }

  relocate(model: number, to: number): void {
    const from = this.assignment[model]!;
    if (from === to) return;
    this.moved += this.movedDelta(model, to);
    const size = this.problem.sizeGb[model]!;
    const load = this.problem.load[model]!;
    this.load[from]! -= load;
    this.usedGb[from]! -= size;
    this.load[to]! += load;
    this.usedGb[to]! += size;
    const list = this.members[from]!;
    const at = list.indexOf(model);
    list[at] = list[list.length - 1]!;
    list.pop();
    this.members[to]!.push(model);
    this.assignment[model] = to;
  }

  copyFrom(other: PlacementState): void {
    this.assignment.set(other.assignment);
    this.load.set(other.load);
    this.usedGb.set(other.usedGb);
    for (let g = 0; g < this.members.length; g++) this.members[g] = other.members[g]!.slice();
    this.moved = other.moved;
  }

  clone(): PlacementState {
    return new PlacementState(this.problem, this.assignment, this.movedLimit);
  }
}

/**
 * Best step that lowers the worst GPU's pressure without raising any other GPU to it: moves,
 * 1–1 swaps, 1–2 and 2–1 swaps between the worst GPU and each other GPU. `step.kind` is None
 * at a local optimum. Lowering the worst value while the partner stays below it improves the
 * sorted pressure vector lexicographically, so repeated steps always terminate.
 */
function findBestStep(
  state: PlacementState,
  worstGpu: number,
  worstPressure: number,
  step: Step,
  deadline: Deadline,
): void {
  const { problem } = state;
  const w = problem.load;
  const s = problem.sizeGb;
  const inWorst = state.members[worstGpu]!;
  step.kind = StepKind.None;
  step.value = worstPressure < Infinity ? worstPressure * (1 - IMPROVEMENT) : Number.MAX_VALUE;
  const consider = (
    kind: StepKind,
    h: number,
    dl: number,
    ds: number,
    a: number,
    b: number,
    c: number,
  ): void => {
    const pb = state.pressureAfter(worstGpu, dl, ds);
    const ph = state.pressureAfter(h, -dl, -ds);
    if (Number.isNaN(pb) || Number.isNaN(ph)) return;
    const value = pb > ph ? pb : ph;
    if (value < step.value) {
      step.kind = kind;
      step.value = value;
      step.to = h;
      step.a = a;
      step.b = b;
      step.c = c;
    }
  };
  const budgetOk = (delta: number): boolean => state.moved + delta <= state.movedLimit;
  for (let h = 0; h < problem.gpuCount; h++) {
    if (h === worstGpu) continue;
    const inOther = state.members[h]!;
    for (let x = 0; x < inWorst.length; x++) {
      // One scan can be long (a worst GPU of many models, thousands of GPUs): the time limit
      // ends it with the best step found so far.
      if (deadline.expired()) return;
      const i = inWorst[x]!;
      const di = state.movedDelta(i, h);
      if (budgetOk(di)) consider(StepKind.Move, h, -w[i]!, -s[i]!, i, -1, -1);
      for (let y = 0; y < inOther.length; y++) {
        const j = inOther[y]!;
        const dj = di + state.movedDelta(j, worstGpu);
        if (budgetOk(dj)) consider(StepKind.Swap, h, w[j]! - w[i]!, s[j]! - s[i]!, i, j, -1);
        for (let z = y + 1; z < inOther.length; z++) {
          const k = inOther[z]!;
          if (!budgetOk(dj + state.movedDelta(k, worstGpu))) continue;
          consider(StepKind.Swap12, h, w[j]! + w[k]! - w[i]!, s[j]! + s[k]! - s[i]!, i, j, k);
        }
      }
      // A 2–1 swap needs a model on h to come back.
      for (let x2 = x + 1; x2 < inWorst.length && inOther.length > 0; x2++) {
        const i2 = inWorst[x2]!;
        const d2 = di + state.movedDelta(i2, h);
        for (let y = 0; y < inOther.length; y++) {
          const j = inOther[y]!;
          if (!budgetOk(d2 + state.movedDelta(j, worstGpu))) continue;
          consider(StepKind.Swap21, h, w[j]! - w[i]! - w[i2]!, s[j]! - s[i]! - s[i2]!, i, i2, j);
        }
      }
    }
  }
}

function applyStep(state: PlacementState, step: Step, worstGpu: number): void {
  state.relocate(step.a, step.to);
  if (step.kind === StepKind.Swap || step.kind === StepKind.Swap12)
    state.relocate(step.b, worstGpu);
  if (step.kind === StepKind.Swap12) state.relocate(step.c, worstGpu);
  if (step.kind === StepKind.Swap21) {
    state.relocate(step.b, step.to);
    state.relocate(step.c, worstGpu);
  }
}

/**
 * Which models leave an overfilled GPU: `fewest` takes the smallest whose leaving is enough,
 * else the largest, until what stays fits (few moves); `smallest` takes them smallest first
 * (small models are easy to place). Neither takes a model no other GPU could ever hold.
 */
type Eviction = 'fewest' | 'smallest';
const EVICTIONS: readonly Eviction[] = ['fewest', 'smallest'];

/**
 * The placement `start` with the GPUs it overfills (a current placement can) emptied until
 * each fits: the models chosen to leave (see Eviction), largest first, each to the GPU it fills
 * most tightly (best fit keeps large holes for large models), or where the fewest models moved
 * away make room; of the ways to choose them, the one that moves fewest. No move limit applies,
 * so the repair is the same whatever the limit (the caller compares its moves with the limit).
 * `start` itself when it fits; null when neither way repairs it (or the time limit came
 * first). Descent cannot do this: a step that leaves a GPU still overfilled does not count.
 */
export function repairOverfill(
  problem: PrismProblem,
  start: Int32Array,
  deadline: Deadline,
): PlacementState | null {
  const state = new PlacementState(problem, start, Infinity);
  if (state.fits()) return state;
  let best: PlacementState | null = null;
  for (const eviction of EVICTIONS) {
    const trial = state.clone();
    const leaving = modelsToEvict(trial, eviction).sort(
      (a, b) => problem.sizeGb[b]! - problem.sizeGb[a]! || a - b,
    );
    const placed = leaving.every((model) => placeElsewhere(trial, model, deadline));
    if (placed && trial.fits() && (!best || trial.moved < best.moved)) best = trial;
  }
  return best;
}

/** Move `model` to its tightest taker, or where room can be made, unless time is up. */
function placeElsewhere(state: PlacementState, model: number, deadline: Deadline): boolean {
  if (deadline.expired()) return false;
  const to = tightestTaker(state, model) ?? makeRoom(state, model, deadline);
  if (to === null) return false;
  state.relocate(model, to);
  return true;
}

/** The models to move off each overfilled GPU, chosen by `eviction`. [model indices] */
function modelsToEvict(state: PlacementState, eviction: Eviction): number[] {
  const { sizeGb, memGb, gpuCount } = state.problem;
  const { largest, others } = largestMemories(memGb);
  const evicted: number[] = [];
  for (let g = 0; g < gpuCount; g++) {
    const excess = state.usedGb[g]! - memGb[g]! - MEMORY_SLACK;
    if (excess <= 0) continue;
    const otherMem = memGb[g]! < largest ? largest : others;
    const movable = state.members[g]!.filter((i) => sizeGb[i]! <= otherMem + MEMORY_SLACK);
    movable.sort((a, b) => sizeGb[a]! - sizeGb[b]! || a - b);
    // A loop, not push(...): a GPU may hold more models than a call has arguments.
    for (const i of (eviction === 'smallest' ? smallestFirst : fewest)(movable, sizeGb, excess))
      evicted.push(i);
  }
  return evicted;
}

/** From models by size ascending, the smallest first until they make up `excess` GB. */
function smallestFirst(bySize: number[], sizeGb: Float64Array, excess: number): number[] {
  let freed = 0;
  let k = 0;
  while (k < bySize.length && freed < excess) freed += sizeGb[bySize[k++]!]!;
  return bySize.slice(0, k);
}

/**
 * From models by size ascending, few that make up `excess` GB: the largest while none alone is
 * enough, then the smallest that is.
 */
function fewest(bySize: number[], sizeGb: Float64Array, excess: number): number[] {
  const taken: number[] = [];
  let end = bySize.length;
  let left = excess;
  while (end > 0 && sizeGb[bySize[end - 1]!]! < left) {
    taken.push(bySize[--end]!);
    left -= sizeGb[bySize[end]!]!;
  }
  if (end > 0) {
    // The first model of at least `left` GB among those left (sizes ascending).
    let lo = 0;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizeGb[bySize[mid]!]! >= left) hi = mid;
      else lo = mid + 1;
    }
    taken.push(bySize[lo]!);
  }
  return taken;
}

/**
 * The largest GPU memory, and the largest that a GPU of that memory can find elsewhere (the same
 * when two GPUs have it, else the second largest; 0 with one GPU).
 */
function largestMemories(memGb: Float64Array): { largest: number; others: number } {
  let largest = 0;
  let second = 0;
  for (const mem of memGb) {
    if (mem > largest) [largest, second] = [mem, largest];
    else if (mem > second) second = mem;
  }
  return { largest, others: second };
}

/**
 * Make room for `model` where no GPU has it: on the GPU that needs the fewest of its models
 * moved elsewhere (largest first, each to its tightest taker), move them. The GPU now taking
 * `model`, or null when none can be cleared so.
 */
function makeRoom(state: PlacementState, model: number, deadline: Deadline): number | null {
  const { sizeGb, memGb } = state.problem;
  let best: { gpu: number; plan: [number, number][] } | null = null;
  for (let h = 0; h < state.problem.gpuCount && !deadline.expired(); h++) {
    // Trying a GPU copies the placement: not for one that could not hold the model if empty.
    if (h === state.assignment[model] || memGb[h]! + MEMORY_SLACK < sizeGb[model]!) continue;
    let needed = sizeGb[model]! - (memGb[h]! - state.usedGb[h]!) - MEMORY_SLACK;
    const plan: [number, number][] = [];
    const trial = state.clone();
    const byLargest = [...trial.members[h]!].sort((a, b) => sizeGb[b]! - sizeGb[a]! || a - b);
    for (const other of byLargest) {
      if (needed <= 0 || (best && plan.length + 1 >= best.plan.length)) break;
      const to = tightestTaker(trial, other, h, model);
      if (to === null) continue;
      trial.relocate(other, to);
      plan.push([other, to]);
      needed -= sizeGb[other]!;
    }
    if (needed <= 0 && (!best || plan.length < best.plan.length)) best = { gpu: h, plan };
  }
  if (!best) return null;
  for (const [other, to] of best.plan) state.relocate(other, to);
  return best.gpu;
}

/**
 * The GPU with room for `model` that it leaves the least memory free on, other than its own and
 * `clearing` (a GPU being cleared for another model); counting as gone from its GPU the model
 * `leaving` (the one that GPU is cleared for: −1, none). Null when none has room.
 */
function tightestTaker(
  state: PlacementState,
  model: number,
  clearing = -1,
  leaving = -1,
): number | null {
  const { sizeGb, memGb } = state.problem;
  const leavingFrom = leaving >= 0 ? state.assignment[leaving] : -1;
  let best: number | null = null;
  let bestFree = Infinity;
  for (let h = 0; h < state.problem.gpuCount; h++) {
    if (h === state.assignment[model] || h === clearing) continue;
    const left = h === leavingFrom ? sizeGb[leaving]! : 0;
    const free = memGb[h]! - state.usedGb[h]! + left - sizeGb[model]!;
    if (free >= -MEMORY_SLACK && free < bestFree) {
      best = h;
      bestFree = free;
    }
  }
  return best;
}

/** Steepest descent on the worst GPU until no step improves it, or the time limit. */
export function descend(state: PlacementState, deadline: Deadline): void {
  const maxSteps = 50 * (state.problem.modelCount + 10);
  const step: Step = { kind: StepKind.None, value: 0, to: 0, a: -1, b: -1, c: -1 };
  for (let taken = 0; taken < maxSteps && !deadline.expired(); taken++) {
    const { gpu, pressure } = state.worst();
    if (pressure === 0) return;
    findBestStep(state, gpu, pressure, step, deadline);
    if (step.kind === StepKind.None) return;
    applyStep(state, step, gpu);
  }
}

/**
 * Random kick: `strength` moves or swaps that keep memory and the move limit, half of them
 * taken from the worst GPU, to leave a local optimum's basin.
 */
export function perturb(state: PlacementState, rng: Rng, strength: number): void {
  const { problem } = state;
  if (problem.gpuCount < 2 || problem.modelCount === 0) return;
  for (let done = 0, tries = 0; done < strength && tries < 20 * strength; tries++) {
    const i =
      rng.float() < 0.5
        ? pickFrom(state.members[state.worst().gpu]!, rng)
        : rng.int(0, problem.modelCount - 1);
    if (i < 0) continue;
    const from = state.assignment[i]!;
    const h = rng.int(0, problem.gpuCount - 1);
    if (h === from) continue;
    if (rng.float() < 0.5) {
      if (!budgetAllows(state, state.movedDelta(i, h))) continue;
      if (Number.isNaN(state.pressureAfter(h, problem.load[i]!, problem.sizeGb[i]!))) continue;
      state.relocate(i, h);
    } else {
      const j = pickFrom(state.members[h]!, rng);
      if (j < 0) continue;
      const ds = problem.sizeGb[i]! - problem.sizeGb[j]!;
      if (!budgetAllows(state, state.movedDelta(i, h) + state.movedDelta(j, from))) continue;
      if (
        Number.isNaN(state.pressureAfter(h, 0, ds)) ||
        Number.isNaN(state.pressureAfter(from, 0, -ds))
      )
        continue;
      state.relocate(i, h);
      state.relocate(j, from);
    }
    done++;
  }
}

function budgetAllows(state: PlacementState, delta: number): boolean {
  return state.moved + delta <= state.movedLimit;
}

function pickFrom(list: readonly number[], rng: Rng): number {
  return list.length ? list[rng.int(0, list.length - 1)]! : -1;
}
