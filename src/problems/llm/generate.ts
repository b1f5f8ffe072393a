import { Rng } from '../../core/rng.js';
import { configSchema, generatedNetwork, type GpuType, type LlmProblem } from './model.js';

/** GPU types the built-in performance models rate: name, memory (GB), a typical $/h. */
const GPU_TYPES: readonly (readonly [string, number, number])[] = [
  ['H100', 80, 4.2],
  ['A100', 80, 3],
  ['L40S', 48, 1.8],
  ['A40', 48, 1.2],
  ['L40', 48, 1.5],
  ['V100', 32, 1],
  ['L20', 48, 0.9],
  ['T4', 16, 0.4],
];

/** Intra-type and cross-type link bandwidth of generated pools, GB/s. */
const INTRA_GBPS = 400;
const INTER_GBPS = 200;

/** A pool of the given types, `counts[k]` GPUs of type k at `prices[k]` $/h, with ids in order. */
function poolOf(
  spec: readonly (readonly [string, number, number])[],
  counts: readonly number[],
  prices: readonly number[],
): { types: GpuType[]; gpuCount: number } {
  let firstId = 0;
  const types = spec.map(([name, memoryGb], k) => {
    const t = { name, count: counts[k]!, memoryGb, usdPerHour: prices[k]!, firstId };
    firstId += t.count;
    return t;
  });
  return { types, gpuCount: firstId };
}

/** The size of a synthetic benchmark pool and of the model it serves. */
export interface SyntheticShape {
  /** The first `types` GPU types of the catalogue, `perType` GPUs each. */
  types: number;
  perType: number;
  layers: number;
  maxStages: number;
}

/** 8 GPU types × 128 GPUs (1 024 in all), an 80-layer 70B-class model, up to 8 stages. */
export const BENCH_POOL: SyntheticShape = { types: 8, perType: 128, layers: 80, maxStages: 8 };
/**
 * The largest pool the format takes (4 types × 1 024 GPUs) and a 200-layer model of the same
 * layer size, up to 64 stages: many thresholds and large tables.
 */
export const DEEP_POOL: SyntheticShape = { types: 4, perType: 1024, layers: 200, maxStages: 64 };

/**
 * A synthetic pool for the speed benchmark, with 70B-class layers (1.6 GB each) and no segment
 * quantization (every stage size allowed).
 */
export function syntheticPool(shape: SyntheticShape = BENCH_POOL): LlmProblem {
  const spec = GPU_TYPES.slice(0, shape.types);
  const { types, gpuCount } = poolOf(
    spec,
    spec.map(() => shape.perType),
    spec.map(([, , price]) => price),
  );
  const config = configSchema.parse({
    sequence_length: '4096',
    min_batch_size: '32',
    max_batch_size: '256',
    num_decoder_layers: String(shape.layers),
    d_model: '8192',
    d_hidden: '28672',
    layer_weight_memory_gb: '1.6',
    bytes_per_element: '2',
    enable_segment_quantization: 'false',
    max_pipeline_stages: String(shape.maxStages),
    min_layers_per_stage: '1',
    min_memory_utilization: '0.5',
  });
  return {
    config,
    types,
    gpuCount,
    bandwidthGbps: generatedNetwork(types, gpuCount, INTRA_GBPS, INTER_GBPS),
  };
}

/** Dense decoder shapes of common open models: layers, d_model, d_hidden, GB of weights per layer (BF16). */
const MODEL_SHAPES: readonly (readonly [number, number, number, number])[] = [
  [32, 4096, 14336, 0.44],
  [40, 5120, 13824, 0.4],
  [48, 6144, 16384, 0.6],
  [64, 5120, 27648, 0.95],
  [80, 8192, 28672, 1.6],
];

/** One generated placement problem and the batch size it is asked at. */
export interface GeneratedLlmProblem {
  problem: LlmProblem;
  batch: number;
}

/**
 * `count` small heterogeneous problems, seeded: 2–4 GPU types of the catalogue with 1–16 GPUs
 * each and prices ±30 % around typical, one of the model shapes, 2–6 pipeline stages at most,
 * batch 8–64. Each stands for a capacity planner's question "what is cheapest per token here?".
 */
export function generateLlmProblems(count: number, seed: number): GeneratedLlmProblem[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const order = GPU_TYPES.map((_, k) => k);
    rng.shuffle(order);
    const spec = order.slice(0, rng.int(2, 4)).map((k) => GPU_TYPES[k]!);
    const { types, gpuCount } = poolOf(
      spec,
      spec.map(() => 2 ** rng.int(0, 4)),
      spec.map(([, , price]) => Math.round(price * rng.uniform(0.7, 1.3) * 100) / 100),
    );
    const [layers, dModel, dHidden, layerGb] = MODEL_SHAPES[rng.int(0, MODEL_SHAPES.length - 1)]!;
    const config = configSchema.parse({
      sequence_length: String(2 ** rng.int(10, 13)),
      min_batch_size: '8',
      max_batch_size: '64',
      num_decoder_layers: String(layers),
      d_model: String(dModel),
      d_hidden: String(dHidden),
      layer_weight_memory_gb: String(layerGb),
      bytes_per_element: '2',
      max_pipeline_stages: String(rng.int(2, 6)),
    });
    return {
      problem: {
        config,
        types,
        gpuCount,
        bandwidthGbps: generatedNetwork(types, gpuCount, INTRA_GBPS, INTER_GBPS),
      },
      batch: 2 ** rng.int(3, 6),
    };
  });
}
