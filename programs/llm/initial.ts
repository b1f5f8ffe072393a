/**
 * LLM placement: split one model's decoder layers into pipeline stages, each a tensor-parallel
 * group of GPUs of one type, at the least $ per million tokens. The evaluator calls `place` once
 * per problem, assigns GPUs, recomputes cost and speed itself and checks the answer strictly.
 */
export interface Option {
  gpuType: string;
  tp: number;
  layers: number;
  tokensPerSec: number;
}

export interface Input {
  layers: number;
  maxStages: number;
  batch: number;
  gpuTypes: { name: string; count: number; usdPerHour: number; memoryGb: number }[];
  options: Option[];
  /** End-to-end tokens/s of an s-stage pipeline per token/s of its slowest stage, at [s − 1]. */
  pipelineFactor: number[];
  /** May a stage on gpuTypes[a] feed one on gpuTypes[b]? null: any may. */
  typeLinks: boolean[][] | null;
}

export interface StagePick {
  gpuType: string;
  tp: number;
  layers: number;
}

// EVOLVE-BLOCK-START
/**
 * A homogeneous baseline: for every GPU type, TP degree and stage count, the layers split as
 * evenly as the stage count allows, all on that one type; the cheapest per token of those that
 * fit the pool. Mixing types is left for evolution to find. Null when nothing fits.
 */
export function place(input: Input): StagePick[] | null {
  let best: StagePick[] | null = null;
  let bestUsdPerMtok = Infinity;
  input.gpuTypes.forEach((type, t) => {
    for (const tp of [1, 2, 4, 8]) {
      for (let stages = 1; stages <= input.maxStages && stages * tp <= type.count; stages++) {
        if (stages > 1 && input.typeLinks && !input.typeLinks[t]![t]) break;
        const picks: StagePick[] = [];
        let slowest = Infinity;
        for (let s = 0; s < stages; s++) {
          const layers = Math.floor(input.layers / stages) + (s < input.layers % stages ? 1 : 0);
          const option = input.options.find(
            (o) => o.gpuType === type.name && o.tp === tp && o.layers === layers,
          );
          if (!option) break;
          picks.push({ gpuType: type.name, tp, layers });
          slowest = Math.min(slowest, option.tokensPerSec);
        }
        if (picks.length < stages) continue;
        const tokensPerSec = slowest * input.pipelineFactor[stages - 1]!;
        const usdPerMtok = ((stages * tp * type.usdPerHour) / (tokensPerSec * 3600)) * 1e6;
        if (usdPerMtok < bestUsdPerMtok) {
          bestUsdPerMtok = usdPerMtok;
          best = picks;
        }
      }
    }
  });
  return best;
}
// EVOLVE-BLOCK-END
