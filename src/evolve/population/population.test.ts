import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { summary } from '../../../test/support/summaries.js';
import type { ProgramSummary } from '../database/store.js';
import { planMigration } from './migration.js';
import { selectInspirations, selectParent, weightedScores } from './selection.js';

function program(id: number, score: number, island = 0, correct = true): ProgramSummary {
  return summary({ id, combinedScore: score, island, correct });
}

const SETTINGS = { strategy: 'weighted', lambda: 10, alpha: 1 } as const;

describe('parent selection', () => {
  it('beam takes the best (the older on ties)', () => {
    const pool = [program(1, 3), program(2, 5), program(3, 5)];
    expect(selectParent(pool, new Map(), { ...SETTINGS, strategy: 'beam' }, new Rng(1)).id).toBe(2);
  });

  it('weighted favours high scores and programs with fewer children', () => {
    const w = weightedScores([1, 2, 3, 10], [0, 0, 0, 0], 10);
    expect(w[3]!).toBeGreaterThan(w[2]!);
    expect(w[2]!).toBeGreaterThan(w[0]!);
    const crowded = weightedScores([1, 2, 3, 10], [0, 0, 0, 9], 10);
    expect(crowded[3]!).toBeCloseTo(w[3]! / 10, 12);
  });

  it('weighted and power-law pick the best most often, but not always', () => {
    const pool = [program(1, 1), program(2, 2), program(3, 3), program(4, 4)];
    for (const strategy of ['weighted', 'power-law'] as const) {
      const rng = new Rng(7);
      const counts = new Map<number, number>();
      for (let i = 0; i < 2000; i++) {
        const id = selectParent(pool, new Map(), { ...SETTINGS, strategy }, rng).id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const best = counts.get(4) ?? 0;
      expect(best).toBeGreaterThan(Math.max(...[1, 2, 3].map((id) => counts.get(id) ?? 0)));
      expect(best).toBeLessThan(2000);
    }
  });

  it('is reproducible with a seed', () => {
    const pool = Array.from({ length: 20 }, (_, i) => program(i + 1, (i * 7) % 11));
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 30 }, () => selectParent(pool, new Map(), SETTINGS, rng).id);
    };
    expect(draw(5)).toEqual(draw(5));
  });

  it('inspirations: the top ones, then random others, never the parent, ascending score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.nat(5),
        fc.nat(5),
        fc.integer({ min: 0, max: 1000 }),
        (scores, top, random, seed) => {
          const pool = scores.map((s, i) => program(i + 1, s));
          const parent = pool[seed % pool.length]!;
          const chosen = selectInspirations(pool, parent.id, top, random, new Rng(seed));
          expect(chosen.some((p) => p.id === parent.id)).toBe(false);
          expect(chosen.length).toBe(Math.min(pool.length - 1, top + random));
          expect(new Set(chosen.map((p) => p.id)).size).toBe(chosen.length);
          for (let i = 1; i < chosen.length; i++)
            expect(chosen[i]!.combinedScore).toBeGreaterThanOrEqual(chosen[i - 1]!.combinedScore);
        },
      ),
    );
  });
});

describe('migration', () => {
  it('moves a share of each island to the next one, never the island best, never incorrect programs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.nat(50), island: fc.nat(3), correct: fc.boolean() }), {
          maxLength: 40,
        }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.nat(1000),
        (rows, rate, seed) => {
          const programs = rows.map((r, i) => program(i + 1, r.score, r.island, r.correct));
          const moves = planMigration(programs, 4, rate, new Rng(seed));
          for (let island = 0; island < 4; island++) {
            const ranked = programs
              .filter((p) => p.island === island && p.correct)
              .sort((a, b) => b.combinedScore - a.combinedScore || a.id - b.id);
            const out = moves.filter((m) => m.from === island);
            if (ranked.length) expect(out.some((m) => m.programId === ranked[0]!.id)).toBe(false);
            const expected = Math.min(
              ranked.length - 1,
              Math.max(1, Math.round(rate * ranked.length)),
            );
            expect(out.length).toBe(Math.max(0, expected));
            for (const m of out) {
              expect(m.to).toBe((island + 1) % 4);
              expect(programs.find((p) => p.id === m.programId)!.correct).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('does nothing with one island or rate 0', () => {
    const programs = [program(1, 1), program(2, 2), program(3, 3)];
    expect(planMigration(programs, 1, 0.5, new Rng(1))).toEqual([]);
    expect(planMigration(programs, 2, 0, new Rng(1))).toEqual([]);
  });
});
