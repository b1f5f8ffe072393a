import { describe, expect, it } from 'vitest';
import { gridSize, gridValue } from './solvers/grid.js';
import { solveExhaustive } from './solvers/exhaustive.js';
import { colocateTaskCases, scoreColocateAnswers } from './task.js';
import { validateColocation } from './validate.js';

const cases = colocateTaskCases(40, 3);
const feasible = cases.flatMap((c, k) => (c.best ? [k] : []));

/** The answer of one case only, every other case declined. */
function only(k: number, answer: unknown): unknown[] {
  return cases.map((_, j) => (j === k ? answer : null));
}

describe('colocate task: the strict scorer of a configuration policy', () => {
  it('the exhaustive solver’s configurations score 1; declining everything scores the infeasible share', () => {
    expect(feasible.length).toBeGreaterThan(10);
    expect(feasible.length).toBeLessThan(cases.length);
    const exhaustive = cases.map((c) => solveExhaustive(c.problem).solution);
    expect(scoreColocateAnswers(cases, exhaustive)).toMatchObject({
      correct: true,
      combinedScore: 1,
      public: { bestCases: feasible.length, declinedCases: 0 },
    });
    const declined = scoreColocateAnswers(
      cases,
      cases.map(() => null),
    );
    expect(declined.combinedScore).toBeCloseTo(1 - feasible.length / cases.length, 12);
    expect(declined.public.declinedCases).toBe(feasible.length);
  });

  it('no valid configuration scores above the best (every grid point of every case)', () => {
    let valid = 0;
    for (const k of feasible) {
      const { problem } = cases[k]!;
      for (const whisperSize of problem.whisper.sizes)
        for (let step = 1; step <= gridSize(problem); step++) {
          const solution = { gpuMemoryUtilization: gridValue(problem, step), whisperSize };
          const scored = scoreColocateAnswers([cases[k]!], [solution]);
          expect(scored.correct).toBe(validateColocation(problem, solution).valid);
          if (!scored.correct) continue;
          valid++;
          expect(scored.combinedScore).toBeGreaterThan(0);
          expect(scored.combinedScore).toBeLessThanOrEqual(1);
        }
    }
    expect(valid).toBeGreaterThan(100);
  });

  it('one configuration that runs out of memory, or a malformed answer, makes the program incorrect', () => {
    const k = feasible[0]!;
    const size = cases[k]!.problem.whisper.sizes[0]!;
    const oom = scoreColocateAnswers(
      cases,
      only(k, { gpuMemoryUtilization: 1, whisperSize: size }),
    );
    expect(oom).toMatchObject({ correct: false, combinedScore: 0 });
    expect(oom.textFeedback).toMatch(new RegExp(`^case ${k}: .*out of memory`));
    for (const bad of [
      { gpuMemoryUtilization: 0.5 },
      { gpuMemoryUtilization: 2, whisperSize: size },
      'tiny',
    ])
      expect(scoreColocateAnswers(cases, only(k, bad))).toMatchObject({ correct: false });
  });

  it('a program sees the spec sheets, not the model’s vLLM overheads', () => {
    const { input } = cases[0]!;
    expect(Object.keys(input.vllm).sort()).toEqual([
      'kvBytesPerToken',
      'maxModelLen',
      'maxNumSeqs',
      'model',
      'weightsGib',
    ]);
    expect(input.gpu.memGib).toBeGreaterThan(10);
  });
});
