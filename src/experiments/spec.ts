import { z } from 'zod';
import { seedSchema } from '../core/rng.js';
import { searchSpaceSchema } from '../evolve/genomes/params/index.js';
import { applySchema } from './promotion/schema.js';
import { relativePathProblem } from '../core/paths.js';
import { baselineProblems } from './baseline.js';

/**
 * How one metric turns into a score in [0, 1]: `up` and `down` scale linearly over `range`
 * (clamped), `target` scores 1 at `target` and falls to 0 at `tolerance` away from it.
 */
export const metricSchema = z
  .object({
    direction: z.enum(['up', 'down', 'target']),
    weight: z.number().min(0).max(1e6),
    range: z
      .tuple([z.number().finite(), z.number().finite()])
      .refine(([lo, hi]) => hi > lo, 'range must be [low, high] with high > low')
      .optional(),
    target: z.number().finite().optional(),
    tolerance: z.number().positive().max(1e12).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.direction === 'target' && (m.target === undefined || m.tolerance === undefined))
      ctx.addIssue({ code: 'custom', message: 'a `target` metric needs `target` and `tolerance`' });
    if (m.direction !== 'target' && m.range === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `an \`${m.direction}\` metric needs \`range: [low, high]\``,
      });
  });
export type MetricSpec = z.infer<typeof metricSchema>;

/** Built-in evaluators take their settings here; `command` and `live` are checked by their own schemas. */
export const evaluatorSpecSchema = z
  .object({ kind: z.enum(['colocate-model', 'prism-solver', 'command', 'live']) })
  .passthrough();

export const budgetSchema = z
  .object({
    max_candidates: z.number().int().min(1).max(1_000_000).default(40),
    max_generations: z.number().int().min(1).max(100_000).default(4),
    population: z.number().int().min(1).max(100_000).default(10),
    candidate_timeout_sec: z.number().positive().max(86_400).default(60),
    wall_clock_sec: z
      .number()
      .positive()
      .max(30 * 86_400)
      .default(3600),
  })
  .strict();

export const selectorSchema = z
  .object({
    tournament_size: z.number().int().min(1).max(1000).default(3),
    elitism: z.number().int().min(0).max(1000).default(1),
    survivors: z.number().int().min(1).max(100_000).default(5),
    crossover_rate: z.number().min(0).max(1).default(0.5),
    mutation_strength: z.number().min(0).max(10).default(0.2),
    random_fraction: z.number().min(0).max(1).default(0.2),
    /** Stop after this many generations without a better fitness (0: never). */
    plateau_generations: z.number().int().min(0).max(100_000).default(0),
  })
  .strict();

export const promotionSpecSchema = z
  .object({
    target: z.enum(['env', 'flags']),
    /** The env or flags file, relative to the spec's folder (a built-in's: the current one). */
    file: z.string().min(1),
    /** Parameter → environment variable (env) or flag (flags). */
    map: z.record(z.string(), z.string().min(1)),
    ttl_hours: z
      .number()
      .positive()
      .max(24 * 3650)
      .default(168),
    /** A winner below this fitness is not promoted. */
    min_fitness: z.number().min(0).max(1).default(0),
  })
  .strict();

export const artefactsSchema = z
  .object({
    max_count: z.number().int().min(0).max(1_000_000).default(200),
    max_bytes: z
      .number()
      .int()
      .min(0)
      .max(1e12)
      .default(50 * 1024 * 1024),
  })
  .strict();

/** An experiment, close to D-REAM's layout. Keys are snake_case as in D-REAM's YAML. */
export const experimentSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and dashes (at most 64)'),
    description: z.string().max(10_000).default('').describe('What the experiment is for.'),
    seed: seedSchema
      .default(0)
      .describe('Seed of every random choice: the same spec and seed give the same run.'),
    search_space: searchSpaceSchema.describe(
      'Parameter name → {type: choice, values} | {type: int|real, min, max, step?, log?}, each with optional safety {min, max, allowed}.',
    ),
    baseline: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe(
        'The configuration in service today: evaluated first, so every run measures against it.',
      ),
    evaluator: evaluatorSpecSchema.describe(
      "kind: colocate-model | prism-solver | command | live, and that evaluator's settings.",
    ),
    budget: budgetSchema
      .prefault({})
      .describe('Every limit is enforced; the first reached stops the run.'),
    metrics: z
      .record(z.string(), metricSchema)
      .refine((m) => Object.keys(m).length > 0, 'name at least one metric')
      .describe(
        'Metric → direction up|down (with range) or target (with target, tolerance), and weight.',
      ),
    selector: selectorSchema
      .prefault({})
      .describe(
        'Random k-way tournament, elitism, survivors, crossover, mutation, random injection, plateau stop.',
      ),
    promotion: promotionSpecSchema
      .optional()
      .describe('How the winner is written for `experiment apply`: env file or flags file.'),
    artefacts: artefactsSchema
      .prefault({})
      .describe('Per-candidate logs kept, by count and bytes.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const total = Object.values(spec.metrics).reduce((a, m) => a + m.weight, 0);
    if (!(total > 0))
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: 'metric weights must not all be 0',
      });
    const { baseline } = spec;
    if (baseline)
      for (const { key, message } of baselineProblems(baseline, spec.search_space))
        ctx.addIssue({
          code: 'custom',
          path: Object.hasOwn(baseline, key) ? ['baseline', key] : ['baseline'],
          message,
        });
    for (const param of Object.keys(spec.promotion?.map ?? {}))
      if (!Object.hasOwn(spec.search_space, param))
        ctx.addIssue({
          code: 'custom',
          path: ['promotion', 'map', param],
          message: `"${param}" is not a parameter of search_space`,
        });
    if (spec.selector.elitism > spec.budget.population)
      ctx.addIssue({
        code: 'custom',
        path: ['selector', 'elitism'],
        message: `${spec.selector.elitism} elites do not fit in a population of ${spec.budget.population}; keep at most ${spec.budget.population}`,
      });
    if (spec.promotion) checkPromotion(spec.promotion, spec.search_space, ctx);
  });

/**
 * What the promotion file of a winner will need, checked before any run: `file` a relative
 * path inside the spec's folder, `map` names its target accepts (once each), and no value of a
 * promoted choice that a line-based file cannot hold.
 */
function checkPromotion(
  promotion: z.infer<typeof promotionSpecSchema>,
  space: z.infer<typeof searchSpaceSchema>,
  ctx: z.RefinementCtx,
): void {
  const problem = relativePathProblem(promotion.file);
  if (problem)
    ctx.addIssue({
      code: 'custom',
      path: ['promotion', 'file'],
      message: `${problem}; give a path relative to the spec's folder (the current directory for a built-in experiment) that stays inside it`,
    });
  const { target, map } = promotion;
  const apply = applySchema.safeParse({ target, map, file: 'checked-above' });
  for (const issue of apply.error?.issues ?? [])
    if (issue.path[0] === 'map')
      ctx.addIssue({ code: 'custom', path: ['promotion', ...issue.path], message: issue.message });
  for (const param of Object.keys(promotion.map)) {
    const p = space[param];
    if (p?.type !== 'choice') continue;
    p.values.forEach((value, i) => {
      if (typeof value === 'string' && /[\r\n\0]/.test(value))
        ctx.addIssue({
          code: 'custom',
          path: ['search_space', param, 'values', i],
          message: `"${param}" is promoted to a line-based file, so its values must not contain line breaks or NUL`,
        });
    });
  }
}

export type ExperimentSpec = z.infer<typeof experimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
