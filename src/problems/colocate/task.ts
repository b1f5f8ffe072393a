import {
  scoreAgainstReference,
  type CaseSet,
  type ProgramTaskSpec,
  type ScoredAnswers,
} from '../../core/program-task.js';
import { modelCard, resolveGpu } from './evaluate.js';
import { generateColocateProblems } from './generate.js';
import { colocateSolutionSchema, type ColocateProblem } from './model.js';
import { solveExhaustive } from './solvers/exhaustive.js';
import { validateColocation } from './validate.js';
import { WHISPER_MODELS } from './whisper.js';

/** Problems a program is scored on, and the seed of each case set. */
const CASES = 200;
const SEEDS: Record<CaseSet, number> = { run: 1, holdout: 2 };

/**
 * What a program is given of one problem: the problem and what the spec sheets say (device
 * memory, the model's weights and KV bytes per token, each Whisper size's memory and WER). Not
 * given: vLLM's own overheads (activations, CUDA graphs, non-torch memory), which the program
 * must allow for from what its scores teach it, as an operator learns them from OOMs.
 */
export interface ColocateTaskInput {
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
  cudaContextGib: number;
  safetyMarginGib: number;
  requirements: { minCapacity: number; maxWhisperWerPercent: number | null };
  utilizationStep: number;
}

/** One problem of the task: what the program sees, and the best configuration's figures. */
interface ColocateCase {
  problem: ColocateProblem;
  input: ColocateTaskInput;
  /** The exhaustive solver's capacity and WER, or null when no configuration is valid. */
  best: { capacity: number; werPercent: number } | null;
}

function caseOf(problem: ColocateProblem): ColocateCase {
  const gpu = resolveGpu(problem.gpu);
  const card = modelCard(problem.vllm);
  const input: ColocateTaskInput = {
    gpu: { name: gpu.name, memGib: gpu.memGib },
    vllm: {
      model: typeof problem.vllm.model === 'string' ? problem.vllm.model : problem.vllm.model.name,
      ...card,
      maxModelLen: problem.vllm.maxModelLen,
      maxNumSeqs: problem.vllm.maxNumSeqs,
    },
    whisper: problem.whisper.sizes.map((size) => ({
      size,
      memGib: WHISPER_MODELS[size].memGib,
      werPercent: WHISPER_MODELS[size].werPercent,
    })),
    otherProcessesGib: problem.otherProcessesGib,
    cudaContextGib: problem.cudaContextGib,
    safetyMarginGib: problem.safetyMarginGib,
    requirements: {
      minCapacity: problem.requirements.minCapacity,
      maxWhisperWerPercent: problem.requirements.maxWhisperWerPercent ?? null,
    },
    utilizationStep: problem.utilizationStep,
  };
  const { report } = solveExhaustive(problem);
  const best = report
    ? { capacity: report.metrics.capacity, werPercent: report.metrics.whisperWerPercent }
    : null;
  return { problem, input, best };
}

/** The seeded problems the task scores on, each with its best configuration's figures. */
export function colocateTaskCases(count = CASES, seed = SEEDS.run): ColocateCase[] {
  return generateColocateProblems(count, seed).map(caseOf);
}

/**
 * Score a program's configurations: any that is invalid (an OOM, vLLM unable to start, the
 * margin, capacity or accuracy not met, a size not offered) makes the program incorrect, as a
 * configuration that runs out of memory must never be applied; a null answer declines the case.
 * Each case scores the program's capacity over the best's, or at the best's capacity the best's
 * WER over the program's (1: as good as the best; 0: declined where a valid one exists); the
 * combined score is their mean.
 */
export function scoreColocateAnswers(
  cases: readonly ColocateCase[],
  answers: unknown[],
): ScoredAnswers {
  return scoreAgainstReference(
    cases.map((c) => c.best !== null),
    answers,
    (k, answer) => {
      const c = cases[k]!;
      const parsed = colocateSolutionSchema.safeParse(answer);
      if (!parsed.success)
        return `expected {gpuMemoryUtilization in (0, 1], whisperSize} or null: ${parsed.error.issues[0]!.message}`;
      const report = validateColocation(c.problem, parsed.data);
      if (!report.valid)
        return (
          `${c.input.gpu.name} with ${c.input.vllm.model} at utilization ` +
          `${parsed.data.gpuMemoryUtilization} and Whisper ${parsed.data.whisperSize}: ${report.errors.join('; ')}`
        );
      const { capacity, whisperWerPercent } = report.metrics;
      // A valid configuration the exhaustive search missed would be a bug of the search.
      if (!c.best) return 'a valid configuration where the exhaustive search found none';
      return capacity < c.best.capacity
        ? capacity / c.best.capacity
        : c.best.werPercent / whisperWerPercent;
    },
  );
}

/** GPU co-location as an evolution task: a policy that splits memory without a single OOM. */
export function colocateTask(set: CaseSet = 'run'): ProgramTaskSpec {
  const cases = colocateTaskCases(CASES, SEEDS[set]);
  return {
    name: 'colocate',
    description:
      "GPU co-location: choose vLLM's --gpu-memory-utilization (a multiple of utilizationStep) " +
      'and a Whisper size for one GPU shared with other processes, so that nothing runs out of ' +
      'memory, safetyMarginGib stays free, vLLM holds at least minCapacity sequences of ' +
      'maxModelLen, and Whisper meets the WER limit. Better: more vLLM capacity, then a more ' +
      "accurate Whisper. vLLM's own overheads beyond its weights are not given: learn them from " +
      `the feedback. Scored on ${CASES} seeded problems; a single invalid configuration makes the ` +
      'program incorrect. Export `configure(input)` returning {gpuMemoryUtilization, ' +
      'whisperSize}, or null to decline a problem.',
    entry: 'configure',
    inputs: cases.map((c) => [c.input]),
    score: (answers) => scoreColocateAnswers(cases, answers),
  };
}
