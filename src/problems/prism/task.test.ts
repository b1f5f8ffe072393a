import { describe, expect, it } from 'vitest';
import { generate } from './generate.js';
import { scorePrismAnswers } from './task.js';

describe('prism task: the strict scorer of a program’s answers', () => {
  it('one invalid placement makes the program incorrect, never a high score', () => {
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
});
