import type { LlmProblem } from '../model.js';
import { ROOFLINE_MODEL } from '../perf/roofline.js';
import type { BatchPerf, PerfModel } from '../perf/types.js';
import { usdPerMillionTokens } from '../score.js';

/** A stage option: `layers` layers on a TP group of `tp` GPUs of type `type`, at `tokensPerSec`. */
export interface StageOption {
  type: number;
  tp: number;
  layers: number;
  tokensPerSec: number;
}

export interface Stage {
  gpuType: string;
  tp: number;
  gpuIds: number[];
  startLayer: number;
  endLayer: number;
}

export interface Placement {
  throughputTokensPerSec: number;
  usdPerHour: number;
  usdPerMillionTokens: number;
  stages: Stage[];
}

const TP_DEGREES = [1, 2, 4, 8, 16];
const MAX_TP = 8;

/** Slowest link inside any aligned TP group of this type and degree (GB/s). */
function tpBandwidth(problem: LlmProblem, type: number, tp: number): number {
  const t = problem.types[type]!;
  let worst = Infinity;
  for (let g = 0; (g + 1) * tp <= t.count; g++) {
    for (let i = 0; i < tp; i++) {
      for (let j = 0; j < tp; j++) {
        if (i !== j)
          worst = Math.min(
            worst,
            problem.bandwidthGbps[
              (t.firstId + g * tp + i) * problem.gpuCount + t.firstId + g * tp + j
            ]!,
          );
      }
    }
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
      if (tp > MAX_TP || tp > t.count) continue;
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
 * One GPU type's covers with some of its options: the fewest GPUs for s stages covering l layers
 * (`gpus`, 0x7fffffff when impossible) and the option picked last (`lastPick`, an index into the
 * sorted options). Tables are [stages+1][layers+1].
 */
interface TypeCover {
  gpus: Int32Array;
  lastPick: Int32Array;
}

const NO_COVER = 0x7fffffff;

/** The covers of GPU type `type` with the options `picks` (indices into `options`, in order). */
function typeCover(
  problem: LlmProblem,
  options: readonly StageOption[],
  type: number,
  picks: readonly number[],
): TypeCover {
  const n = problem.config.num_decoder_layers;
  const maxStages = problem.config.max_pipeline_stages;
  const width = n + 1;
  const count = problem.types[type]!.count;
  const gpus = new Int32Array((maxStages + 1) * width).fill(NO_COVER);
  const lastPick = new Int32Array((maxStages + 1) * width).fill(-1);
  gpus[0] = 0;
  for (let s = 1; s <= maxStages; s++) {
    for (let l = 1; l <= n; l++) {
      for (const k of picks) {
        const o = options[k]!;
        if (o.layers > l) continue;
        const used = gpus[(s - 1) * width + l - o.layers]! + o.tp;
        if (used <= count && used < gpus[s * width + l]!) {
          gpus[s * width + l] = used;
          lastPick[s * width + l] = k;
        }
      }
    }
  }
  return { gpus, lastPick };
}

/**
 * Least-cost covers of every layer: the types' covers combined in order into the least $/h for
 * s stages and l layers (`cost`, with that type's share: the cell of its own cover it adds).
 * Only full covers (l = N) are needed after the last type, so it fills only those cells.
 */
interface CoverTables {
  width: number;
  covers: TypeCover[];
  cost: Float64Array[];
  share: Int32Array[];
}

function coverTables(problem: LlmProblem, covers: TypeCover[]): CoverTables {
  const n = problem.config.num_decoder_layers;
  const maxStages = problem.config.max_pipeline_stages;
  const width = n + 1;
  const cells = (maxStages + 1) * width;
  const tables: CoverTables = { width, covers, cost: [], share: [] };
  let previous = new Float64Array(cells).fill(Infinity);
  previous[0] = 0;
  covers.forEach(({ gpus }, type) => {
    const price = problem.types[type]!.usdPerHour;
    const last = type === covers.length - 1;
    const cost = Float64Array.from(previous);
    const share = new Int32Array(cells).fill(-1);
    for (let s = 0; s <= maxStages; s++) {
      for (let l = 0; l <= n; l++) {
        const base = previous[s * width + l]!;
        if (base === Infinity) continue;
        for (let s2 = 1; s + s2 <= maxStages; s2++) {
          for (let l2 = last ? n - l : 1; l2 >= 1 && l + l2 <= n; l2++) {
            const g = gpus[s2 * width + l2]!;
            if (g === NO_COVER) continue;
            const total = base + g * price;
            const cell = (s + s2) * width + l + l2;
            if (total < cost[cell]!) {
              cost[cell] = total;
              share[cell] = s2 * width + l2;
            }
          }
        }
      }
    }
    tables.cost.push(cost);
    tables.share.push(share);
    previous = cost;
  });
  return tables;
}

/** The options of the least-cost cover with `stages` stages of every layer. */
function reconstruct(
  tables: CoverTables,
  options: readonly StageOption[],
  stages: number,
  layers: number,
): StageOption[] {
  const picks: StageOption[] = [];
  let [s, l] = [stages, layers];
  for (let type = tables.cost.length - 1; type >= 0; type--) {
    const share = tables.share[type]![s * tables.width + l]!;
    if (share < 0) continue;
    let s2 = Math.floor(share / tables.width);
    let l2 = share % tables.width;
    s -= s2;
    l -= l2;
    while (s2 > 0) {
      const o = options[tables.covers[type]!.lastPick[s2 * tables.width + l2]!]!;
      picks.push(o);
      s2--;
      l2 -= o.layers;
    }
  }
  return picks.reverse();
}

/** Give each stage concrete GPUs (aligned blocks, largest first) and layer ranges. */
function toPlacement(problem: LlmProblem, picks: StageOption[], perf: BatchPerf): Placement {
  const nextFree = problem.types.map(() => 0);
  const order = [...picks].sort((a, b) => a.type - b.type || b.tp - a.tp);
  const ids = new Map<StageOption, number[]>();
  for (const o of order) {
    const t = problem.types[o.type]!;
    const start = Math.ceil(nextFree[o.type]! / o.tp) * o.tp;
    ids.set(
      o,
      Array.from({ length: o.tp }, (_, i) => t.firstId + start + i),
    );
    nextFree[o.type] = start + o.tp;
  }
  let layer = 1;
  const stages = picks.map((o) => {
    const stage = {
      gpuType: problem.types[o.type]!.name,
      tp: o.tp,
      gpuIds: ids.get(o)!,
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

/**
 * The exact cost–throughput Pareto frontier at one batch size under the performance model `perf`
 * (which must be the one `problem` was read with): for every distinct stage throughput T, the
 * least-cost placements using only options at least that fast, for each stage count; the
 * non-dominated ones, by cost ascending. Least cost only grows with T, so the sweep bisects the
 * sorted thresholds and solves only around the points where a cost changes.
 */
export function paretoFrontier(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel = ROOFLINE_MODEL,
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
  const ofType: number[][] = problem.types.map(() => []);
  options.forEach((o, k) => ofType[o.type]!.push(k));
  // A type's covers depend only on how many of its options are usable: solve each count once.
  const covers = problem.types.map(() => new Map<number, TypeCover>());
  const n = problem.config.num_decoder_layers;
  const maxStages = problem.config.max_pipeline_stages;
  const points: Placement[] = [];
  const solved = new Map<number, CoverTables>();
  const solveAt = (i: number): CoverTables => {
    let hit = solved.get(i);
    if (!hit) {
      const usable = problem.types.map((_, type) => {
        const picks = ofType[type]!.filter((k) => k >= first[i]!);
        let cover = covers[type]!.get(picks.length);
        if (!cover)
          covers[type]!.set(picks.length, (cover = typeCover(problem, options, type, picks)));
        return cover;
      });
      hit = coverTables(problem, usable);
      solved.set(i, hit);
    }
    return hit;
  };
  const costs = (i: number): Float64Array => {
    const last = solveAt(i).cost.at(-1);
    return Float64Array.from({ length: maxStages + 1 }, (_, s) =>
      last ? last[s * (n + 1) + n]! : Infinity,
    );
  };
  const record = (i: number): void => {
    const tables = solveAt(i);
    const last = tables.cost.at(-1);
    for (let s = 1; s <= maxStages; s++) {
      if (last && last[s * (n + 1) + n]! < Infinity)
        points.push(toPlacement(problem, reconstruct(tables, options, s, n), rated));
    }
  };
  const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, k) => v === b[k]);
  const sweep = (lo: number, hi: number, costLo: Float64Array, costHi: Float64Array): void => {
    if (same(costLo, costHi) || hi - lo <= 1) {
      record(hi);
      if (!same(costLo, costHi)) record(lo);
      return;
    }
    const mid = (lo + hi) >> 1;
    const costMid = costs(mid);
    sweep(lo, mid, costLo, costMid);
    sweep(mid, hi, costMid, costHi);
  };
  if (thresholds.length) sweep(0, thresholds.length - 1, costs(0), costs(thresholds.length - 1));
  return nonDominated(points.filter((p) => withinBudgets(problem, p)));
}

/**
 * The config's budgets, applied as the seed applies them (only when set below its sentinels):
 * $/h below 999, total cost and runtime for `total_tokens_to_process` below 999999.
 */
export function withinBudgets(problem: LlmProblem, p: Placement): boolean {
  const c = problem.config;
  const runtimeHours = c.total_tokens_to_process / (p.throughputTokensPerSec * 3600);
  return (
    (c.max_hourly_cost >= 999 || p.usdPerHour <= c.max_hourly_cost) &&
    (c.max_total_cost >= 999999 || p.usdPerHour * runtimeHours <= c.max_total_cost) &&
    (c.max_total_runtime_hours >= 999999 || runtimeHours <= c.max_total_runtime_hours)
  );
}

function nonDominated(points: Placement[]): Placement[] {
  const sorted = [...points].sort(
    (a, b) => a.usdPerHour - b.usdPerHour || b.throughputTokensPerSec - a.throughputTokensPerSec,
  );
  const frontier: Placement[] = [];
  for (const p of sorted) {
    if (
      !frontier.length ||
      p.throughputTokensPerSec > frontier[frontier.length - 1]!.throughputTokensPerSec
    )
      frontier.push(p);
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
