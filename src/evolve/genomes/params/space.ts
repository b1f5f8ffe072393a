import { z } from 'zod';
import { parseWith } from '../../../core/schema.js';
import { nearMiss } from '../../../core/near-miss.js';
import { gridCount, gridValue, onGrid, stepOf } from './grid.js';
import { valueKey } from './key.js';
import { safetyProblem } from './safety.js';

/** One parameter's setting. */
export type ParamValue = string | number | boolean;
/** A configuration: a value for every parameter of a search space, by parameter name. */
export type Params = Record<string, ParamValue>;

const finite = (what: string) =>
  z.number({ error: `expected ${what} as a finite number` }).refine(Number.isFinite, {
    error: `expected ${what} as a finite number`,
  });

const integer = (what: string) =>
  z
    .number({ error: `expected ${what} as an integer` })
    .int({ error: `${what} of an int parameter must be an integer` });

const paramValueSchema = z.union([z.string(), finite('a value'), z.boolean()], {
  error: 'expected a value as a string, a finite number or a boolean',
});

/**
 * Bounds a candidate must satisfy to be evaluated at all, usually stricter than the range:
 * `min`/`max` for numbers, `allowed` for an explicit list of permitted values.
 */
const safetySchema = z.strictObject({
  min: finite('safety.min').optional(),
  max: finite('safety.max').optional(),
  allowed: z
    .array(paramValueSchema)
    .min(1, { error: 'safety.allowed must list at least one value (or be left out)' })
    .optional(),
});

/** A discrete list of settings, e.g. Whisper sizes `['tiny', 'base', 'small']`. */
const choiceParamSchema = z.strictObject({
  type: z.literal('choice'),
  values: z.array(paramValueSchema).min(1, { error: 'a choice needs at least one value' }),
  safety: safetySchema.optional(),
});

/** Integers `min + k·step` in [min, max]; `log`: sampled and nudged on a log scale. */
const intParamSchema = z.strictObject({
  type: z.literal('int'),
  min: integer('min'),
  max: integer('max'),
  step: integer('step').optional(),
  log: z.boolean().optional(),
  safety: safetySchema.optional(),
});

/** Reals in [min, max], on the grid `min + k·step` when a step is given; `log` as for ints. */
const realParamSchema = z.strictObject({
  type: z.literal('real'),
  min: finite('min'),
  max: finite('max'),
  step: finite('step').optional(),
  log: z.boolean().optional(),
  safety: safetySchema.optional(),
});

export type ChoiceParam = z.infer<typeof choiceParamSchema>;
export type IntParam = z.infer<typeof intParamSchema>;
export type RealParam = z.infer<typeof realParamSchema>;
export type NumericParam = IntParam | RealParam;
export type ParamSpec = ChoiceParam | IntParam | RealParam;
export type Safety = NonNullable<ParamSpec['safety']>;

const PARAM_TYPES = ['choice', 'int', 'real'];

const paramSpecSchema = z
  .discriminatedUnion('type', [choiceParamSchema, intParamSchema, realParamSchema], {
    error: (issue) => {
      const input = issue.input as unknown;
      const given =
        typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : input;
      const meant = typeof given === 'string' ? nearMiss(given, PARAM_TYPES) : null;
      return `expected a parameter with type 'choice', 'int' or 'real'${meant ? `; did you mean '${meant}'?` : ''}`;
    },
  })
  .superRefine((spec, ctx) => {
    for (const problem of specProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
  });

/** A search space: parameter name → how its values range. Checked by {@link validateSpace}. */
export const searchSpaceSchema = z
  .record(z.string().min(1, { error: 'parameter names must not be empty' }), paramSpecSchema)
  .refine((space) => Object.keys(space).length > 0, {
    error: 'the search space must declare at least one parameter',
  });
export type SearchSpace = z.infer<typeof searchSpaceSchema>;

/**
 * Check a search space as the user wrote it. A mistake throws a UserError naming the source,
 * the parameter and key (`gpu_mem.min`) and the fix.
 */
export function validateSpace(space: unknown, source = 'search space'): SearchSpace {
  return parseWith(searchSpaceSchema, space, source);
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/** What is wrong with one parameter beyond its shape: ranges, steps, duplicates, safety. */
function specProblems(spec: ParamSpec): Problem[] {
  if (spec.type === 'choice') return choiceProblems(spec);
  const problems: Problem[] = [];
  if (spec.min > spec.max) {
    problems.push({
      path: ['min'],
      message: `min (${spec.min}) is greater than max (${spec.max}); swap them`,
    });
  }
  if (spec.step !== undefined && !(spec.step > 0)) {
    problems.push({ path: ['step'], message: `step must be > 0 (got ${spec.step})` });
  }
  if (spec.log && spec.min <= 0) {
    problems.push({
      path: ['min'],
      message: `a log-scale parameter needs min > 0 (got ${spec.min}); raise min or drop log`,
    });
  }
  if (problems.length === 0) problems.push(...numericSafetyProblems(spec));
  return problems;
}

function choiceProblems(spec: ChoiceParam): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  spec.values.forEach((value, i) => {
    const key = valueKey(value);
    if (seen.has(key)) {
      problems.push({
        path: ['values', i],
        message: `duplicate value ${JSON.stringify(value)}; list each value once`,
      });
    }
    seen.add(key);
  });
  const safety = spec.safety;
  if (!safety) return problems;
  if (
    (safety.min !== undefined || safety.max !== undefined) &&
    spec.values.some((v) => typeof v !== 'number')
  ) {
    problems.push({
      path: ['safety'],
      message: 'safety.min/max apply to numeric choices only; use safety.allowed instead',
    });
  }
  problems.push(...allowedProblems(safety, (v) => seen.has(valueKey(v))));
  if (problems.length === 0 && !spec.values.some((v) => safetyProblem(safety, v) === null)) {
    problems.push(noSafeValue());
  }
  return problems;
}

function numericSafetyProblems(spec: NumericParam): Problem[] {
  const safety = spec.safety;
  if (!safety) return [];
  const problems: Problem[] = [];
  if (safety.min !== undefined && safety.max !== undefined && safety.min > safety.max) {
    problems.push({
      path: ['safety', 'min'],
      message: `safety.min (${safety.min}) is greater than safety.max (${safety.max}); swap them`,
    });
  }
  problems.push(...allowedProblems(safety, (v) => typeof v === 'number' && onGrid(spec, v)));
  if (problems.length === 0 && !hasSafeValue(spec, safety)) problems.push(noSafeValue());
  return problems;
}

function allowedProblems(safety: Safety, possible: (v: ParamValue) => boolean): Problem[] {
  return (safety.allowed ?? []).flatMap((value, i) =>
    possible(value)
      ? []
      : [
          {
            path: ['safety', 'allowed', i],
            message: `${JSON.stringify(value)} is not a value of this parameter; remove it`,
          },
        ],
  );
}

function noSafeValue(): Problem {
  return {
    path: ['safety'],
    message: 'the safety bounds exclude every value of this parameter; widen them',
  };
}

/** Whether some value of a numeric parameter (on its grid, if any) passes its safety bounds. */
function hasSafeValue(spec: NumericParam, safety: Safety): boolean {
  if (safety.allowed) return safety.allowed.some((v) => safetyProblem(safety, v) === null);
  const low = Math.max(spec.min, safety.min ?? spec.min);
  const high = Math.min(spec.max, safety.max ?? spec.max);
  if (low > high) return false;
  const step = stepOf(spec);
  if (step === undefined) return true;
  const count = gridCount(spec)!;
  const first = Math.min(count - 1, Math.max(0, Math.ceil((low - spec.min) / step - 1e-9)));
  return safetyProblem(safety, gridValue(spec, first)) === null;
}
