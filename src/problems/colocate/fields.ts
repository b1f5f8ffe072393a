import { z } from 'zod';
import { deviceMemoryTooLarge, MAX_DEVICE_MEMORY_GB } from '../../core/device-memory.js';
import { checked, refusalOf, unknownChoice } from '../../core/schema.js';

/**
 * Field schemas of the colocate formats, with messages in the user's terms: what was expected,
 * what was given, and the value meant when the given one is a near miss (`"Base"` for `"base"`).
 *
 * Each checks its value with a refinement rather than a type check (z.number(), z.enum()): the
 * catalogue-or-custom fields are unions, and zod explains a union's failure only when exactly one
 * form fails without aborting, which a failed type check does. Each is typed as the schema of
 * what it accepts, for callers.
 */

/** Far above any device's GB/s or any count of billions of parameters, small enough to keep sums exact. */
const MAX_VALUE = 1e6;
const MAX_COUNT = 1e8;

/** A finite number. */
export const finite = (field: string) =>
  checked<number>(
    (v) => typeof v === 'number' && Number.isFinite(v),
    `expected ${field} as a finite number`,
  );

/** A number > 0, or >= 0 with `orZero`, at most `max`; a larger one is refused with `tooLarge`'s words. */
const bounded = (field: string, orZero: boolean, max: number, tooLarge: (v: number) => string) =>
  finite(field)
    .refine((v) => (orZero ? v >= 0 : v > 0), {
      error: `${field} must be ${orZero ? '>=' : '>'} 0`,
    })
    .refine((v) => v <= max, { error: ({ input }) => tooLarge(input as number) });

export const positive = (field: string) =>
  bounded(field, false, MAX_VALUE, () => `${field} must be <= ${MAX_VALUE}`);

/**
 * GiB of one device's memory (the device's, a model's, a process's): > 0, or >= 0 with
 * `orZero`, and at most what any GPU holds, so that MiB typed as GiB is refused as such.
 */
export const deviceGib = (field: string, orZero = false) =>
  bounded(field, orZero, MAX_DEVICE_MEMORY_GB, (v) => deviceMemoryTooLarge(v, 'GiB')!);

export const count = (field: string, min: number) =>
  finite(field)
    .refine(Number.isInteger, { error: `${field} must be an integer` })
    .refine((v) => v >= min, { error: `${field} must be >= ${min}` })
    .refine((v) => v <= MAX_COUNT, { error: `${field} must be <= ${MAX_COUNT}` });

/** A share of the device's memory, as vLLM's `--gpu-memory-utilization` takes it. */
export const isMemoryShare = (v: unknown): v is number => typeof v === 'number' && v > 0 && v <= 1;

/** A share of the device's memory, refused as `expected a number above 0 and at most 1, got 0`. */
export const memoryShare = () =>
  checked<number>(isMemoryShare, 'expected a number above 0 and at most 1');

/** Text of 1 to 200 characters: a name or an id. One refinement: a failed one does not stop the next. */
export const text = (what: string) =>
  z.unknown().refine((v) => typeof v === 'string' && v.length > 0 && v.length <= 200, {
    error: ({ input }) =>
      typeof input !== 'string'
        ? refusalOf(`expected ${what} as text`, input)
        : input.length === 0
          ? `${what} must not be empty`
          : `${what} must be at most 200 characters`,
  }) as unknown as z.ZodType<string, string>;

/** `true` or `false`. */
export const trueOrFalse = () =>
  checked<boolean>((v) => typeof v === 'boolean', 'expected true or false');

/**
 * One of `names`. `expected` says what was (`expected a GPU name (A10G, ...)`; by default `expected
 * one of a, b`). `forms: 'text or object'` is for a union with an object form: a value that is not
 * text then aborts, so that zod reports the object form's own mistake.
 */
export function choice<const T extends readonly string[]>(
  names: T,
  expected = `expected one of ${names.join(', ')}`,
  forms: 'only' | 'text or object' = 'only',
): z.ZodType<T[number], T[number]> {
  const base: z.ZodType = forms === 'only' ? z.unknown() : z.string();
  return base.refine((v) => names.includes(v as string), {
    error: (issue) => unknownChoice(issue.input, names, expected),
  }) as unknown as z.ZodType<T[number], T[number]>;
}

/** A strict object that says what it expected (`expected vllm as {model, ...}`) when absent or not one. */
export function section<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'invalid_type' ? refusalOf(expected, issue.input) : undefined,
  });
}
