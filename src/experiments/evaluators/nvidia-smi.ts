/**
 * Readers for the two nvidia-smi queries the live evaluator runs. Both use NVIDIA's CSV format
 * without header and units (`--format=csv,noheader,nounits`): one line per GPU or process,
 * fields separated by ", ", and `[N/A]`, `[Not Supported]` (or another bracketed note) where
 * the driver has no value. Lines that are not records (an empty output, "No running processes
 * found", a driver error) are skipped, so callers decide what an empty answer means.
 */

/** Arguments of the per-GPU query that `parseGpuQuery` reads. */
export const GPU_QUERY_ARGS = [
  '--query-gpu=index,name,memory.total,memory.used,utilization.gpu',
  '--format=csv,noheader,nounits',
] as const;

/** Arguments of the per-process query that `parseComputeApps` reads. */
export const COMPUTE_APPS_ARGS = [
  '--query-compute-apps=pid,process_name,used_memory',
  '--format=csv,noheader,nounits',
] as const;

/** One GPU; a value the driver does not report is null. */
export interface GpuStatus {
  index: number;
  name: string;
  memoryTotalMib: number | null;
  memoryUsedMib: number | null;
  utilizationPercent: number | null;
}

/** One process holding GPU memory (`used_memory` is null when the driver hides it). */
export interface ComputeApp {
  pid: number;
  processName: string;
  usedMemoryMib: number | null;
}

/**
 * A numeric field: a plain number, tolerating a unit left in (`81559 MiB`, `12 %`) for output
 * made without `nounits`; anything else (`[N/A]`, `[Not Supported]`) is null.
 */
function numberField(field: string): number | null {
  const match = /^(-?\d+(?:\.\d+)?)\s*(?:MiB|%)?$/.exec(field.trim());
  return match ? Number(match[1]) : null;
}

/** Each non-empty line that matches `pattern`, as its match. */
function matchingLines(text: string, pattern: RegExp): RegExpExecArray[] {
  return text.split(/\r?\n/).flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [match] : [];
  });
}

/** `index, name, total, used, utilization`: the name is everything before the last three fields. */
const GPU_LINE = /^\s*(\d+)\s*,\s*(.*?)\s*,\s*([^,]*?)\s*,\s*([^,]*?)\s*,\s*([^,]*?)\s*$/;
/** `pid, process name, used memory`: the name is everything before the last field. */
const APP_LINE = /^\s*(\d+)\s*,\s*(.*?)\s*,\s*([^,]*?)\s*$/;

/** GPUs from `nvidia-smi` run with GPU_QUERY_ARGS (a name may contain commas). */
export function parseGpuQuery(text: string): GpuStatus[] {
  return matchingLines(text, GPU_LINE).map(([, index, name, total, used, utilization]) => ({
    index: Number(index),
    name: name!,
    memoryTotalMib: numberField(total!),
    memoryUsedMib: numberField(used!),
    utilizationPercent: numberField(utilization!),
  }));
}

/**
 * Processes from `nvidia-smi` run with COMPUTE_APPS_ARGS; no processes is an empty output (or
 * a "No running processes found" note) and gives []. A process name may contain commas.
 */
export function parseComputeApps(text: string): ComputeApp[] {
  return matchingLines(text, APP_LINE).map(([, pid, processName, used]) => ({
    pid: Number(pid),
    processName: processName!,
    usedMemoryMib: numberField(used!),
  }));
}

/** One probe of the GPU under test: before the load, during it, or right after it. */
export interface GpuSample {
  phase: 'before' | 'load' | 'after';
  gpu: GpuStatus;
  /** Processes on any GPU, or null when that query failed. */
  apps: ComputeApp[] | null;
}

/** Every metric summariseGpu can give. */
export const GPU_METRICS = [
  'gpuMemoryUsedMib',
  'gpuMemoryTotalMib',
  'gpuMemoryPercent',
  'gpuUtilPercent',
  'gpuUtilPeakPercent',
  'gpuProcesses',
] as const;

/** What the probes of one candidate say. */
export interface GpuSummary {
  /**
   * gpuMemoryUsedMib (the most seen), gpuMemoryTotalMib, gpuMemoryPercent, gpuUtilPercent
   * (mean over the probes during and right after the load), gpuUtilPeakPercent and
   * gpuProcesses (the most seen); each only when some probe reported it.
   */
  metrics: Record<string, number>;
  /** A probe saw the memory full (used >= total): the candidate is out of memory. */
  full: boolean;
}

function maxOf(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/** Sum up the probes of one candidate (see GpuSummary). */
export function summariseGpu(samples: readonly GpuSample[]): GpuSummary {
  const metrics: Record<string, number> = {};
  const used = maxOf(samples.map((s) => s.gpu.memoryUsedMib));
  const total = maxOf(samples.map((s) => s.gpu.memoryTotalMib));
  if (used !== null) metrics.gpuMemoryUsedMib = used;
  if (total !== null) metrics.gpuMemoryTotalMib = total;
  if (used !== null && total !== null && total > 0) metrics.gpuMemoryPercent = (100 * used) / total;
  const loaded = samples
    .filter((s) => s.phase !== 'before')
    .flatMap((s) => (s.gpu.utilizationPercent === null ? [] : [s.gpu.utilizationPercent]));
  if (loaded.length > 0)
    metrics.gpuUtilPercent = loaded.reduce((sum, v) => sum + v, 0) / loaded.length;
  const peak = maxOf(samples.map((s) => s.gpu.utilizationPercent));
  if (peak !== null) metrics.gpuUtilPeakPercent = peak;
  const processes = maxOf(samples.map((s) => (s.apps === null ? null : s.apps.length)));
  if (processes !== null) metrics.gpuProcesses = processes;
  const full = samples.some(
    (s) =>
      s.gpu.memoryUsedMib !== null &&
      s.gpu.memoryTotalMib !== null &&
      s.gpu.memoryUsedMib >= s.gpu.memoryTotalMib,
  );
  return { metrics, full };
}
