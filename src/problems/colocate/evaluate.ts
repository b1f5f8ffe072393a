/**
 * The co-location model: one GPU shared by a vLLM server and a Whisper model. Pure and
 * deterministic; every formula and constant is explained, with sources, in docs/colocate-model.md.
 */
import { catalogueGpu, type ColocateGpu } from './gpus.js';
import { decodeLatency } from './llm-latency.js';
import {
  COLOCATE_MODELS,
  DEFAULT_ACTIVATION_PEAK_GIB,
  kvBytesPerToken,
  weightsGib,
} from './llm-models.js';
import {
  CUSTOM_MODEL_DTYPE_BYTES,
  parseColocationInput,
  type ColocationInput,
  type ColocationInputSpec,
} from './model.js';
import { CUDA_GRAPH_GIB, NON_TORCH_GIB, profileVllmMemory } from './vllm-memory.js';
import { WHISPER_MODELS, whisperLatencyMs } from './whisper.js';

const GIB = 2 ** 30;

/**
 * Amounts of memory closer than one byte are equal. They are sums of GiB in floating point, whose
 * rounding (up to 1e-11 GiB at 2 TiB) would otherwise call a configuration that fills the device
 * exactly out of memory, or one that leaves exactly the safety margin free short of it.
 */
export const ONE_BYTE_GIB = 1 / GIB;

/** Why a configuration cannot serve: the device ran out, or vLLM refused to start. */
export type ColocationFailure = 'oom' | 'no-kv-cache' | 'max-model-len-does-not-fit';

/** Where the device's memory goes, GiB. */
export interface MemoryBreakdown {
  totalGib: number;
  /** One CUDA context per process (vLLM and Whisper). */
  cudaContextsGib: number;
  /** `gpuMemoryUtilization × total`: weights, activation peak, non-torch, CUDA graphs, KV cache. */
  vllmReservationGib: number;
  weightsGib: number;
  activationPeakGib: number;
  nonTorchGib: number;
  cudaGraphGib: number;
  whisperGib: number;
  otherProcessesGib: number;
  usedGib: number;
  /** total − used; negative when the device is over-committed. */
  headroomGib: number;
}

export interface ColocationMetrics {
  /** The processes together claim more memory than the device has. */
  oom: boolean;
  /** The configuration cannot serve: OOM, or vLLM refuses to start. Disqualify these. */
  failed: boolean;
  failure: ColocationFailure | null;
  /** Memory vLLM leaves for the KV cache; not positive means vLLM refuses to start. */
  kvCacheGib: number;
  kvBlocks: number;
  /** Sequences of `maxModelLen` tokens whose KV cache fits at once. */
  maxConcurrentSequences: number;
  /** Concurrent sequences the server admits: the above capped by `maxNumSeqs`; 0 when failed. */
  capacity: number;
  /** Sequences decoded together under the given load. */
  runningSequences: number;
  /** Milliseconds per output token under the given load; null when vLLM cannot serve. */
  llmLatencyMs: number | null;
  /** Mean time to transcribe a 30 s clip under the given load; null on OOM. */
  whisperLatencyMs: number | null;
  whisperWerPercent: number;
  /** Memory in use / device total, %. Above 100 on OOM. */
  gpuUtilPercent: number;
  /** 1 − risk: 0 when failed, falling linearly as free memory drops below the safety margin. */
  stability: number;
  memory: MemoryBreakdown;
}

interface ResolvedModel {
  weightsGib: number;
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  activationPeakGib: number;
}

/** The device a configuration names: from the catalogue, or as given. */
export function resolveGpu(gpu: ColocationInput['gpu']): ColocateGpu {
  return typeof gpu === 'string' ? catalogueGpu(gpu) : gpu;
}

function resolveModel(model: ColocationInput['vllm']['model']): ResolvedModel {
  if (typeof model === 'string') {
    const named = COLOCATE_MODELS[model];
    return {
      weightsGib: weightsGib(named.shape, named.format),
      numLayers: named.shape.numLayers,
      numKvHeads: named.shape.numKvHeads,
      headDim: named.shape.headDim,
      activationPeakGib: named.activationPeakGib,
    };
  }
  const fromParams = (billions: number, dtype: keyof typeof CUSTOM_MODEL_DTYPE_BYTES) =>
    (billions * 1e9 * CUSTOM_MODEL_DTYPE_BYTES[dtype]) / GIB;
  return {
    // The schema guarantees weightsGib, or paramsBillion with a dtype.
    weightsGib: model.weightsGib ?? fromParams(model.paramsBillion!, model.dtype!),
    numLayers: model.numLayers,
    numKvHeads: model.numKvHeads,
    headDim: model.headDim,
    activationPeakGib: DEFAULT_ACTIVATION_PEAK_GIB,
  };
}

/** KV-cache bytes of one token of `model` at the server's KV-cache dtype. */
function kvBytesOf(
  model: ResolvedModel,
  kvCacheDtype: ColocationInput['vllm']['kvCacheDtype'],
): number {
  return kvBytesPerToken(
    model.numLayers,
    model.numKvHeads,
    model.headDim,
    kvCacheDtype === 'fp8' ? 1 : 2,
  );
}

/**
 * What the served model's card tells an operator: its weights and the KV-cache bytes of one
 * token (at the server's KV-cache dtype). vLLM's own overheads are not on it.
 */
export function modelCard(vllm: Pick<ColocationInput['vllm'], 'model' | 'kvCacheDtype'>): {
  weightsGib: number;
  kvBytesPerToken: number;
} {
  const model = resolveModel(vllm.model);
  return { weightsGib: model.weightsGib, kvBytesPerToken: kvBytesOf(model, vllm.kvCacheDtype) };
}

function failureOf(
  oom: boolean,
  kvCacheGib: number,
  maxConcurrentSequences: number,
): ColocationFailure | null {
  if (oom) return 'oom';
  if (kvCacheGib <= 0) return 'no-kv-cache';
  if (maxConcurrentSequences < 1) return 'max-model-len-does-not-fit';
  return null;
}

/** Evaluate one configuration. Throws a UserError naming the field when `spec` is invalid. */
export function evaluateColocation(spec: ColocationInputSpec): ColocationMetrics {
  const input = parseColocationInput(spec);
  const gpu = resolveGpu(input.gpu);
  const model = resolveModel(input.vllm.model);
  const vllm = input.vllm;
  const kvBytes = kvBytesOf(model, vllm.kvCacheDtype);
  const activationPeakGib = vllm.activationPeakGib ?? model.activationPeakGib;
  const nonTorchGib = vllm.nonTorchGib ?? NON_TORCH_GIB;
  const cudaGraphGib = vllm.enforceEager ? 0 : (vllm.cudaGraphGib ?? CUDA_GRAPH_GIB);
  const profile = profileVllmMemory({
    totalGib: gpu.memGib,
    utilisation: vllm.gpuMemoryUtilization,
    weightsGib: model.weightsGib,
    activationPeakGib,
    nonTorchGib,
    cudaGraphGib,
    kvBytesPerToken: kvBytes,
    blockSize: vllm.blockSize,
    maxModelLen: vllm.maxModelLen,
  });

  const whisper = WHISPER_MODELS[input.whisper.size];
  const cudaContextsGib = 2 * input.cudaContextGib;
  const usedGib =
    cudaContextsGib + profile.reservationGib + whisper.memGib + input.otherProcessesGib;
  const headroomGib = gpu.memGib - usedGib;
  const oom = usedGib - gpu.memGib > ONE_BYTE_GIB;
  const failure = failureOf(oom, profile.kvCacheGib, profile.maxConcurrentSequences);
  const failed = failure !== null;

  const decode = decodeLatency({
    weightsGib: model.weightsGib,
    kvBytesPerToken: kvBytes,
    kvBlocks: failed ? 0 : profile.kvBlocks,
    blockSize: vllm.blockSize,
    maxNumSeqs: vllm.maxNumSeqs,
    contextTokens: input.load.llmContextTokens,
    concurrentRequests: input.load.llmConcurrentRequests,
    bandwidthGBps: gpu.bandwidthGBps,
  });
  const margin = input.safetyMarginGib;

  return {
    oom,
    failed,
    failure,
    kvCacheGib: profile.kvCacheGib,
    kvBlocks: profile.kvBlocks,
    maxConcurrentSequences: profile.maxConcurrentSequences,
    capacity: failed ? 0 : Math.min(profile.maxConcurrentSequences, vllm.maxNumSeqs),
    runningSequences: decode.runningSequences,
    llmLatencyMs: decode.llmLatencyMs,
    whisperLatencyMs: oom
      ? null
      : whisperLatencyMs(
          input.whisper.size,
          gpu.bandwidthGBps,
          input.load.whisperConcurrentRequests,
        ),
    whisperWerPercent: whisper.werPercent,
    gpuUtilPercent: (usedGib / gpu.memGib) * 100,
    stability: failed ? 0 : margin > 0 ? Math.min(1, headroomGib / margin) : 1,
    memory: {
      totalGib: gpu.memGib,
      cudaContextsGib,
      vllmReservationGib: profile.reservationGib,
      weightsGib: model.weightsGib,
      activationPeakGib,
      nonTorchGib,
      cudaGraphGib,
      whisperGib: whisper.memGib,
      otherProcessesGib: input.otherProcessesGib,
      usedGib,
      headroomGib,
    },
  };
}
