import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from './errors.js';
import { readYamlChecked } from './yaml-located.js';

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
    expect(check('name: x\nbudget:\n  max_candidates: 3\n  typo: 1\n')).toMatch(
      /^spec\.yaml:3: budget: /,
    );
  });

  it('names the line of a YAML syntax error, and accepts a good file', () => {
    expect(check('name: x\nbudget: [1,\n')).toMatch(/^spec\.yaml:\d+: invalid YAML/);
    expect(check('name: x\nbudget:\n  max_candidates: 3\n')).toBe('accepted');
  });
});
