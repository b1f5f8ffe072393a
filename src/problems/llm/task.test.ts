import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { generateLlmProblems } from './generate.js';
import { ROOFLINE_MODEL } from './perf/roofline.js';
import { cheapestPerToken, paretoFrontier } from './solvers/frontier.js';
import { llmTaskCases, scoreLlmAnswers, type LlmTaskInput } from './task.js';

const cases = llmTaskCases(12, 5);

type Pick = { gpuType: string; tp: number; layers: number };

/** A random answer made of the input's options: stage count, then options that fill the layers. */
function randomAnswer(input: LlmTaskInput, rng: Rng): Pick[] | null {
  const stages = rng.int(1, input.maxStages);
  const picks: Pick[] = [];
  let left = input.layers;
  for (let s = 0; s < stages; s++) {
    const fits = input.options.filter((o) =>
      s === stages - 1 ? o.layers === left : o.layers < left,
    );
    if (fits.length === 0) return null;
    const o = fits[rng.int(0, fits.length - 1)]!;
    picks.push({ gpuType: o.gpuType, tp: o.tp, layers: o.layers });
    left -= o.layers;
  }
  return picks;
}

/** The answer of one case only, every other case answered with null. */
function only(k: number, answer: unknown): unknown[] {
  return cases.map((_, j) => (j === k ? answer : null));
}

describe('llm task: the strict scorer, against the exact optimum', () => {
  it('generated problems are reproducible from their seed, and differ between seeds', () => {
    const pools = (seed: number) =>
      generateLlmProblems(6, seed).map(({ problem, batch }) => ({
        batch,
        types: problem.types,
        layers: problem.config.num_decoder_layers,
      }));
    expect(pools(3)).toEqual(pools(3));
    expect(pools(3)).not.toEqual(pools(4));
  });

  it('no valid placement beats the exact least $/Mtok (random answers over 12 pools)', () => {
    const feasible = cases.flatMap((c, k) => (c.best === null ? [] : [k]));
    expect(feasible.length).toBeGreaterThan(6);
    let valid = 0;
    fc.assert(
      fc.property(fc.constantFrom(...feasible), fc.integer({ min: 0, max: 1e6 }), (k, seed) => {
        const answer = randomAnswer(cases[k]!.input, new Rng(seed));
        if (!answer) return;
        const scored = scoreLlmAnswers([cases[k]!], [answer]);
        if (!scored.correct) return;
        valid++;
        expect(scored.combinedScore).toBeLessThanOrEqual(1 + 1e-9);
        expect(scored.combinedScore).toBeGreaterThan(0);
      }),
      { seed: 8, numRuns: 400 },
    );
    expect(valid).toBeGreaterThan(20);
  });

  it('the optimum itself scores 1; nothing where nothing fits scores 1; a missed case 0', () => {
    for (const [k, c] of cases.entries()) {
      const best = cheapestPerToken(paretoFrontier(c.problem, c.batch, ROOFLINE_MODEL));
      if (!best) continue;
      const picks = best.stages.map((s) => ({
        gpuType: s.gpuType,
        tp: s.tp,
        layers: s.endLayer - s.startLayer + 1,
      }));
      const scored = scoreLlmAnswers([c], [picks]);
      expect(scored, `case ${k}`).toMatchObject({ correct: true, public: { bestCases: 1 } });
      expect(scored.combinedScore).toBeCloseTo(1, 12);
    }
    const allNull = scoreLlmAnswers(
      cases,
      cases.map(() => null),
    );
    const empty = cases.filter((c) => c.best === null).length;
    expect(allNull.correct).toBe(true);
    expect(allNull.combinedScore).toBeCloseTo(empty / cases.length, 12);
    expect(allNull.public.declinedCases).toBe(cases.length - empty);
  });

  it('an answer outside the options, or beyond the pool, makes the program incorrect', () => {
    const k = cases.findIndex((c) => c.best !== null);
    const input = cases[k]!.input;
    const o = input.options.find((option) => option.layers < input.layers)!;
    expect(
      scoreLlmAnswers(cases, only(k, [{ gpuType: 'B200', tp: 1, layers: input.layers }])),
    ).toMatchObject({ correct: false, combinedScore: 0 });
    expect(scoreLlmAnswers(cases, only(k, 'cheap'))).toMatchObject({ correct: false });
    expect(scoreLlmAnswers(cases, only(k, []))).toMatchObject({ correct: false });
    // Layers that do not add up to the model's.
    // Told in the names of the input the program was given, not GPU ids or layer numbers.
    expect(scoreLlmAnswers(cases, only(k, [{ ...o }])).textFeedback).toContain(
      `the stages hold ${o.layers} layers in all; the model has ${input.layers} (layers)`,
    );
    // More GPUs of one type than the pool has.
    const type = input.gpuTypes.find((t) => t.name === o.gpuType)!;
    const tooMany = Array.from({ length: type.count + 1 }, () => ({
      gpuType: o.gpuType,
      tp: o.tp,
      layers: o.layers,
    }));
    const crowded = scoreLlmAnswers(cases, only(k, tooMany));
    expect(crowded.correct).toBe(false);
    expect(crowded.textFeedback).toMatch(
      tooMany.length > input.maxStages
        ? new RegExp(`${tooMany.length} stages; at most maxStages \\(${input.maxStages}\\)`)
        : new RegExp(`the stages (hold|use)`),
    );
    expect(crowded.textFeedback).not.toMatch(/gpuIds|endLayer|startLayer/);
    // Two stages that hold the model but need more GPUs of their type than the pool has.
    const overBooked = cases.flatMap((c, i) =>
      c.input.maxStages < 2
        ? []
        : c.input.options.flatMap((a) =>
            c.input.options
              .filter(
                (b) =>
                  b.gpuType === a.gpuType &&
                  a.layers + b.layers === c.input.layers &&
                  a.tp + b.tp > c.input.gpuTypes.find((t) => t.name === a.gpuType)!.count,
              )
              .map((b) => ({ i, stages: [a, b] })),
          ),
    )[0]!;
    const pool = cases[overBooked.i]!.input.gpuTypes;
    const t = pool.findIndex((type) => type.name === overBooked.stages[0]!.gpuType);
    expect(scoreLlmAnswers(cases, only(overBooked.i, overBooked.stages)).textFeedback).toContain(
      `the stages use ${overBooked.stages[0]!.tp + overBooked.stages[1]!.tp} GPUs of ${pool[t]!.name}; gpuTypes[${t}].count is ${pool[t]!.count}`,
    );
  });
});
