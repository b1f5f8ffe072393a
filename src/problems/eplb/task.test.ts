import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, generateTrace } from './generate.js';
import { parseLoadHistory } from './model.js';
import { scoreEplbAnswers } from './task.js';

describe('eplb task: the strict scorer of a program’s plans', () => {
  it('a plan missing an expert, or of the wrong shape, is incorrect', () => {
    const windows = parseLoadHistory(
      generateTrace({ ...DEFAULT_TRACE, layers: 2, experts: 64, steps: 200 }),
      'trace',
      100,
    );
    const roundRobin = Array.from({ length: 2 }, () =>
      Array.from({ length: 80 }, (_, s) => s % 64),
    );
    expect(scoreEplbAnswers(windows, [roundRobin]).correct).toBe(true);
    const missing = roundRobin.map((row) => row.map((e) => (e === 5 ? 6 : e)));
    expect(scoreEplbAnswers(windows, [missing])).toMatchObject({
      correct: false,
      combinedScore: 0,
    });
    expect(scoreEplbAnswers(windows, [[[1, 2, 3]]]).correct).toBe(false);
  });
});
