/**
 * vLLM's start-up memory accounting (vllm/v1/worker/gpu_worker.py, `determine_available_memory`,
 * and vllm/utils/mem_utils.py, `memory_profiling`): the instance may use
 * `gpu_memory_utilization × total`; weights, the activation peak of a profile run, non-torch
 * memory and the estimated CUDA-graph pool are taken out of it, and the KV cache gets the rest,
 * cut into blocks of `block_size` tokens.
 */

const GIB = 2 ** 30;

/** Non-torch memory of a single-GPU instance, GiB (vLLM PR #21489 log: 0.07 GiB). */
export const NON_TORCH_GIB = 0.07;
/**
 * CUDA-graph pool charged to the budget, GiB. Assumption: logged pools range 0.11–0.65 GiB
 * (vLLM PRs #11349, #21489, gpustack/runner#251); 0.5 GiB for a 7–8B model. Zero with
 * `--enforce-eager`.
 */
export const CUDA_GRAPH_GIB = 0.5;

export interface VllmMemoryInput {
  /** Device total as CUDA reports it. */
  totalGib: number;
  /** `--gpu-memory-utilization`, in (0, 1]. */
  utilisation: number;
  weightsGib: number;
  activationPeakGib: number;
  nonTorchGib: number;
  cudaGraphGib: number;
  kvBytesPerToken: number;
  blockSize: number;
  maxModelLen: number;
}

export interface VllmMemory {
  /** `utilisation × total`: what the instance claims, whatever it holds. */
  reservationGib: number;
  /** Reservation left for the KV cache; negative means vLLM refuses to start. */
  kvCacheGib: number;
  kvBlocks: number;
  /** Blocks one sequence of `maxModelLen` tokens needs. */
  blocksPerSequence: number;
  /** Sequences of `maxModelLen` tokens whose KV cache fits at once (0: vLLM refuses to start). */
  maxConcurrentSequences: number;
}

/** The instance's reservation, its KV cache and how many full-length sequences it holds. */
export function profileVllmMemory(m: VllmMemoryInput): VllmMemory {
  const reservationGib = m.utilisation * m.totalGib;
  const kvCacheGib =
    reservationGib - m.weightsGib - m.activationPeakGib - m.nonTorchGib - m.cudaGraphGib;
  const kvBlocks = kvBlocksFor(kvCacheGib, m.kvBytesPerToken, m.blockSize);
  const blocksPerSequence = Math.ceil(m.maxModelLen / m.blockSize);
  return {
    reservationGib,
    kvCacheGib,
    kvBlocks,
    blocksPerSequence,
    maxConcurrentSequences: Math.floor(kvBlocks / blocksPerSequence),
  };
}

/** Whole blocks of `blockSize` tokens that `kvCacheGib` holds (0 when it is not positive). */
export function kvBlocksFor(
  kvCacheGib: number,
  kvBytesPerToken: number,
  blockSize: number,
): number {
  if (kvCacheGib <= 0) return 0;
  return Math.floor((kvCacheGib * GIB) / (blockSize * kvBytesPerToken));
}
