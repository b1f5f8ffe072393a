import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { enumerate, spaceSize } from './enumerate.js';
import { nextGeneration } from './generation.js';
import { canonicalKey } from './key.js';
import { mutate } from './mutate.js';
import { isSafe } from './safety.js';
import { randomParams } from './sample.js';
import { validateSpace, type SearchSpace } from './space.js';

/** A parameter as a user might declare it; optionally with a safety maximum inside its range. */
const paramArb = fc.oneof(
  fc.record({
    type: fc.constant('choice'),
    values: fc.uniqueArray(
      fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 }), fc.boolean()),
      {
        minLength: 1,
        maxLength: 4,
        selector: (v) => `${typeof v}:${String(v)}`,
      },
    ),
  }),
  fc
    .record({
      min: fc.integer({ min: -20, max: 20 }),
      span: fc.integer({ min: 0, max: 40 }),
      step: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
      log: fc.boolean(),
      safe: fc.option(fc.double({ min: 0.5, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map(({ min, span, step, log, safe }) => {
      const low = log ? Math.max(1, min) : min;
      return {
        type: 'int',
        min: low,
        max: low + span,
        ...(step === undefined ? {} : { step }),
        ...(log ? { log } : {}),
        ...(safe === undefined ? {} : { safety: { max: low + span * safe } }),
      };
    }),
  fc
    .record({
      min: fc.double({ min: 0.01, max: 10, noNaN: true }),
      span: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 50, noNaN: true })),
      step: fc.option(fc.constantFrom(0.05, 0.25, 1.5, 7), { nil: undefined }),
      log: fc.boolean(),
      negative: fc.boolean(),
      safe: fc.option(fc.double({ min: 0.5, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map(({ min, span, step, log, negative, safe }) => {
      const low = negative && !log ? -min : min;
      return {
        type: 'real',
        min: low,
        max: low + span,
        ...(step === undefined ? {} : { step }),
        ...(log ? { log } : {}),
        ...(safe === undefined ? {} : { safety: { max: low + span * safe } }),
      };
    }),
);

const spaceArb = fc
  .dictionary(fc.constantFrom('a', 'b', 'c', 'gpu_mem', 'size'), paramArb, {
    minKeys: 1,
    maxKeys: 4,
  })
  .map((raw) => validateSpace(raw));

describe('params genome properties', () => {
  it('mutate never returns the parent unchanged and stays on the grid, within range', () => {
    fc.assert(
      fc.property(
        spaceArb,
        fc.integer(),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (space, seed, strength) => {
          const rng = new Rng(seed);
          let parent = randomParams(space, rng);
          for (let i = 0; i < 10; i++) {
            const child = mutate(space, parent, rng, strength);
            if (spaceSize(space) === 1) {
              expect(child).toBeNull();
              return;
            }
            expect(child).not.toBeNull();
            expect(canonicalKey(child!)).not.toBe(canonicalKey(parent));
            expect(isSafe(withoutSafety(space), child!)).toEqual({ ok: true });
            parent = child!;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('nextGeneration: only new, distinct, safe configurations; as many as wanted or all that are left', () => {
    fc.assert(
      fc.property(
        spaceArb,
        fc.integer(),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        fc.record({
          tournamentSize: fc.integer({ min: 1, max: 4 }),
          crossoverRate: fc.double({ min: 0, max: 1, noNaN: true }),
          mutationStrength: fc.double({ min: 0, max: 1, noNaN: true }),
          randomFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        (space, seed, count, populationSize, settings) => {
          const rng = new Rng(seed);
          const population = Array.from({ length: populationSize }, () => ({
            params: randomParams(space, rng),
            fitness: rng.float(),
          }));
          const seen = new Set(population.map((m) => canonicalKey(m.params)));
          const out = nextGeneration({ space, population, seen, count, rng, ...settings });
          const keys = out.map(canonicalKey);
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys.some((k) => seen.has(k))).toBe(false);
          for (const p of out) expect(isSafe(space, p)).toEqual({ ok: true });
          expect(out.length).toBeLessThanOrEqual(count);
          const size = spaceSize(space);
          if (size !== null && size <= 2000) {
            const left = enumerate(space).filter(
              (p) => isSafe(space, p).ok && !seen.has(canonicalKey(p)),
            ).length;
            expect(out.length).toBe(Math.min(count, left));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function withoutSafety(space: SearchSpace): SearchSpace {
  return Object.fromEntries(
    Object.entries(space).map(([name, spec]) => [name, { ...spec, safety: undefined }]),
  );
}
