import { z } from 'zod';
import { relativePathProblem } from '../../core/paths.js';

/** Experiment names as promotion ids use them (the same rule as an experiment spec's `name`). */
export const EXPERIMENT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** `<experiment>-<yyyymmddhhmmss UTC>-<8 hex>`, e.g. `gpu-colocation-20250101120000-1a2b3c4d`. */
export const PROMOTION_ID = /^[a-z0-9][a-z0-9-]{0,63}-\d{14}-[0-9a-f]{8}$/;
/** A variable name an env file (and a shell) accepts. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A long command-line flag, e.g. `--gpu-memory-utilization`. */
const FLAG_NAME = /^--[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const finite = (what: string) =>
  z.number({ error: `expected ${what} as a finite number` }).refine(Number.isFinite, {
    error: `expected ${what} as a finite number`,
  });

export const paramValueSchema = z.union([z.string(), finite('a value'), z.boolean()], {
  error: 'expected a string, a finite number or a boolean',
});
export type PromotedValue = z.infer<typeof paramValueSchema>;

/**
 * The bounds a promoted value must keep, checked when the promotion is created and again when
 * it is applied: `min`/`max` for numbers, `allowed` for an explicit list of permitted values.
 * Same shape as a search-space parameter's `safety`.
 */
export const guardrailSchema = z
  .strictObject({
    min: finite('min').optional(),
    max: finite('max').optional(),
    allowed: z
      .array(paramValueSchema)
      .min(1, { error: 'allowed must list at least one value (or be left out)' })
      .optional(),
  })
  .refine((g) => g.min === undefined || g.max === undefined || g.min <= g.max, {
    error: 'min must not exceed max',
  });
export type Guardrail = z.infer<typeof guardrailSchema>;

/**
 * Where the promoted values go. `env`: a dotenv-style file of `KEY=value` lines, `map` gives
 * each parameter's variable name; `flags`: a file of `--name=value` lines, `map` gives each
 * parameter's flag. `file` is relative to the promotion file's folder and must stay inside it
 * (no absolute path, no `..` out of it, no symbolic link out of it: see resolveInside).
 */
export const applySchema = z
  .strictObject({
    target: z.enum(['env', 'flags']),
    file: z
      .string()
      .min(1, { error: 'expected the path of the file to write' })
      .superRefine((file, ctx) => {
        const problem = relativePathProblem(file);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            message: `${problem}; give a path relative to the promotion file's folder that stays inside it`,
          });
      }),
    map: z
      .record(z.string().min(1), z.string())
      .refine((map) => Object.keys(map).length > 0, { error: 'map at least one parameter' }),
  })
  .superRefine((apply, ctx) => {
    const [pattern, example] =
      apply.target === 'env' ? [ENV_NAME, 'GPU_MEMORY_UTILIZATION'] : [FLAG_NAME, '--gpu-memory'];
    const seen = new Map<string, string>();
    for (const [param, name] of Object.entries(apply.map)) {
      if (!pattern.test(name))
        ctx.addIssue({
          code: 'custom',
          path: ['map', param],
          message: `"${name}" is not a valid ${apply.target} name (e.g. ${example})`,
        });
      const other = seen.get(name);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['map', param],
          message: `"${name}" is already the target of "${other}"`,
        });
      seen.set(name, param);
    }
  });
export type PromotionApply = z.infer<typeof applySchema>;

const isoTime = (what: string) =>
  z.iso.datetime({ offset: true, error: `expected ${what} as an ISO 8601 date-time` });

/** Everything a promotion says, without its signature. */
const promotionBodySchema = z.strictObject({
  version: z.literal(1, { error: 'expected version 1' }),
  id: z.string().regex(PROMOTION_ID, {
    error: 'expected an id like "<experiment>-<yyyymmddhhmmss>-<8 hex digits>"',
  }),
  experiment: z.string().regex(EXPERIMENT_NAME, {
    error: 'expected an experiment name of lower-case letters, digits and dashes',
  }),
  createdAt: isoTime('createdAt'),
  expiresAt: isoTime('expiresAt'),
  params: z.record(z.string().min(1), paramValueSchema),
  metrics: z.record(z.string().min(1), finite('a metric')),
  fitness: finite('fitness').refine((f) => f >= 0, { error: 'fitness must not be negative' }),
  apply: applySchema,
  guardrails: z.record(z.string().min(1), guardrailSchema),
});
export type PromotionBody = z.infer<typeof promotionBodySchema>;

/**
 * A promotion file (JSON): the winner of a configuration experiment, ready for human review
 * and `evoplace experiment apply`.
 *
 * `signature` is the SHA-256 (hex) of the canonical JSON (object keys sorted, no spaces) of
 * every other field. It detects any edit of the file after it was made (integrity); it is not
 * proof of who made it (authenticity), since anyone who edits the file can recompute it. A keyed
 * signature (an HMAC with a secret held by the promoting machine) is the natural extension
 * where that matters.
 */
export const promotionSchema = promotionBodySchema
  .extend({
    signature: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256 in hex' }),
  })
  .superRefine((p, ctx) => {
    if (!p.id.startsWith(`${p.experiment}-`))
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: `expected the id to start with the experiment name "${p.experiment}-"`,
      });
    if (!(Date.parse(p.expiresAt) > Date.parse(p.createdAt)))
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after createdAt' });
    for (const param of Object.keys(p.apply.map))
      if (!Object.hasOwn(p.params, param))
        ctx.addIssue({
          code: 'custom',
          path: ['apply', 'map', param],
          message: `"${param}" is not one of the promoted params`,
        });
    for (const param of Object.keys(p.guardrails))
      if (!Object.hasOwn(p.params, param))
        ctx.addIssue({
          code: 'custom',
          path: ['guardrails', param],
          message: `"${param}" is not one of the promoted params`,
        });
    for (const param of Object.keys(p.apply.map)) {
      const value = p.params[param];
      if (typeof value === 'string' && /[\r\n\0]/.test(value))
        ctx.addIssue({
          code: 'custom',
          path: ['params', param],
          message: 'a value written to a line-based file must not contain line breaks or NUL',
        });
    }
  });
export type Promotion = z.infer<typeof promotionSchema>;
