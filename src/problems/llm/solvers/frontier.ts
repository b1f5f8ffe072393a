import type { LlmProblem, Placement } from '../model.js';
import { ROOFLINE_MODEL } from '../perf/roofline.js';
import type { BatchPerf, PerfModel } from '../perf/types.js';
import { TP_DEGREES, usdPerMillionTokens, withinBudgets } from '../score.js';
import { slowestLink, typeLinks } from '../links.js';
import { byStageCount, type Joining, TypeCovers } from './covers.js';
import { byTypeCounts, StageCounts } from './orders.js';
import { Staircase } from './staircase.js';

/** A stage option: `layers` layers on a TP group of `tp` GPUs of type `type`, at `tokensPerSec`. */
export interface StageOption {
  type: number;
  tp: number;
  layers: number;
  tokensPerSec: number;
}

/** Slowest link inside any aligned TP group of this type and degree (GB/s). */
function tpBandwidth(problem: LlmProblem, type: number, tp: number): number {
  const t = problem.types[type]!;
  let worst = Infinity;
  for (let g = 0; (g + 1) * tp <= t.count; g++) {
    const group = Array.from({ length: tp }, (_, i) => t.firstId + g * tp + i);
    worst = Math.min(worst, slowestLink(problem, group));
  }
  return worst;
}

/** Every stage option the constraints allow, rated by `perf` at one batch size. */
export function stageOptions(
  problem: LlmProblem,
  perf: BatchPerf,
  allowed: number[] | null,
): StageOption[] {
  const c = problem.config;
  const options: StageOption[] = [];
  problem.types.forEach((t, type) => {
    for (const tp of TP_DEGREES) {
      if (tp > t.count) continue;
      const [min, max] = perf.layerRange(type, tp);
      const bw = tpBandwidth(problem, type, tp);
      for (let layers = Math.max(min, c.min_layers_per_stage); layers <= max; layers++) {
        if (allowed && !allowed.includes(layers)) continue;
        options.push({
          type,
          tp,
          layers,
          tokensPerSec: perf.stageTokensPerSec(type, tp, layers, bw),
        });
      }
    }
  });
  return options;
}

/**
 * The most stages a placement can have: max_pipeline_stages, but no more than the pool has GPUs
 * or the model has stages of min_layers_per_stage layers (a stage takes at least that many of
 * each). The tables are [stages + 1][layers + 1]: sized by max_pipeline_stages alone, a deep
 * model on a few GPUs took seconds and gigabytes for stage counts no placement reaches.
 */
export function stageLimit(problem: LlmProblem): number {
  const c = problem.config;
  return Math.max(
    1,
    Math.min(
      c.max_pipeline_stages,
      problem.gpuCount,
      Math.floor(c.num_decoder_layers / c.min_layers_per_stage),
    ),
  );
}

/**
 * The least-cost covers at one threshold: how many of each type's fastest options are usable
 * (`usable`), and the least $/h per cell once types 0 … t have joined (`cost[t]`, rows as the
 * `Joining` numbers them; the last type's table has only its full covers, l = N, filled).
 */
interface CoverTables {
  usable: number[];
  cost: Float64Array[];
  /** The least $/h of a full cover by stage count (Infinity: none), s = 0 … max, and its row. */
  full: Float64Array;
  fullRows: Int32Array;
}

/** A least-$/h table of types 0 … t, and those of types 0 … t + 1 by the next type's usable count. */
interface PrefixNode {
  cost: Float64Array;
  next: Map<number, PrefixNode>;
}

/**
 * The least-cost covers of every layer at each threshold i (only options at least as fast as
 * thresholds[i], the suffix of the sorted options from first[i]): tables built once per
 * threshold, the types' prefixes shared between thresholds that agree on them.
 */
class ThresholdCovers {
  private readonly n: number;
  private readonly maxStages: number;
  private readonly ofType: number[][];
  private readonly covers: TypeCovers[];
  private readonly root: PrefixNode;
  private readonly solved = new Map<number, CoverTables>();

  constructor(
    problem: LlmProblem,
    private readonly options: readonly StageOption[],
    private readonly first: readonly number[],
    private readonly joining: Joining,
  ) {
    this.n = problem.config.num_decoder_layers;
    this.maxStages = stageLimit(problem);
    this.ofType = problem.types.map(() => []);
    options.forEach((o, k) => this.ofType[o.type]!.push(k));
    this.covers = problem.types.map(
      (t, type) =>
        new TypeCovers(
          {
            count: t.count,
            usdPerHour: t.usdPerHour,
            layers: this.ofType[type]!.map((k) => options[k]!.layers),
            tp: this.ofType[type]!.map((k) => options[k]!.tp),
          },
          this.maxStages,
          this.n,
        ),
    );
    this.root = { cost: joining.empty, next: new Map() };
  }

  private tables(i: number): CoverTables {
    let hit = this.solved.get(i);
    if (!hit) {
      const usable = this.ofType.map((ks) => ks.length - lowerBound(ks, this.first[i]!));
      const cost: Float64Array[] = [];
      let node = this.root;
      this.covers.forEach((covers, type) => {
        const u = usable[type]!;
        let child = node.next.get(u);
        if (!child) {
          const last = type === this.covers.length - 1;
          child = { cost: this.joining.add(node.cost, covers, u, type, last), next: new Map() };
          node.next.set(u, child);
        }
        cost.push(child.cost);
        node = child;
      });
      const full = this.joining.full(cost.at(-1));
      hit = { usable, cost, full: full.cost, fullRows: full.rows };
      this.solved.set(i, hit);
    }
    return hit;
  }

  /** The least $/h of a full cover at threshold i by stage count (Infinity: none), s = 0 … max. */
  fullCosts(i: number): Float64Array {
    return this.tables(i).full;
  }

  /** The thresholds solved so far, ascending. */
  solvedThresholds(): number[] {
    return [...this.solved.keys()].sort((a, b) => a - b);
  }

  /** The options of the least-cost cover at threshold i with `stages` stages of every layer. */
  reconstruct(i: number, stages: number): StageOption[] {
    const tables = this.tables(i);
    const picks: StageOption[] = [];
    let [row, l] = [tables.fullRows[stages]!, this.n];
    for (let type = tables.cost.length - 1; type >= 0; type--) {
      const previous = type > 0 ? tables.cost[type - 1]! : this.root.cost;
      const usable = tables.usable[type]!;
      const covers = this.covers[type]!;
      let s2: number, l2: number;
      [row, s2, l2] = this.joining.share(previous, covers, usable, type, row, l);
      l -= l2;
      while (s2 > 0) {
        const o = this.options[this.ofType[type]![covers.lastPick(usable, s2, l2)]!]!;
        picks.push(o);
        s2--;
        l2 -= o.layers;
      }
    }
    return this.joining.order(tables.fullRows[stages]!, picks.reverse());
  }
}

/**
 * What the threshold sweep tells and asks the frontier: each threshold it records (with its
 * least costs by stage count), and whether the covers strictly between two solved thresholds
 * are provably dominated, so that it need not solve the thresholds between them.
 */
interface SweepHooks {
  recorded(i: number, costs: Float64Array): void;
  dominated(lo: number, hi: number, costLo: Float64Array, costHi: Float64Array): boolean;
  /** How many of the `total` gaps between consecutive thresholds are settled so far. */
  settled?: (gaps: number, total: number) => void;
}

/**
 * The thresholds whose least-cost covers become frontier candidates, in order, each once. Least
 * cost only grows with the threshold, so bisection finds every change of `fullCosts` and takes
 * the faster end of each run of equal costs (and its slower end where the costs change there);
 * a run whose covers `hooks` proves dominated is not bisected further.
 */
function sweepThresholds(
  count: number,
  fullCosts: (i: number) => Float64Array,
  hooks: SweepHooks,
): number[] {
  const recorded = new Set<number>();
  const record = (i: number, costs: Float64Array): void => {
    if (recorded.has(i)) return;
    recorded.add(i);
    hooks.recorded(i, costs);
  };
  const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, k) => v === b[k]);
  let settled = 0;
  const sweep = (lo: number, hi: number, costLo: Float64Array, costHi: Float64Array): void => {
    if (same(costLo, costHi) || hi - lo <= 1 || hooks.dominated(lo, hi, costLo, costHi)) {
      record(hi, costHi);
      if (!same(costLo, costHi)) record(lo, costLo);
      settled += hi - lo;
      hooks.settled?.(settled, count - 1);
      return;
    }
    const mid = (lo + hi) >> 1;
    const costMid = fullCosts(mid);
    sweep(lo, mid, costLo, costMid);
    sweep(mid, hi, costMid, costHi);
  };
  if (count) sweep(0, count - 1, fullCosts(0), fullCosts(count - 1));
  return [...recorded];
}

/** Costs that differ by less than this (relative) may be one cost summed in another order. */
const COST_ROUNDING = 1e-9;

/**
 * Sweep hooks that prove runs of thresholds dominated by the points already recorded. A cover
 * found at threshold i with s stages is reachable at its least cost and at least as fast as
 * `endToEnd(thresholds[i], s)` (its slowest stage is no slower than the threshold). Strictly
 * between solved thresholds lo < hi, a cover with s stages costs at least costLo[s] and, where
 * it costs less than costHi[s], has a stage slower than thresholds[hi] (else hi would find it);
 * where costLo[s] = costHi[s], the run finds no new cost for s. So when, for every s whose cost
 * rises in the run, a recorded point within budgets costs less than costLo[s] and runs at least
 * at `endToEnd(thresholds[hi], s)`, every cover in the run is dominated by a frontier point.
 */
function dominanceHooks(
  problem: LlmProblem,
  rated: BatchPerf,
  thresholds: readonly number[],
  maxStages: number,
): SweepHooks {
  const reachable = new Staircase();
  return {
    recorded(i, costs) {
      for (let s = 1; s <= maxStages; s++) {
        const cost = costs[s]!;
        const throughput = rated.endToEndTokensPerSec(thresholds[i]!, s);
        const budgeted = {
          usdPerHour: cost * (1 + COST_ROUNDING),
          throughputTokensPerSec: throughput,
        };
        if (cost < Infinity && withinBudgets(problem, budgeted)) reachable.add(cost, throughput);
      }
    },
    dominated(lo, hi, costLo, costHi) {
      for (let s = 1; s <= maxStages; s++) {
        if (!(costLo[s]! < costHi[s]!)) continue;
        const cheaper = reachable.fastestBelow(costLo[s]! * (1 - 2 * COST_ROUNDING));
        if (cheaper < rated.endToEndTokensPerSec(thresholds[hi]!, s)) return false;
      }
      return true;
    },
  };
}

/** Sweep hooks that prove nothing: every threshold where a cost changes is solved. */
const NO_PRUNING: SweepHooks = { recorded: () => {}, dominated: () => false };

/**
 * Give each stage concrete GPUs (aligned blocks, largest first; stages that repeat an option get
 * blocks of their own) and layer ranges, in the pipeline order of `picks`.
 */
export function toPlacement(problem: LlmProblem, picks: StageOption[], perf: BatchPerf): Placement {
  const nextFree = problem.types.map(() => 0);
  const order = picks
    .map((_, k) => k)
    .sort((a, b) => picks[a]!.type - picks[b]!.type || picks[b]!.tp - picks[a]!.tp);
  const ids: number[][] = [];
  for (const k of order) {
    const o = picks[k]!;
    const t = problem.types[o.type]!;
    const start = Math.ceil(nextFree[o.type]! / o.tp) * o.tp;
    ids[k] = Array.from({ length: o.tp }, (_, i) => t.firstId + start + i);
    nextFree[o.type] = start + o.tp;
  }
  let layer = 1;
  const stages = picks.map((o, k) => {
    const stage = {
      gpuType: problem.types[o.type]!.name,
      tp: o.tp,
      gpuIds: ids[k]!,
      startLayer: layer,
      endLayer: layer + o.layers - 1,
    };
    layer += o.layers;
    return stage;
  });
  const raw = Math.min(...picks.map((o) => o.tokensPerSec));
  const throughputTokensPerSec = perf.endToEndTokensPerSec(raw, picks.length);
  const usdPerHour = picks.reduce((a, o) => a + o.tp * problem.types[o.type]!.usdPerHour, 0);
  return {
    throughputTokensPerSec,
    usdPerHour,
    usdPerMillionTokens: usdPerMillionTokens(usdPerHour, throughputTokensPerSec),
    stages,
  };
}

export interface FrontierSettings {
  /**
   * Solve every threshold where a least cost changes and turn every least-cost cover found into
   * a placement, not only those no point found before provably dominates: the same frontier
   * points, slower (tests compare the two; where two placements tie exactly in cost and
   * throughput, either may stand for the point).
   */
  allCandidates?: boolean;
  /**
   * Told, as the sweep goes, how many of the gaps between consecutive distinct stage throughputs
   * it has settled, of how many (for progress on long solves).
   */
  onProgress?: (settled: number, total: number) => void;
}

/**
 * The exact cost–throughput Pareto frontier at one batch size under the performance model `perf`
 * (which must be the one `problem` was read with): for every distinct stage throughput T, the
 * least-cost placements using only options at least that fast, for each stage count; the
 * non-dominated ones, by cost ascending. Least cost only grows with T, so the sweep bisects the
 * sorted thresholds and solves only around the points where a cost changes, skipping runs of
 * thresholds whose covers the points already found provably dominate; a least-cost cover
 * becomes a placement only when no cheaper placement already made is provably at least as fast.
 * Where the network is structured by GPU type and the seed's percentile filter drops links
 * (links.ts `typeLinks`), only placements that some order of their stages lets past the filter
 * count, and their stages come in such an order.
 */
export function paretoFrontier(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel = ROOFLINE_MODEL,
  settings: FrontierSettings = {},
): Placement[] {
  const rated = perf.atBatch(problem, batch);
  const options = stageOptions(problem, rated, perf.stageSizes(problem.config)).sort(
    (a, b) => a.tokensPerSec - b.tokensPerSec,
  );
  // Options at least as fast as threshold i are a suffix of the sorted options, from first[i].
  const thresholds: number[] = [];
  const first: number[] = [];
  options.forEach((o, k) => {
    if (thresholds.at(-1) !== o.tokensPerSec) {
      thresholds.push(o.tokensPerSec);
      first.push(k);
    }
  });
  const links = typeLinks(problem);
  const maxStages = stageLimit(problem);
  const layers = problem.config.num_decoder_layers;
  const joining = links
    ? byTypeCounts(new StageCounts(links, maxStages), layers)
    : byStageCount(maxStages, layers);
  const covers = new ThresholdCovers(problem, options, first, joining);
  const hooks: SweepHooks = {
    ...(settings.allCandidates
      ? NO_PRUNING
      : dominanceHooks(problem, rated, thresholds, maxStages)),
    ...(settings.onProgress ? { settled: settings.onProgress } : {}),
  };
  const recorded = sweepThresholds(thresholds.length, (i) => covers.fullCosts(i), hooks);
  // In cost order, each candidate becomes a placement unless one already made, within budgets,
  // costs less and runs at least as fast as the candidate can: such a candidate could never join
  // the frontier, and leaving out points that never join it changes no other point. (The margin
  // covers the tables summing costs per type and placements per stage.) Then the frontier of the
  // placements, taken in the sweep's order as before.
  const placed: { order: number; placement: Placement }[] = [];
  const kept: Placement[] = [];
  for (const c of candidates(covers, recorded, thresholds, rated, maxStages)) {
    const below = c.cost - COST_ROUNDING * c.cost;
    const dominated = kept.some(
      (q) => q.usdPerHour < below && q.throughputTokensPerSec >= c.upperThroughput,
    );
    if (dominated && !settings.allCandidates) continue;
    const placement = toPlacement(problem, covers.reconstruct(c.threshold, c.stages), rated);
    placed.push({ order: c.order, placement });
    if (withinBudgets(problem, placement)) kept.push(placement);
  }
  placed.sort((a, b) => a.order - b.order);
  return nonDominated(placed.map((p) => p.placement).filter((p) => withinBudgets(problem, p)));
}

/** A least-cost cover found by the sweep, before it becomes a placement. */
interface Candidate {
  /** Its place in the sweep's order: recorded thresholds in turn, stage counts ascending. */
  order: number;
  threshold: number;
  stages: number;
  /** Its least $/h, as the tables sum it (a placement sums per stage: equal to rounding). */
  cost: number;
  /** No placement of this cover runs faster (tokens/s). */
  upperThroughput: number;
}

/**
 * Each recorded threshold's least-cost cover per feasible stage count, cheapest first. A cover's
 * slowest stage is slower than the next solved threshold where its stage count's least cost
 * rises (else that threshold would find it at its old cost), and never faster than the fastest
 * option: as end-to-end throughput grows with the slowest stage's (BatchPerf), the cover runs
 * no faster than with such a slowest stage.
 */
function candidates(
  covers: ThresholdCovers,
  recorded: number[],
  thresholds: number[],
  rated: BatchPerf,
  maxStages: number,
): Candidate[] {
  const solved = covers.solvedThresholds();
  const found: Candidate[] = [];
  for (let s = 1; s <= maxStages; s++) {
    const costOf = (i: number): number => covers.fullCosts(i)[s]!;
    const riseAt = new Map<number, number>();
    let rise = thresholds.at(-1)!;
    for (let e = solved.length - 1; e >= 0; e--) {
      if (e + 1 < solved.length && costOf(solved[e + 1]!) > costOf(solved[e]!))
        rise = thresholds[solved[e + 1]!]!;
      riseAt.set(solved[e]!, rise);
    }
    recorded.forEach((i, r) => {
      const cost = costOf(i);
      if (cost === Infinity) return;
      found.push({
        order: r * (maxStages + 1) + s,
        threshold: i,
        stages: s,
        cost,
        upperThroughput: rated.endToEndTokensPerSec(riseAt.get(i)!, s),
      });
    });
  }
  return found.sort((a, b) => a.cost - b.cost);
}

/** The first index of the ascending `sorted` whose value is at least `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let [lo, hi] = [0, sorted.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points no other beats, by cost ascending. Costs that differ only by rounding (one $/h
 * summed in another order: 50.8 and 50.800000000000004) are one cost, at which only the fastest
 * point stands: the other would be a frontier point by a rounding error alone.
 */
function nonDominated(points: Placement[]): Placement[] {
  const sorted = [...points].sort(
    (a, b) => a.usdPerHour - b.usdPerHour || b.throughputTokensPerSec - a.throughputTokensPerSec,
  );
  const frontier: Placement[] = [];
  for (const p of sorted) {
    const last = frontier.at(-1);
    if (last && p.usdPerHour - last.usdPerHour <= COST_ROUNDING * p.usdPerHour) {
      if (p.throughputTokensPerSec > last.throughputTokensPerSec) frontier[frontier.length - 1] = p;
    } else if (!last || p.throughputTokensPerSec > last.throughputTokensPerSec) frontier.push(p);
  }
  return frontier;
}

export const OBJECTIVES = ['usd-per-mtok', 'throughput'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** The frontier's point that serves the objective best: least $ per token, or most throughput. */
export function choose(frontier: Placement[], objective: Objective): Placement | null {
  return objective === 'throughput' ? (frontier.at(-1) ?? null) : cheapestPerToken(frontier);
}

/** The frontier's point with the least $ per million tokens (first on ties); null when empty. */
export function cheapestPerToken(frontier: Placement[]): Placement | null {
  let best: Placement | null = null;
  for (const p of frontier) if (!best || p.usdPerMillionTokens < best.usdPerMillionTokens) best = p;
  return best;
}
