import {
  scoreAgainstReference,
  type CaseSet,
  type ProgramTaskSpec,
  type ScoredAnswers,
} from '../../core/program-task.js';
import { generateLlmProblems, type GeneratedLlmProblem } from './generate.js';
import { typeLinks } from './links.js';
import type { Placement } from './model.js';
import { ROOFLINE_MODEL } from './perf/roofline.js';
import {
  cheapestPerToken,
  paretoFrontier,
  stageOptions,
  toPlacement,
  type StageOption,
} from './solvers/frontier.js';
import { validatePlacement } from './validate.js';

/** Problems a program is scored on, and the seed of each case set. */
const CASES = 40;
const SEEDS: Record<CaseSet, number> = { run: 1, holdout: 2 };

/** What a program is given of one problem: everything a placement's cost and speed depend on. */
export interface LlmTaskInput {
  layers: number;
  maxStages: number;
  batch: number;
  gpuTypes: { name: string; count: number; usdPerHour: number; memoryGb: number }[];
  /** Every stage the model allows: `layers` layers on `tp` GPUs of `gpuType`, at `tokensPerSec`. */
  options: { gpuType: string; tp: number; layers: number; tokensPerSec: number }[];
  /** End-to-end tokens/s of a pipeline of s stages per token/s of its slowest stage, at [s − 1]. */
  pipelineFactor: number[];
  /** May a stage on gpuTypes[a] feed one on gpuTypes[b]? null: any may. */
  typeLinks: boolean[][] | null;
}

/** One problem of the task: what the program sees, and what the scorer needs. */
interface LlmCase extends GeneratedLlmProblem {
  input: LlmTaskInput;
  options: StageOption[];
  /** The exact least $ per million tokens (paretoFrontier), or null when nothing fits. */
  best: number | null;
}

function caseOf(generated: GeneratedLlmProblem): LlmCase {
  const { problem, batch } = generated;
  const rated = ROOFLINE_MODEL.atBatch(problem, batch);
  const options = stageOptions(problem, rated, ROOFLINE_MODEL.stageSizes(problem.config));
  const maxStages = problem.config.max_pipeline_stages;
  const input: LlmTaskInput = {
    layers: problem.config.num_decoder_layers,
    maxStages,
    batch,
    gpuTypes: problem.types.map(({ name, count, usdPerHour, memoryGb }) => ({
      name,
      count,
      usdPerHour,
      memoryGb,
    })),
    options: options.map((o) => ({
      gpuType: problem.types[o.type]!.name,
      tp: o.tp,
      layers: o.layers,
      tokensPerSec: o.tokensPerSec,
    })),
    pipelineFactor: Array.from({ length: maxStages }, (_, s) =>
      rated.endToEndTokensPerSec(1, s + 1),
    ),
    typeLinks: typeLinks(problem),
  };
  const best = cheapestPerToken(paretoFrontier(problem, batch, ROOFLINE_MODEL));
  return { ...generated, input, options, best: best?.usdPerMillionTokens ?? null };
}

/**
 * The placement a program's answer (stages in pipeline order, each `{gpuType, tp, layers}`)
 * stands for, with GPUs assigned and its cost and speed computed here; or why it is none.
 */
function placementOf(c: LlmCase, answer: unknown): Placement | string {
  if (!Array.isArray(answer)) return 'the answer is not a list of stages (or null)';
  const picks: StageOption[] = [];
  for (const [k, stage] of answer.entries()) {
    const { gpuType, tp, layers } = (stage ?? {}) as Record<string, unknown>;
    const option = c.options.find(
      (o) => c.problem.types[o.type]!.name === gpuType && o.tp === tp && o.layers === layers,
    );
    if (!option)
      return `stages[${k}]: no stage of ${String(layers)} layers on ${String(tp)} × ${String(gpuType)} is among the options`;
    picks.push(option);
  }
  if (picks.length === 0) return 'no stages';
  const fault = pipelineFault(c.input, answer as { gpuType: string; tp: number; layers: number }[]);
  if (fault) return fault;
  const placement = toPlacement(c.problem, picks, ROOFLINE_MODEL.atBatch(c.problem, c.batch));
  const errors = validatePlacement(c.problem, ROOFLINE_MODEL, c.batch, placement);
  return errors.length ? errors.slice(0, 3).join('; ') : placement;
}

/**
 * What is wrong with a pipeline of stages each among the options, in the names of the input the
 * program was given (the full check that follows speaks of GPU ids and layer numbers, which it
 * never sees); null when nothing is.
 */
function pipelineFault(
  input: LlmTaskInput,
  stages: readonly { gpuType: string; tp: number; layers: number }[],
): string | null {
  if (stages.length > input.maxStages)
    return `${stages.length} stages; at most maxStages (${input.maxStages})`;
  const layers = stages.reduce((sum, stage) => sum + stage.layers, 0);
  if (layers !== input.layers)
    return `the stages hold ${layers} layers in all; the model has ${input.layers} (layers)`;
  for (const [t, type] of input.gpuTypes.entries()) {
    const used = stages.reduce(
      (sum, stage) => sum + (stage.gpuType === type.name ? stage.tp : 0),
      0,
    );
    if (used > type.count)
      return `the stages use ${used} GPUs of ${type.name}; gpuTypes[${t}].count is ${type.count}`;
  }
  const typeIndex = (name: string): number => input.gpuTypes.findIndex((t) => t.name === name);
  for (let k = 1; k < stages.length && input.typeLinks; k++) {
    const [a, b] = [typeIndex(stages[k - 1]!.gpuType), typeIndex(stages[k]!.gpuType)];
    if (!input.typeLinks[a]![b])
      return `stages[${k - 1}] → stages[${k}]: typeLinks[${a}][${b}] is false (${stages[k - 1]!.gpuType} may not feed ${stages[k]!.gpuType})`;
  }
  return null;
}

/**
 * Score a program's answers: an invalid placement makes it incorrect (score 0), as does a
 * placement claimed where none fits. Each case scores the exact least $ per million tokens over
 * the program's (1: optimal; 0: no answer where one exists); the combined score is their mean.
 */
export function scoreLlmAnswers(cases: readonly LlmCase[], answers: unknown[]): ScoredAnswers {
  return scoreAgainstReference(
    cases.map((c) => c.best !== null),
    answers,
    (k, answer) => {
      const c = cases[k]!;
      const placement = placementOf(c, answer);
      if (typeof placement === 'string') return placement;
      // A valid placement where the exact frontier has none would be a bug of the frontier.
      return c.best === null
        ? 'a placement where none should fit'
        : c.best / placement.usdPerMillionTokens;
    },
  );
}

/** The seeded problems the task scores on, each with its exact optimum. */
export function llmTaskCases(count = CASES, seed = SEEDS.run): LlmCase[] {
  return generateLlmProblems(count, seed).map(caseOf);
}

/** LLM placement as an evolution task: cheapest $ per million tokens, against the exact optimum. */
export function llmTask(set: CaseSet = 'run'): ProgramTaskSpec {
  const cases = llmTaskCases(CASES, SEEDS[set]);
  return {
    name: 'llm',
    description:
      "LLM placement: split one model's decoder layers into pipeline stages, each on a " +
      'tensor-parallel group of GPUs of one type, to serve at the least $ per million tokens. ' +
      'A pipeline runs at its slowest stage times pipelineFactor[stages - 1]; it costs the sum of ' +
      "its GPUs' usdPerHour; $/Mtok = usdPerHour / (tokens/s × 3600) × 1e6. Stages cover layers " +
      '1..layers in order, at most maxStages, within each type’s GPU count, consecutive types ' +
      `allowed by typeLinks. Scored on ${CASES} seeded pools: mean of (exact least $/Mtok ÷ ` +
      'yours), 1 is optimal; an invalid placement makes the program incorrect. Export ' +
      '`place(input)` returning the stages in pipeline order as [{gpuType, tp, layers}], one of ' +
      'input.options each, or null when nothing fits.',
    entry: 'place',
    inputs: cases.map((c) => [c.input]),
    score: (answers) => scoreLlmAnswers(cases, answers),
  };
}
