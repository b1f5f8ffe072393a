import { evaluateColocation, ONE_BYTE_GIB, type ColocationMetrics } from './evaluate.js';
import { configurationOf, type ColocateProblem, type ColocateSolution } from './model.js';

export interface ColocateReport {
  valid: boolean;
  /** Every rule the configuration breaks, each a sentence naming the figures. */
  errors: string[];
  metrics: ColocationMetrics;
}

/** The device does not run out of memory and at least `marginGib` stays free (to the byte). */
export function keepsMargin(metrics: ColocationMetrics, marginGib: number): boolean {
  return !metrics.oom && metrics.memory.headroomGib >= marginGib - ONE_BYTE_GIB;
}

const gib = (value: number, digits = 4): string => `${Number(value.toPrecision(digits))} GiB`;

/**
 * Two amounts compared in a message, to 4 significant digits, or as many more as tell them
 * apart (a KiB short of the margin is not `1 GiB stays free, less than ... 1 GiB`).
 */
function gibApart(a: number, b: number): [string, string] {
  let digits = 4;
  while (digits < 12 && gib(a, digits) === gib(b, digits)) digits++;
  return [gib(a, digits), gib(b, digits)];
}

/**
 * The strict checker: the Whisper size is one the problem offers; vLLM starts (its KV cache
 * holds a sequence of maxModelLen); the device does not run out of memory and keeps the safety
 * margin free; the capacity and Whisper accuracy meet the problem's requirements.
 */
export function validateColocation(
  problem: ColocateProblem,
  solution: ColocateSolution,
): ColocateReport {
  const metrics = evaluateColocation(configurationOf(problem, solution));
  const errors: string[] = [];
  const { memory } = metrics;
  if (!problem.whisper.sizes.includes(solution.whisperSize)) {
    errors.push(
      `Whisper ${solution.whisperSize} is not among the sizes offered (${problem.whisper.sizes.join(', ')})`,
    );
  }
  if (metrics.failure === 'oom') {
    const [used, total] = gibApart(memory.usedGib, memory.totalGib);
    errors.push(`out of memory: the processes claim ${used} of the device's ${total}`);
  } else if (!keepsMargin(metrics, problem.safetyMarginGib)) {
    const [free, margin] = gibApart(memory.headroomGib, problem.safetyMarginGib);
    errors.push(`${free} stays free, less than the safety margin of ${margin}`);
  }
  if (metrics.failure === 'no-kv-cache') {
    errors.push(
      `vLLM refuses to start: its share (${gib(memory.vllmReservationGib)}) leaves no memory for the KV cache`,
    );
  } else if (metrics.failure === 'max-model-len-does-not-fit') {
    errors.push(
      `vLLM refuses to start: its KV cache (${gib(metrics.kvCacheGib)}) cannot hold one sequence of maxModelLen ${problem.vllm.maxModelLen}`,
    );
  }
  const { minCapacity, maxWhisperWerPercent } = problem.requirements;
  if (!metrics.failed && metrics.capacity < minCapacity) {
    errors.push(
      `capacity ${metrics.capacity} concurrent sequences is below the required ${minCapacity}`,
    );
  }
  if (maxWhisperWerPercent !== undefined && metrics.whisperWerPercent > maxWhisperWerPercent) {
    errors.push(
      `Whisper ${solution.whisperSize} has WER ${metrics.whisperWerPercent} %, above the allowed ${maxWhisperWerPercent} %`,
    );
  }
  return { valid: errors.length === 0, errors, metrics };
}
