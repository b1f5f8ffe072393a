import { z } from 'zod';
import { seedSchema } from '../../core/rng.js';
import { UserError } from '../../core/errors.js';
import type { ParamValue, Params } from '../../evolve/genomes/params/index.js';
import { FAMILIES, generate } from '../../problems/prism/generate.js';
import { toProblem } from '../../problems/prism/model.js';
import { gapToBound } from '../../problems/prism/score.js';
import { solve } from '../../problems/prism/solvers/index.js';
import type { SearchKnobs } from '../../problems/prism/solvers/types.js';
import { DEFAULT_SEARCH_KNOBS } from '../../problems/prism/solvers/types.js';
import type { EvaluationContext, Evaluator, Measurement } from './types.js';
import { listed, valuesToTry, type CheckedSpec } from './values.js';

/** Scores the `search` solver's knobs on a generated PRISM family, by the gap to the lower bound. */
export const prismSolverEvaluatorSchema = z
  .object({
    kind: z.literal('prism-solver'),
    family: z.enum(FAMILIES).default('tight'),
    instances: z.number().int().min(1).max(1000).default(12),
    instanceSeed: seedSchema.default(1),
    solverSeed: seedSchema.default(0),
  })
  .strict();
export type PrismSolverEvaluatorSettings = z.infer<typeof prismSolverEvaluatorSchema>;

const STARTS: Record<string, SearchKnobs['starts']> = {
  'fast,greedy': ['fast', 'greedy'],
  'greedy,fast': ['greedy', 'fast'],
  fast: ['fast'],
  greedy: ['greedy'],
};

/** The knobs a parameter can set, by parameter name: what each takes. */
const KNOB_PARAMS: Record<string, { accepts: (value: ParamValue) => boolean; what: string }> = {
  kicks: { accepts: (v) => Number.isInteger(v) && Number(v) >= 0, what: 'an integer >= 0' },
  patience: { accepts: (v) => Number.isInteger(v) && Number(v) >= 0, what: 'an integer >= 0' },
  kick_strength: { accepts: (v) => Number.isInteger(v) && Number(v) >= 1, what: 'an integer >= 1' },
  starts: {
    accepts: (v) => typeof v === 'string' && Object.hasOwn(STARTS, v),
    what: `one of ${Object.keys(STARTS)
      .map((s) => JSON.stringify(s))
      .join(', ')}`,
  },
};

/**
 * Check before a run that each parameter of the search space is a knob of the solver (any
 * other would change nothing) and that every value the search may give it is one the knob
 * takes. A failure is a UserError naming the spec file and the parameter.
 */
export function checkPrismSolverParameters(spec: CheckedSpec, source: string): void {
  for (const [param, p] of Object.entries(spec.search_space)) {
    const knob = KNOB_PARAMS[param];
    if (!knob || !Object.hasOwn(KNOB_PARAMS, param))
      throw new UserError(
        `"${param}" is not a knob of the prism-solver evaluator, so it would change nothing; its parameters are ${listed(Object.keys(KNOB_PARAMS))}`,
        source,
        `search_space.${param}`,
      );
    for (const value of valuesToTry(p))
      if (!knob.accepts(value))
        throw new UserError(
          `the value ${JSON.stringify(value)} is not one the knob takes: expected ${knob.what}`,
          source,
          `search_space.${param}`,
        );
  }
}

/** Knobs from a candidate: parameters named like SearchKnobs fields; the rest keep defaults. */
export function knobsOf(params: Params): SearchKnobs {
  return {
    kicks: Number(params.kicks ?? DEFAULT_SEARCH_KNOBS.kicks),
    patience: Number(params.patience ?? DEFAULT_SEARCH_KNOBS.patience),
    kickStrength: Number(params.kick_strength ?? DEFAULT_SEARCH_KNOBS.kickStrength),
    starts: STARTS[String(params.starts ?? 'fast,greedy')] ?? DEFAULT_SEARCH_KNOBS.starts,
  };
}

/** A candidate whose instances took longer than its timeout: an error, as a timeout is. */
function timedOut(context: EvaluationContext, index: number, instances: number): Measurement {
  return {
    metrics: {},
    oom: false,
    error: `timed out after ${(context.timeoutMs / 1000).toFixed(1)} s, at instance ${index + 1} of ${instances}`,
    log: '',
  };
}

/**
 * Mean relative gap (%) of `search` to each instance's lower bound, over a generated family;
 * deterministic within the candidate's timeout (the knobs bound the work; the solver gets the
 * time left, and a candidate that runs past it is an error, not a partial result). `meanKicks`
 * (the local-search kicks made per instance) measures the work without a clock, so a tuner can
 * trade it against the gap reproducibly; `meanMs` is informative only (it depends on the machine).
 */
export function prismSolverEvaluator(settings: PrismSolverEvaluatorSettings): Evaluator {
  const problems = generate(settings.family, settings.instances, settings.instanceSeed).map(
    toProblem,
  );
  return {
    kind: 'prism-solver',
    reports: ['meanGapPercent', 'unplaced', 'meanKicks', 'meanMs'],
    evaluate(params: Params, context: EvaluationContext): Promise<Measurement> {
      const knobs = knobsOf(params);
      let gap = 0;
      let unplaced = 0;
      let kicks = 0;
      const started = performance.now();
      const end = started + context.timeoutMs;
      for (const [i, problem] of problems.entries()) {
        const result = solve('search', problem, {
          seed: settings.solverSeed,
          timeLimitMs: end - performance.now(),
          knobs,
        });
        // Past the timeout the solver may have stopped early: a partial result is no measurement.
        if (performance.now() > end) return Promise.resolve(timedOut(context, i, problems.length));
        kicks += result.kicks ?? 0;
        if (result.assignment === null) unplaced++;
        else gap += gapToBound(result.maxKvpr, result.lowerBound);
      }
      const ms = (performance.now() - started) / problems.length;
      const placed = problems.length - unplaced;
      return Promise.resolve({
        metrics: {
          meanGapPercent: placed ? (100 * gap) / placed : 100,
          unplaced,
          meanKicks: kicks / problems.length,
          meanMs: ms,
        },
        oom: false,
        error: unplaced ? `${unplaced} instances left without a placement` : null,
        log: `knobs ${JSON.stringify(knobs)}: gap ${((100 * gap) / Math.max(1, placed)).toFixed(4)} %`,
      });
    },
  };
}
