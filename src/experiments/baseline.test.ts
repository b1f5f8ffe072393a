import { describe, expect, it } from 'vitest';
import { validateSpace } from '../evolve/genomes/params/index.js';
import { baselineProblems } from './baseline.js';
import { experimentSpecSchema } from './spec.js';

const space = validateSpace({
  gpu_memory_utilization: {
    type: 'choice',
    values: [0.4, 0.5, 0.6],
    safety: { max: 0.55 },
  },
  whisper_size: { type: 'choice', values: ['tiny', 'base', 'small'] },
  batch: { type: 'int', min: 1, max: 64, step: 8, safety: { max: 40 } },
  ratio: { type: 'real', min: 0, max: 1 },
});
const good = { gpu_memory_utilization: 0.5, whisper_size: 'base', batch: 9, ratio: 0.25 };

describe('baselineProblems', () => {
  it('accepts a baseline that is one of the configurations the run may evaluate', () => {
    expect(baselineProblems(good, space)).toEqual([]);
    expect(baselineProblems({ ...good, gpu_memory_utilization: 0.1 + 0.4 }, space)).toEqual([]);
  });

  const refusals: [string, Record<string, string | number | boolean>, string, RegExp][] = [
    [
      'a value not among the choices',
      { gpu_memory_utilization: 0.57 },
      'gpu_memory_utilization',
      /^0\.57 is not one of the values 0\.4, 0\.5, 0\.6$/,
    ],
    [
      'a value of the wrong type',
      { whisper_size: 7 },
      'whisper_size',
      /^7 is not one of the values "tiny", "base", "small"$/,
    ],
    ['a string for a number', { batch: '9' }, 'batch', /^"9" is not a number; expected an integer/],
    ['a value out of range', { ratio: 1.5 }, 'ratio', /^1\.5 is outside the range \[0, 1\]$/],
    ['a value off the grid', { batch: 10 }, 'batch', /^10 is not on the grid 1 \+ k·8$/],
    [
      'a choice outside the safety bounds',
      { gpu_memory_utilization: 0.6 },
      'gpu_memory_utilization',
      /^0\.6 is outside the safety bounds \{"max":0\.55\}, so the run would never evaluate it/,
    ],
    [
      'a number outside the safety bounds',
      { batch: 57 },
      'batch',
      /outside the safety bounds .*never evaluate it/,
    ],
    [
      'a key the search space does not declare',
      { whisper_sise: 'base' },
      'whisper_sise',
      /^"whisper_sise" is not a parameter of search_space; did you mean "whisper_size"\?$/,
    ],
  ];
  for (const [what, change, key, message] of refusals)
    it(`refuses ${what}`, () => {
      const problems = baselineProblems({ ...good, ...change }, space);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.key).toBe(key);
      expect(problems[0]!.message).toMatch(message);
    });

  it('refuses a baseline that leaves a parameter out', () => {
    const partial: Record<string, string | number> = { ...good };
    delete partial.ratio;
    expect(baselineProblems(partial, space)).toEqual([
      { key: 'ratio', message: 'the baseline gives no value for "ratio"' },
    ]);
  });
});

describe('the spec schema refuses an invalid baseline at its key', () => {
  it('names baseline.<key>', () => {
    const result = experimentSpecSchema.safeParse({
      name: 'b',
      search_space: space,
      baseline: { ...good, gpu_memory_utilization: 0.57 },
      evaluator: { kind: 'command', command: 'true' },
      metrics: { y: { direction: 'up', weight: 1, range: [0, 1] } },
    });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['baseline.gpu_memory_utilization', '0.57 is not one of the values 0.4, 0.5, 0.6'],
    ]);
  });
});
