import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from './errors.js';
import { readYamlChecked, withFieldLine } from './yaml-located.js';

const schema = z.object({
  name: z.string(),
  budget: z.object({ max_candidates: z.number().int().positive() }).strict(),
});

function check(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'evoplace-yaml-')), 'spec.yaml');
  writeFileSync(path, text);
  try {
    readYamlChecked(path, schema);
    return 'accepted';
  } catch (error) {
    if (error instanceof UserError) return error.format().replace(path, 'spec.yaml');
    throw error;
  }
}

describe('readYamlChecked', () => {
  it('names the line and the key of a wrong value', () => {
    expect(check('name: x\nbudget:\n  max_candidates: -3\n')).toMatch(
      /^spec\.yaml:3: budget\.max_candidates: /,
    );
  });

  it('names the parent line of a missing or unknown key', () => {
    expect(check('name: x\nbudget: {}\n')).toMatch(/^spec\.yaml:2: budget\.max_candidates: /);
    expect(check('name: x\nbudget:\n  max_candidates: 3\n  typo: 1\n')).toBe(
      'spec.yaml:4: budget.typo: unknown field; check its spelling, or remove it',
    );
  });

  it('names the field a misspelt key seems to mean, on its own line', () => {
    expect(check('name: x\nbudget:\n  max_candidtes: 3\n')).toBe(
      'spec.yaml:3: budget.max_candidtes: unknown field; did you mean "max_candidates"?',
    );
  });

  it('names the line of a YAML syntax error, and accepts a good file', () => {
    expect(check('name: x\nbudget: [1,\n')).toMatch(/^spec\.yaml:\d+: invalid YAML/);
    expect(check('name: x\nbudget:\n  max_candidates: 3\n')).toBe('accepted');
  });

  it('says an empty file holds nothing, and refuses deep nesting and "__proto__" with a line', () => {
    for (const empty of ['', '# only a comment\n'])
      expect(check(empty)).toBe(
        'spec.yaml: holds nothing (an empty YAML document); write the settings it needs',
      );
    expect(check(`name: ${'['.repeat(20_000)}`)).toMatch(
      /^spec\.yaml: YAML nests more than the 64/,
    );
    expect(check('name: x\nbudget:\n  __proto__: 1\n')).toMatch(
      /^spec\.yaml:3: budget\.__proto__: the name "__proto__" is not allowed/,
    );
  });
});

describe('withFieldLine', () => {
  it("adds the line of a later check's field, and leaves other errors alone", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'evoplace-yaml-')), 'spec.yaml');
    writeFileSync(path, 'name: x\nlist:\n  - a\n  - b\nbudget:\n  max_candidates: 3\n');
    const line = (field: string, where = path): string =>
      (withFieldLine(new UserError('why', where, field), path) as UserError).format();
    expect(line('budget.max_candidates')).toBe(`${path}:6: budget.max_candidates: why`);
    expect(line('list[1]')).toBe(`${path}:4: list[1]: why`);
    expect(line('budget', 'elsewhere.yaml')).toBe('elsewhere.yaml: budget: why');
    const plain = new Error('not ours');
    expect(withFieldLine(plain, path)).toBe(plain);
  });
});
