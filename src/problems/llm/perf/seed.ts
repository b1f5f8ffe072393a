import type { LlmConfig } from '../model.js';
import { seedPrice } from '../prices.js';
import { quantizedSizes } from '../score.js';
import type { PerfModel } from './types.js';

/**
 * The seed solver's performance model, exactly as `specs/llm-seed-model.md` states it, quirks
 * included, so that its published numbers reproduce (`--perf-model seed`).
 */

/** The seed's GPU table: peak TFLOPS, memory bandwidth GB/s, efficiency. */
export const SEED_GPU_TABLE: Record<
  string,
  { tflops: number; memBwGbps: number; efficiency: number }
> = {
  H100: { tflops: 989, memBwGbps: 3350, efficiency: 0.7 },
  A100: { tflops: 312, memBwGbps: 2039, efficiency: 0.65 },
  L40S: { tflops: 362, memBwGbps: 864, efficiency: 0.58 },
  A40: { tflops: 150, memBwGbps: 696, efficiency: 0.52 },
  L40: { tflops: 181, memBwGbps: 864, efficiency: 0.55 },
  V100: { tflops: 125, memBwGbps: 900, efficiency: 0.42 },
  RTX4090: { tflops: 165, memBwGbps: 1008, efficiency: 0.5 },
  L20: { tflops: 119, memBwGbps: 480, efficiency: 0.48 },
  A10: { tflops: 125, memBwGbps: 600, efficiency: 0.45 },
  T4: { tflops: 65, memBwGbps: 320, efficiency: 0.38 },
};

const GIB = 2 ** 30;
/** The seed's fixed "real-world efficiency" applied to the end-to-end throughput. */
export const SEED_REAL_WORLD_EFFICIENCY = 0.3;

/** Activation memory per GPU in GB (the seed's formula, one layer's KV term, 4d MLP). */
export function activationGb(c: LlmConfig, tp: number, batch: number): number {
  const bsd = batch * c.sequence_length * c.d_model * c.bytes_per_element;
  return (1.15 * (Math.max((3 * bsd) / tp + (4 * bsd) / tp, bsd) + (2 * bsd) / tp)) / GIB;
}

/** Layers a stage may hold on a GPU of `memoryGb` at degree tp: [min, max] (the seed's rules). */
export function layerRange(
  c: LlmConfig,
  memoryGb: number,
  tp: number,
  batch: number,
): [number, number] {
  const act = activationGb(c, tp, batch);
  const perLayer = c.layer_weight_memory_gb / tp;
  let max = 1;
  for (let l = 1; l <= c.num_decoder_layers; l++) if (l * perLayer + act <= memoryGb) max = l;
  const util = c.min_memory_utilization * memoryGb;
  const min = act > util ? 1 : Math.min(max, Math.max(1, Math.ceil((util - act) / perLayer)));
  return [min, max];
}

const TP_OVERHEAD: Record<number, number> = { 2: 0.05, 4: 0.1, 8: 0.15, 16: 0.2 };

function batchEfficiency(b: number): number {
  return b >= 32 ? 1 : b >= 16 ? 0.95 : b >= 8 ? 0.9 : b >= 4 ? 0.8 : b >= 2 ? 0.65 : 0.5;
}

/**
 * Tokens per second of one stage (the seed's roofline): `layers` layers at degree tp on GPUs
 * of `gpuType`, whose slowest intra-group link is `tpBandwidthGbps`.
 */
export function stageThroughput(
  c: LlmConfig,
  gpuType: string,
  tp: number,
  layers: number,
  batch: number,
  tpBandwidthGbps: number,
): number {
  const gpu = SEED_GPU_TABLE[gpuType] ?? SEED_GPU_TABLE.A100!;
  const [b, s, d, h, by, L] = [
    batch,
    c.sequence_length,
    c.d_model,
    c.d_hidden,
    c.bytes_per_element,
    layers,
  ];
  const flopsPerLayer = 8 * b * s * d * d + 4 * b * s * s * d + 6 * b * s * d * h;
  const flops = (L * flopsPerLayer) / tp;
  const bytes =
    (L * (4 * d * d + 3 * d * h) * by) / tp + b * s * d * by + (2 * L * b * s * d * by) / tp;
  const intensity =
    (L * flopsPerLayer) /
    (L * (((4 * d * d + 3 * d * h) * by) / tp + (2 * b * s * d * by) / tp + b * s * d * by));
  const ridge = (gpu.tflops * 1e12) / (gpu.memBwGbps * 1e9);
  let t0 =
    intensity > ridge
      ? flops / (gpu.tflops * 1e12 * gpu.efficiency)
      : bytes / (gpu.memBwGbps * 1e9 * gpu.efficiency);
  if (tp > 1) t0 /= Math.max(0.3, 1 - (TP_OVERHEAD[tp] ?? 0.25));
  const comm = tp > 1 ? ((L * 2 * b * s * d * by) / (tpBandwidthGbps * 1e9)) * ((tp - 1) / tp) : 0;
  return ((b * s) / (t0 + comm)) * batchEfficiency(b);
}

/** Pipeline efficiency of S stages at batch b, then the seed's 0.30: end-to-end tokens/s. */
export function endToEndThroughput(rawTokensPerSec: number, stages: number, batch: number): number {
  const microbatches = Math.max(1, Math.floor(batch / 8));
  const pe = stages === 1 ? 1 : Math.max(0.5, (0.9 * microbatches) / (microbatches + stages - 1));
  return rawTokensPerSec * pe * SEED_REAL_WORLD_EFFICIENCY;
}

export const SEED_MODEL: PerfModel = {
  name: 'seed',
  gpuProblem: (gpuType) =>
    gpuType in SEED_GPU_TABLE
      ? null
      : `unknown GPU type "${gpuType}"; known: ${Object.keys(SEED_GPU_TABLE).join(', ')}`,
  price: (list, provider, gpuType) => seedPrice(list, provider, gpuType),
  priceRule: 'prices a GPU type by the first GPU model whose name contains it',
  stageSizes: quantizedSizes,
  atBatch: (problem, batch) => ({
    layerRange: (type, tp) => layerRange(problem.config, problem.types[type]!.memoryGb, tp, batch),
    stageTokensPerSec: (type, tp, layers, bw) =>
      stageThroughput(problem.config, problem.types[type]!.name, tp, layers, batch, bw),
    endToEndTokensPerSec: (slowest, stages) => endToEndThroughput(slowest, stages, batch),
  }),
};
