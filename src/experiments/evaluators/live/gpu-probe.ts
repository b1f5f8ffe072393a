import { tail } from '../command.js';
import {
  COMPUTE_APPS_ARGS,
  GPU_QUERY_ARGS,
  parseComputeApps,
  parseGpuQuery,
  type GpuSample,
} from '../nvidia-smi.js';
import { commandProblem } from './commands.js';
import type { Session } from './session.js';

/** How long one nvidia-smi query may take. */
const NVIDIA_SMI_TIMEOUT_MS = 15_000;

/**
 * Query nvidia-smi for the shared GPU and its compute processes, noting the answer in the
 * journal; null when nvidia-smi is not configured, the time is up, or the GPU cannot be read.
 */
export async function probeGpu(
  session: Session,
  phase: GpuSample['phase'],
): Promise<GpuSample | null> {
  const { nvidiaSmi } = session.settings;
  if (!nvidiaSmi || session.deadline.signal.aborted) return null;
  const query = async (args: readonly string[]): Promise<string | null> => {
    const command = `${nvidiaSmi.command} ${args.join(' ')}`;
    const timeout = Math.min(NVIDIA_SMI_TIMEOUT_MS, session.deadline.leftMs());
    const run = await session.runner.run(command, timeout, session.deadline.signal);
    const problem = commandProblem(run, `${(timeout / 1000).toFixed(1)} s`);
    if (problem === null) return run.stdout;
    session.journal.command(`nvidia-smi (${phase})`, command, run);
    return null;
  };
  const gpus = await query(GPU_QUERY_ARGS);
  const gpu =
    gpus === null ? undefined : parseGpuQuery(gpus).find((g) => g.index === nvidiaSmi.gpuIndex);
  if (!gpu) {
    if (gpus !== null)
      session.journal.note(
        `nvidia-smi (${phase}): no GPU ${nvidiaSmi.gpuIndex} in: ${tail(gpus, 500)}`,
      );
    return null;
  }
  const apps = await query(COMPUTE_APPS_ARGS);
  const sample: GpuSample = { phase, gpu, apps: apps === null ? null : parseComputeApps(apps) };
  session.journal.note(
    `nvidia-smi (${phase}): ${gpu.memoryUsedMib ?? '?'} of ${gpu.memoryTotalMib ?? '?'} MiB, ` +
      `${gpu.utilizationPercent ?? '?'} %, ${sample.apps?.length ?? '?'} processes`,
  );
  return sample;
}
