/**
 * GPU co-location: one GPU shared by a vLLM server, a Whisper model and other processes. Choose
 * vLLM's --gpu-memory-utilization and a Whisper size so that nothing runs out of memory, the
 * safety margin stays free, vLLM holds minCapacity sequences of maxModelLen, and Whisper meets
 * the WER limit. The evaluator calls `configure` once per problem and checks each answer
 * strictly: a single invalid configuration makes the program incorrect; null declines.
 */
export interface Input {
  gpu: { name: string; memGib: number };
  vllm: {
    model: string;
    weightsGib: number;
    kvBytesPerToken: number;
    maxModelLen: number;
    maxNumSeqs: number;
  };
  whisper: { size: string; memGib: number; werPercent: number }[];
  otherProcessesGib: number;
  /** Each of the two processes (vLLM, Whisper) holds one CUDA context of this size. */
  cudaContextGib: number;
  safetyMarginGib: number;
  requirements: { minCapacity: number; maxWhisperWerPercent: number | null };
  utilizationStep: number;
}

export interface Configuration {
  gpuMemoryUtilization: number;
  whisperSize: string;
}

const GIB = 2 ** 30;

// EVOLVE-BLOCK-START
/** vLLM's memory beyond its weights (activations, CUDA graphs, ...), a generous guess, GiB. */
const VLLM_OVERHEAD_GIB = 3;

/**
 * A cautious baseline: the most accurate Whisper size allowed; vLLM takes every step of memory
 * the others and the margin leave; its capacity is estimated with a generous overhead, and the
 * problem is declined when that estimate misses the requirement for every size.
 */
export function configure(input: Input): Configuration | null {
  const total = input.gpu.memGib;
  const allowed = input.whisper
    .filter(
      (w) =>
        input.requirements.maxWhisperWerPercent === null ||
        w.werPercent <= input.requirements.maxWhisperWerPercent,
    )
    .sort((a, b) => a.werPercent - b.werPercent || a.memGib - b.memGib);
  for (const w of allowed) {
    const othersGib =
      2 * input.cudaContextGib + w.memGib + input.otherProcessesGib + input.safetyMarginGib;
    let steps = Math.floor((total - othersGib) / total / input.utilizationStep);
    // Rounding must never put the share above what the others leave.
    while (steps > 0 && steps * input.utilizationStep * total + othersGib > total) steps--;
    if (steps <= 0) continue;
    const utilization = Number((steps * input.utilizationStep).toFixed(6));
    const kvGib = utilization * total - input.vllm.weightsGib - VLLM_OVERHEAD_GIB;
    const perSequenceGib = (input.vllm.kvBytesPerToken * input.vllm.maxModelLen) / GIB;
    const capacity = Math.min(input.vllm.maxNumSeqs, Math.floor(kvGib / perSequenceGib));
    if (capacity >= input.requirements.minCapacity)
      return { gpuMemoryUtilization: utilization, whisperSize: w.size };
  }
  return null;
}
// EVOLVE-BLOCK-END
