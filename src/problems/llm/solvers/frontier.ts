import type { LlmProblem } from '../model.js';
import {
  endToEndThroughput,
  layerRange,
  quantizedSizes,
  stageThroughput,
  usdPerMillionTokens,
} from '../score.js';

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

/** Every stage option the constraints allow at batch size b. */
export function stageOptions(problem: LlmProblem, batch: number): StageOption[] {
  const c = problem.config;
  const allowed = quantizedSizes(c);
  const options: StageOption[] = [];
  problem.types.forEach((t, type) => {
    for (const tp of TP_DEGREES) {
      if (tp > MAX_TP || tp > t.count) continue;
      const [min, max] = layerRange(c, t.memoryGb, tp, batch);
      const bw = tpBandwidth(problem, type, tp);
      for (let layers = Math.max(min, c.min_layers_per_stage); layers <= max; layers++) {
        if (allowed && !allowed.includes(layers)) continue;
        options.push({
          type,
          tp,
          layers,
          tokensPerSec: stageThroughput(c, t.name, tp, layers, batch, bw),
        });
      }
    }
  });
  return options;
}

/**
 * Least cost ($/h) to cover every layer with exactly S stages, for each S, using only `options`
 * and at most each type's GPU count; with the chosen options (null where impossible).
 * Per type, a table of least GPUs for (stages, layers); types are then combined.
 */
function leastCostCovers(problem: LlmProblem, options: StageOption[]): (StageOption[] | null)[] {
  const n = problem.config.num_decoder_layers;
  const maxStages = problem.config.max_pipeline_stages;
  const width = n + 1;
  // best[s][l]: least cost, with the options used, over the types combined so far.
  let best: { cost: number; picks: StageOption[] }[][] = Array.from(
    { length: maxStages + 1 },
    (_, s) =>
      Array.from({ length: width }, (_, l) =>
        s === 0 && l === 0 ? { cost: 0, picks: [] } : { cost: Infinity, picks: [] },
      ),
  );
  problem.types.forEach((t, type) => {
    const mine = options.filter((o) => o.type === type);
    if (!mine.length) return;
    // gpus[s][l]: least GPUs of this type for s stages covering l layers.
    const gpus: { count: number; picks: StageOption[] }[][] = Array.from(
      { length: maxStages + 1 },
      (_, s) =>
        Array.from({ length: width }, (_, l) =>
          s === 0 && l === 0 ? { count: 0, picks: [] } : { count: Infinity, picks: [] },
        ),
    );
    for (let s = 1; s <= maxStages; s++) {
      for (let l = 1; l <= n; l++) {
        for (const o of mine) {
          if (o.layers > l) continue;
          const prev = gpus[s - 1]![l - o.layers]!;
          if (prev.count + o.tp < gpus[s]![l]!.count && prev.count + o.tp <= t.count) {
            gpus[s]![l] = { count: prev.count + o.tp, picks: [...prev.picks, o] };
          }
        }
      }
    }
    const next = best.map((row) => row.map((cell) => ({ ...cell })));
    for (let s = 0; s <= maxStages; s++) {
      for (let l = 0; l <= n; l++) {
        if (best[s]![l]!.cost === Infinity) continue;
        for (let s2 = 1; s + s2 <= maxStages; s2++) {
          for (let l2 = 1; l + l2 <= n; l2++) {
            const g = gpus[s2]![l2]!;
            if (g.count === Infinity) continue;
            const cost = best[s]![l]!.cost + g.count * t.usdPerHour;
            if (cost < next[s + s2]![l + l2]!.cost)
              next[s + s2]![l + l2] = { cost, picks: [...best[s]![l]!.picks, ...g.picks] };
          }
        }
      }
    }
    best = next;
  });
  return best.map((row) => (row[n]!.cost < Infinity ? row[n]!.picks : null));
}

/** Give each stage concrete GPUs (aligned blocks, largest first) and layer ranges. */
function toPlacement(problem: LlmProblem, picks: StageOption[], batch: number): Placement {
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
  const throughputTokensPerSec = endToEndThroughput(raw, picks.length, batch);
  const usdPerHour = picks.reduce((a, o) => a + o.tp * problem.types[o.type]!.usdPerHour, 0);
  return {
    throughputTokensPerSec,
    usdPerHour,
    usdPerMillionTokens: usdPerMillionTokens(usdPerHour, throughputTokensPerSec),
    stages,
  };
}

/**
 * The exact cost–throughput Pareto frontier at one batch size: for every distinct stage
 * throughput T, the least-cost placements using only options at least that fast, for each
 * stage count; the non-dominated ones, by throughput ascending.
 */
export function paretoFrontier(problem: LlmProblem, batch: number): Placement[] {
  const options = stageOptions(problem, batch);
  const thresholds = [...new Set(options.map((o) => o.tokensPerSec))].sort((a, b) => a - b);
  const budget = problem.config.max_hourly_cost < 999 ? problem.config.max_hourly_cost : Infinity;
  const points: Placement[] = [];
  for (const threshold of thresholds) {
    const covers = leastCostCovers(
      problem,
      options.filter((o) => o.tokensPerSec >= threshold),
    );
    for (const picks of covers) if (picks) points.push(toPlacement(problem, picks, batch));
  }
  return nonDominated(points.filter((p) => p.usdPerHour <= budget));
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

/** The frontier's point with the least $ per million tokens (first on ties); null when empty. */
export function cheapestPerToken(frontier: Placement[]): Placement | null {
  let best: Placement | null = null;
  for (const p of frontier) if (!best || p.usdPerMillionTokens < best.usdPerMillionTokens) best = p;
  return best;
}
