import { UserError } from '../../../core/errors.js';
import type { LlmConfig, LlmProblem } from '../model.js';
import { listedPrice } from '../prices.js';
import { findGpu, type GpuSpec } from './catalogue.js';
import type { BatchPerf, PerfModel } from './types.js';

/**
 * The roofline model (`--perf-model roofline`, the default): per layer and GPU, prefill and every
 * decode step take the longer of their FLOPs at the GPU's tensor throughput and their bytes at its
 * memory bandwidth; tensor parallelism adds two ring all-reduces per layer over the group's
 * slowest link, pipelining adds the activations a stage sends on. docs/llm-roofline.md derives
 * every formula and names every assumption.
 */

const GIB = 2 ** 30;
/** Share of peak memory bandwidth kernels reach (assumption; the colocate model uses the same). */
export const DEFAULT_MEMORY_BANDWIDTH_EFFICIENCY = 0.8;
/** Share of peak dense tensor throughput large GEMMs reach (assumption). */
export const DEFAULT_COMPUTE_EFFICIENCY = 0.7;
/** Share of GPU memory a serving engine may use: vLLM's default `--gpu-memory-utilization`. */
export const MEMORY_UTILIZATION = 0.9;
/** Prompt tokens prefilled at once; bounds the activation workspace (assumption). */
export const PREFILL_CHUNK_TOKENS = 8192;

/** Prompt and generated tokens per request (`input_length`, `output_length`). */
export interface Workload {
  inputTokens: number;
  outputTokens: number;
}

/**
 * The workload of a config: `input_length` and `output_length` when given; a missing one fills
 * `sequence_length` up with the other (at least 1 token); with neither, half the sequence each.
 */
export function workload(c: LlmConfig): Workload {
  const s = c.sequence_length;
  const inputTokens =
    c.input_length ??
    (c.output_length === undefined ? Math.ceil(s / 2) : Math.max(1, s - c.output_length));
  return { inputTokens, outputTokens: c.output_length ?? Math.max(1, s - inputTokens) };
}

/** One decoder layer as the roofline sees it; bytes and FLOPs of the whole (unsharded) layer. */
export interface LayerShape {
  /** Bytes read per forward pass: the layer's weights plus its 1/N share of the LM head. */
  weightBytes: number;
  /** Bytes resident: the layer's weights plus its 1/N share of the embedding and LM head. */
  residentBytes: number;
  /** FLOPs per token outside attention: 2 × (parameters + 1/N of the LM head's). */
  flopsPerToken: number;
  /** K and V bytes one token adds to the layer's cache. */
  kvBytesPerToken: number;
  /** KV heads, the most GPUs the cache splits over (more replicate it); Infinity when unknown. */
  kvHeads: number;
  dModel: number;
  dHidden: number;
  bytesPerElement: number;
}

/**
 * The layer of a config. Weights come from `layer_weight_memory_gb`; FLOPs from the shapes:
 * attention 2d² + 2d·kv (queries and output d×d, keys and values d×kv, kv = d × num_kv_heads /
 * num_attention_heads, or d without grouped-query attention) plus a gated MLP 3dh.
 */
export function layerShape(c: LlmConfig): LayerShape {
  const [d, h, y, n] = [c.d_model, c.d_hidden, c.bytes_per_element, c.num_decoder_layers];
  const heads = c.num_attention_heads;
  const kvHeads = c.num_kv_heads ?? heads;
  const kvDim = heads === undefined || kvHeads === undefined ? d : (d * kvHeads) / heads;
  const headParams = ((c.vocab_size ?? 0) * d) / n;
  return {
    weightBytes: c.layer_weight_memory_gb * GIB + headParams * y,
    residentBytes: c.layer_weight_memory_gb * GIB + 2 * headParams * y,
    flopsPerToken: 2 * (2 * d * d + 2 * d * kvDim + 3 * d * h + headParams),
    kvBytesPerToken: 2 * kvDim * y,
    kvHeads: kvHeads ?? Infinity,
    dModel: d,
    dHidden: h,
    bytesPerElement: y,
  };
}

/** Σ over integers c in [from, to] of max(p + q·c, r + s·c); 0 when to < from. */
export function sumOfMax(
  p: number,
  q: number,
  r: number,
  s: number,
  from: number,
  to: number,
): number {
  const sum = (a: number, b: number, lo: number, hi: number): number =>
    hi < lo ? 0 : (hi - lo + 1) * (a + (b * (lo + hi)) / 2);
  if (to < from) return 0;
  // f − g = (p − r) + (q − s)·c changes sign at most once, at c = (r − p) / (q − s).
  if (q === s) return p >= r ? sum(p, q, from, to) : sum(r, s, from, to);
  const cross = Math.min(to, Math.max(from - 1, Math.floor((r - p) / (q - s))));
  // For c ≤ cross f − g has the sign it has below the crossing, above it the other.
  const fFirst = q < s;
  return fFirst
    ? sum(p, q, from, cross) + sum(r, s, cross + 1, to)
    : sum(r, s, from, cross) + sum(p, q, cross + 1, to);
}

/** What one layer costs one GPU of a TP group over a batch's whole request cycle. */
export interface LayerCost {
  /** Seconds of compute and memory traffic: prefill plus every decode step. */
  seconds: number;
  /** Bytes each GPU moves over its slowest TP link for the all-reduces (0 at TP 1). */
  tpLinkBytes: number;
  /** GPU memory the layer holds per GPU: weights and the KV cache of the whole batch. */
  memoryBytes: number;
}

export interface Efficiency {
  memoryBandwidth: number;
  compute: number;
}

/**
 * One layer on one GPU of a TP group of `tp` GPUs of `gpu`, for `batch` requests of `w`:
 * prefill of all prompts (KV written, weights read once per chunk), then the decode steps at
 * contexts in+1 … in+out−1 (the first output token comes from prefill); each phase takes the
 * longer of FLOPs / (TFLOPS × η_c) and bytes / (bandwidth × η_m). Two all-reduces of the layer's
 * activations per forward pass, by ring: 2(tp − 1)/tp of them over the slowest link.
 */
export function layerCost(
  layer: LayerShape,
  w: Workload,
  batch: number,
  tp: number,
  gpu: GpuSpec,
  eff: Efficiency,
): LayerCost {
  const flopsPerSec = gpu.tflops * 1e12 * eff.compute;
  const bytesPerSec = gpu.memBwGbps * 1e9 * eff.memoryBandwidth;
  const { inputTokens: input, outputTokens: output } = w;
  const d = layer.dModel;
  const weights = layer.weightBytes / tp;
  const kvPerToken = layer.kvBytesPerToken / Math.min(tp, layer.kvHeads);
  const prompt = batch * input;
  const prefillFlops = (prompt * layer.flopsPerToken + batch * 2 * input * input * d) / tp;
  const prefillBytes = weights * Math.ceil(prompt / PREFILL_CHUNK_TOKENS) + prompt * kvPerToken;
  const prefill = Math.max(prefillFlops / flopsPerSec, prefillBytes / bytesPerSec);
  // A decode step at context c: FLOPs b(F + 4cd)/tp, bytes weights + b·c·kv; both affine in c.
  const decode = sumOfMax(
    (batch * layer.flopsPerToken) / tp / flopsPerSec,
    (batch * 4 * d) / tp / flopsPerSec,
    weights / bytesPerSec,
    (batch * kvPerToken) / bytesPerSec,
    input + 1,
    input + output - 1,
  );
  const tokensThrough = prompt + batch * (output - 1);
  const allReduceBytes = tokensThrough * d * layer.bytesPerElement;
  return {
    seconds: prefill + decode,
    tpLinkBytes: tp > 1 ? 2 * ((2 * (tp - 1)) / tp) * allReduceBytes : 0,
    memoryBytes: layer.residentBytes / tp + batch * (input + output) * kvPerToken,
  };
}

/** Activation workspace per GPU: one prefill chunk's residual stream and MLP intermediates. */
function workspaceBytes(layer: LayerShape, w: Workload, batch: number, tp: number): number {
  const tokens = Math.min(batch * w.inputTokens, PREFILL_CHUNK_TOKENS);
  return tokens * (2 * layer.dModel + (2 * layer.dHidden) / tp) * layer.bytesPerElement;
}

function gpuOf(problem: LlmProblem, type: number): GpuSpec {
  const t = problem.types[type]!;
  const found = findGpu(t.name, t.memoryGb);
  if (typeof found === 'string') throw new UserError(found, 'gpu pool');
  return found;
}

/**
 * Slowest link between a GPU of `type` and any other GPU of the pool, both ways (GB/s), capped by
 * the GPU's own link: the bandwidth a stage of this type sends its activations over, whichever
 * stage follows it.
 */
function pipelineBandwidth(problem: LlmProblem, type: number, linkGbps: number): number {
  const t = problem.types[type]!;
  const n = problem.gpuCount;
  let worst = Infinity;
  for (let g = t.firstId; g < t.firstId + t.count; g++) {
    for (let other = 0; other < n; other++) {
      if (other !== g)
        worst = Math.min(
          worst,
          problem.bandwidthGbps[g * n + other]!,
          problem.bandwidthGbps[other * n + g]!,
        );
    }
  }
  return Math.min(worst, linkGbps);
}

function atBatch(problem: LlmProblem, batch: number): BatchPerf {
  const c = problem.config;
  const layer = layerShape(c);
  const w = workload(c);
  const eff: Efficiency = {
    memoryBandwidth: c.memory_bandwidth_efficiency ?? DEFAULT_MEMORY_BANDWIDTH_EFFICIENCY,
    compute: c.compute_efficiency ?? DEFAULT_COMPUTE_EFFICIENCY,
  };
  const gpus = problem.types.map((_, type) => gpuOf(problem, type));
  const costs = new Map<number, LayerCost>();
  const cost = (type: number, tp: number): LayerCost => {
    const key = type * 64 + tp;
    let hit = costs.get(key);
    if (!hit) costs.set(key, (hit = layerCost(layer, w, batch, tp, gpus[type]!, eff)));
    return hit;
  };
  // Activations a stage passes on: every prompt token once, then one token per decode step.
  const pipelineBytes =
    batch * (w.inputTokens + w.outputTokens - 1) * layer.dModel * layer.bytesPerElement;
  const pipelineSeconds = gpus.map(
    (gpu, type) => pipelineBytes / (pipelineBandwidth(problem, type, gpu.linkGbps) * 1e9),
  );
  return {
    layerRange: (type, tp) => {
      const memoryGb = problem.types[type]!.memoryGb;
      const perLayer = cost(type, tp).memoryBytes;
      const workspace = workspaceBytes(layer, w, batch, tp);
      const usable = MEMORY_UTILIZATION * memoryGb * GIB - workspace;
      const max = Math.min(c.num_decoder_layers, Math.max(0, Math.floor(usable / perLayer)));
      const wanted = c.min_memory_utilization * memoryGb * GIB - workspace;
      return [Math.max(1, Math.ceil(wanted / perLayer)), max];
    },
    stageTokensPerSec: (type, tp, layers, tpBandwidthGbps) => {
      const { seconds, tpLinkBytes } = cost(type, tp);
      const link = Math.min(tpBandwidthGbps, gpus[type]!.linkGbps) * 1e9;
      const stageSeconds =
        layers * (seconds + (tpLinkBytes ? tpLinkBytes / link : 0)) + pipelineSeconds[type]!;
      return (batch * w.outputTokens) / stageSeconds;
    },
    // Stages run one after another for a batch (a pipeline adds memory, not speed): charging every
    // stage the slowest one's time, S stages give 1/S of its rate.
    endToEndTokensPerSec: (slowest, stages) => slowest / stages,
  };
}

export const ROOFLINE_MODEL: PerfModel = {
  name: 'roofline',
  gpuProblem: (gpuType, memoryGb) => {
    const found = findGpu(gpuType, memoryGb);
    return typeof found === 'string' ? found : null;
  },
  price: listedPrice,
  priceRule: 'prices a GPU type only by an offer of that exact GPU model with the same memory',
  // Segment quantization only shrank the seed's MILP; the exact frontier needs no such device.
  stageSizes: () => null,
  atBatch,
};
