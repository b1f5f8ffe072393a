import { Rng } from '../../core/rng.js';
import { COLOCATE_GPUS, COLOCATE_GPU_NAMES } from './gpus.js';
import { COLOCATE_MODEL_NAMES } from './llm-models.js';
import { colocateProblemSchema, type ColocateProblem } from './model.js';
import { WHISPER_SIZES } from './whisper.js';

const MODEL_LENGTHS = [2048, 4096, 8192, 16384, 32768];
const MIN_CAPACITIES = [1, 2, 4, 8, 16, 32];

/** `rng`'s pick of one element. */
function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

/**
 * `count` random problems, reproducible from `seed`: a catalogue GPU and LLM, a context length,
 * another tenant holding up to a third of the device, a non-empty set of Whisper sizes, a
 * required capacity, sometimes an accuracy floor for Whisper. Many are tight, some infeasible:
 * the mix an operator meets.
 */
export function generateColocateProblems(count: number, seed: number): ColocateProblem[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, index) => {
    const gpu = pick(rng, COLOCATE_GPU_NAMES);
    const memGib = COLOCATE_GPUS[gpu].memGib;
    const sizes = WHISPER_SIZES.filter(() => rng.float() < 0.5);
    const problem = colocateProblemSchema.parse({
      id: `colocate-${seed}-${index}`,
      gpu,
      vllm: { model: pick(rng, COLOCATE_MODEL_NAMES), maxModelLen: pick(rng, MODEL_LENGTHS) },
      whisper: { sizes: sizes.length ? sizes : [pick(rng, WHISPER_SIZES)] },
      load: { llmConcurrentRequests: rng.int(1, 33), whisperConcurrentRequests: rng.int(1, 5) },
      otherProcessesGib: Math.round(rng.uniform(0, memGib / 3) * 2) / 2,
      requirements: {
        minCapacity: pick(rng, MIN_CAPACITIES),
        ...(rng.float() < 0.3 ? { maxWhisperWerPercent: pick(rng, [3.1, 4.2, 5.6]) } : {}),
      },
    });
    return { ...problem, id: problem.id ?? `colocate-${seed}-${index}` };
  });
}
