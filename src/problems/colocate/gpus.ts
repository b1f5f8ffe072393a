/**
 * The GPUs the co-location model knows by name: the memory CUDA lets processes allocate and the
 * peak memory bandwidth. Sources for every figure are in docs/colocate-model.md (§ GPU catalogue).
 */

/** A GPU as the model sees it. `memGib` is what CUDA reports as total; bandwidth is decimal GB/s. */
export interface ColocateGpu {
  name: string;
  memGib: number;
  bandwidthGBps: number;
}

/** MiB as `nvidia-smi` prints them, in GiB. */
const mib = (value: number): number => value / 1024;

/**
 * Built-in catalogue. A10G, T4 and L40S carry the total CUDA itself reports (PyTorch and vLLM
 * logs); the others carry the `nvidia-smi` total, about 1.3–1.7 % more than CUDA's on the three
 * GPUs where both are known, so they are slightly optimistic.
 */
export const COLOCATE_GPUS = {
  A10G: { memGib: 22.19, bandwidthGBps: 600 },
  L4: { memGib: mib(23034), bandwidthGBps: 300 },
  L40S: { memGib: 44.42, bandwidthGBps: 864 },
  'A100-40GB': { memGib: mib(40960), bandwidthGBps: 1555 },
  'A100-80GB': { memGib: mib(81920), bandwidthGBps: 2039 },
  'H100-SXM': { memGib: mib(81559), bandwidthGBps: 3350 },
  'RTX-4090': { memGib: mib(24564), bandwidthGBps: 1008 },
  T4: { memGib: 14.75, bandwidthGBps: 320 },
} as const satisfies Record<string, Omit<ColocateGpu, 'name'>>;

export type ColocateGpuName = keyof typeof COLOCATE_GPUS;

export const COLOCATE_GPU_NAMES = Object.keys(COLOCATE_GPUS) as [
  ColocateGpuName,
  ...ColocateGpuName[],
];

/** The catalogue entry for `name`, with its name. */
export function catalogueGpu(name: ColocateGpuName): ColocateGpu {
  return { name, ...COLOCATE_GPUS[name] };
}
