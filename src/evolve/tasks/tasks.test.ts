import { describe, expect, it } from 'vitest';
import { generate } from '../../problems/prism/generate.js';
import { DEFAULT_TRACE, generateTrace } from '../../problems/eplb/generate.js';
import { parseLoadHistory } from '../../problems/eplb/model.js';
import { eplbTask, scoreEplbAnswers } from './eplb.js';
import { candidateToJavaScript } from './node-candidate.js';
import { prismTask, scorePrismAnswers } from './prism.js';

const LIMITS = { timeoutMs: 20_000, memoryMb: 1024, maxOutputBytes: 1 << 20 };

describe('built-in tasks: the strict evaluators', () => {
  it('prism: the initial program is the seed greedy (21.89), run in the sandbox', async () => {
    const task = prismTask();
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    expect(result.combinedScore).toBeCloseTo(21.8916, 4);
  });

  it('prism: one invalid placement makes the program incorrect, never a high score', () => {
    const instances = generate('seed', 3, 42);
    const good = instances.map((i) => i.models.map((_, k) => k % i.gpuMemGb.length));
    expect(scorePrismAnswers(instances, good).correct).toBe(true);
    const overfull = [...good];
    overfull[1] = instances[1]!.models.map(() => 0);
    expect(scorePrismAnswers(instances, overfull)).toMatchObject({
      correct: false,
      combinedScore: 0,
    });
    const short = [...good];
    short[2] = [0];
    expect(scorePrismAnswers(instances, short)).toMatchObject({ correct: false, combinedScore: 0 });
    const unplaced = [...good];
    unplaced[0] = null as unknown as number[];
    const partial = scorePrismAnswers(instances, unplaced);
    expect(partial.correct).toBe(true);
    expect(partial.public.successRate).toBeCloseTo(2 / 3, 12);
  });

  it('eplb: the initial program (DeepSeek EPLB) is correct; a plan missing an expert is not', async () => {
    const task = eplbTask();
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    expect(result.combinedScore).toBeGreaterThan(0.5);
    expect(result.combinedScore).toBeLessThanOrEqual(1);
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

  it('a candidate that does not compile comes back with the line and reason', async () => {
    const result = await candidateToJavaScript('export function place( {\n  return 1;\n}\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/line \d+/);
  });
});
