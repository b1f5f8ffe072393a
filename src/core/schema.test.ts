import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from './errors.js';
import { parseYaml } from './io.js';
import { seedSchema } from './rng.js';
import { parseWith } from './schema.js';

const refusal = (data: unknown): string => {
  try {
    parseWith(z.record(z.string(), z.unknown()), data, 'spec.yaml', 'search_space');
  } catch (error) {
    if (error instanceof UserError) return error.format();
    throw error;
  }
  return 'accepted';
};

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

describe('seedSchema', () => {
  it('says the seed range whatever is wrong with the value', () => {
    for (const value of [1e30, 5e9, -1, 1.5, 'x'])
      expect(() => parseWith(seedSchema, value, 'spec.yaml', 'seed')).toThrow(
        'a seed is an integer from 0 to 4294967295',
      );
    expect(parseWith(seedSchema, 4294967295, 'spec.yaml')).toBe(4294967295);
  });
});
