import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { userErrorText } from '../../test/helpers.js';
import { parseYaml } from './io.js';
import { seedSchema } from './rng.js';
import { fieldsAt, parseWith, UNKNOWN_FIELD } from './schema.js';

/** What parseWith says of data against `schema`, read from `source` ('accepted' if nothing). */
const refusalBy =
  (schema: z.ZodType, source: string, prefix?: string) =>
  (data: unknown): string =>
    userErrorText(() => parseWith(schema, data, source, prefix));

const refusal = refusalBy(z.record(z.string(), z.unknown()), 'spec.yaml', 'search_space');

describe('parseWith', () => {
  it('refuses a "__proto__" key, which a record would drop without a word, naming its path', () => {
    // As YAML and JSON give it: an own key.
    expect(refusal(parseYaml('__proto__: {type: choice}\nb: 1\n', 'spec.yaml'))).toBe(
      'spec.yaml: search_space: __proto__: the name "__proto__" is not allowed (a JavaScript object cannot hold it as a key); rename it',
    );
    expect(refusal(JSON.parse('{"a": [{"b": 1}, {"__proto__": 2}]}'))).toMatch(
      /^spec\.yaml: search_space: a\[1\]\.__proto__: /,
    );
    expect(refusal({ a: [1, { constructor: 2 }], prototype: 3 })).toBe('accepted');
  });
});

describe('parseWith on a value out of its bounds', () => {
  const limits = z.object({
    islands: z.number().int().min(1).max(64),
    rate: z.number().gt(0).optional(),
    models: z.array(z.string()).max(2).optional(),
    name: z.string().min(2).optional(),
    top: z.number().int().max(5).optional(),
  });
  const refusalOf = refusalBy(limits, 'evolve.yaml');

  it("says the bound in our words, with what came, and the field's own bound first", () => {
    expect(refusalOf({ islands: 1000 })).toBe(
      'evolve.yaml: islands: expected at most 64, got 1000',
    );
    expect(refusalOf({ islands: 0 })).toBe('evolve.yaml: islands: expected at least 1, got 0');
    // zod's safe-integer check comes first; the field's own bound is what to write.
    expect(refusalOf({ islands: 2 ** 53 + 1 })).toBe(
      'evolve.yaml: islands: expected at most 64, got 9007199254740992',
    );
    expect(refusalOf(parseYaml('islands: !!binary aGVsbG8=\n', 'evolve.yaml'))).toBe(
      'evolve.yaml: islands: expected a number, got binary data (5 bytes)',
    );
    expect(refusalOf({ islands: 2, rate: 0 })).toBe('evolve.yaml: rate: expected above 0, got 0');
    expect(refusalOf({ islands: 2, models: ['a', 'b', 'c'] })).toBe(
      'evolve.yaml: models: expected at most 2 items, got 3',
    );
    expect(refusalOf({ islands: 2, name: 'a' })).toBe(
      'evolve.yaml: name: expected at least 2 characters, got 1',
    );
    // A schema's own message is kept as written.
    const own = z.object({ n: z.number().max(3, { error: 'n must be <= 3 (three lanes)' }) });
    expect(() => parseWith(own, { n: 4 }, 'x.json')).toThrow('n must be <= 3 (three lanes)');
  });
});

describe('parseWith on a key a strict object does not have', () => {
  const gpu = z.strictObject({ memGb: z.number(), count: z.number().int().default(1) });
  const instance = z.strictObject({
    gpus: z.array(gpu).default([]),
    pools: z.record(z.string(), gpu.optional()),
    solver: z.union([
      z.strictObject({ kind: z.literal('milp'), timeLimit: z.number() }),
      z.strictObject({ kind: z.literal('greedy'), order: z.string() }),
    ]),
    next: z.lazy(() => z.strictObject({ steps: z.number() })).transform((v) => v.steps),
  });
  const refusal = refusalBy(instance, 'in.json');
  const valid = { pools: {}, solver: { kind: 'milp', timeLimit: 1 }, next: { steps: 2 } };

  it('names the field a misspelt key seems to mean, before the field it leaves missing', () => {
    expect(refusal({ ...valid, gpus: [{ memGb: 1 }, { memgb: 80 }] })).toBe(
      'in.json: gpus[1].memgb: unknown field; did you mean "memGb"?',
    );
    expect(refusal({ ...valid, pools: { a: { memGb: 1, cuont: 2 } } })).toBe(
      'in.json: pools.a.cuont: unknown field; did you mean "count"?',
    );
    expect(refusal({ ...valid, next: { steps: 2, step: 1 } })).toBe(
      'in.json: next.step: unknown field; did you mean "steps"?',
    );
    expect(refusal({ ...valid, solvr: {} })).toBe(
      'in.json: solvr: unknown field; did you mean "solver"?',
    );
  });

  it('names the allowed value a misspelt one seems to mean', () => {
    const kinds = z.strictObject({ kind: z.enum(['colocate-model', 'prism-solver', 'live']) });
    const refusalOf = refusalBy(kinds, 'spec.yaml', 'evaluator');
    expect(refusalOf({ kind: 'colocate-modle' })).toBe(
      'spec.yaml: evaluator: kind: expected one of colocate-model, prism-solver, live, got "colocate-modle"; did you mean "colocate-model"?',
    );
    expect(refusalOf({ kind: 'shell' })).toBe(
      'spec.yaml: evaluator: kind: expected one of colocate-model, prism-solver, live, got "shell"',
    );
    expect(refusalOf({})).toBe(
      'spec.yaml: evaluator: kind: missing; expected one of colocate-model, prism-solver, live',
    );
  });

  it('says only "unknown field" when nothing is close, and keeps other faults first', () => {
    expect(refusal({ ...valid, colour: 'red' })).toBe(`in.json: colour: ${UNKNOWN_FIELD}`);
    expect(refusal({ ...valid, gpus: [{ memGb: 'x', colour: 1 }] })).toMatch(
      /^in\.json: gpus\[0\]\.memGb: expected a number, got "x"$/,
    );
    expect(refusal(valid)).toBe('accepted');
  });

  it('finds the fields expected at a path through wrappers, arrays, records and unions', () => {
    expect(fieldsAt(instance, ['gpus', 3])).toEqual(['memGb', 'count']);
    expect(fieldsAt(instance, ['pools', 'any'])).toEqual(['memGb', 'count']);
    expect(fieldsAt(instance, ['solver'])).toEqual(['kind', 'timeLimit', 'order']);
    expect(fieldsAt(instance, ['next'])).toEqual(['steps']);
    expect(fieldsAt(instance, ['gpus', 'x'])).toEqual([]);
    expect(fieldsAt(instance, ['gpus', 0, 'memGb'])).toEqual([]);
    expect(fieldsAt(instance, ['__proto__'])).toEqual([]);
  });
});

describe('seedSchema', () => {
  it('says the seed range whatever is wrong with the value', () => {
    for (const value of [1e30, 5e9, -1, 1.5, 'x'])
      expect(() => parseWith(seedSchema, value, 'spec.yaml', 'seed')).toThrow(
        'a seed is an integer from 0 to 4294967295',
      );
    expect(parseWith(seedSchema, 4294967295, 'spec.yaml')).toBe(4294967295);
  });
});
