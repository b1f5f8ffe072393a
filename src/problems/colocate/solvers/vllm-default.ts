import { VLLM_DEFAULT_UTILIZATION, type ColocateProblem } from '../model.js';
import { validateColocation } from '../validate.js';
import { sizesByAccuracy } from './grid.js';
import type { ColocateResult } from './types.js';

/**
 * The baseline: start both services without planning. vLLM takes its default share of the
 * device (0.9) and Whisper is the most accurate size offered. Often out of memory: the reason
 * this problem exists.
 */
export function solveVllmDefault(problem: ColocateProblem): ColocateResult {
  const solution = {
    gpuMemoryUtilization: VLLM_DEFAULT_UTILIZATION,
    whisperSize: sizesByAccuracy(problem)[0]!,
  };
  return {
    solution,
    report: validateColocation(problem, solution),
    evaluations: 1,
    explanation: null,
  };
}
