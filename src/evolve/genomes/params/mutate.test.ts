import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { crossover } from './crossover.js';
import { canonicalKey } from './key.js';
import { mutate } from './mutate.js';
import { isSafe } from './safety.js';
import { randomParams } from './sample.js';
import { validateSpace } from './space.js';

const logSpace = validateSpace({ lr: { type: 'real', min: 1, max: 1e6, log: true } });

/** Share of `values` strictly between `low` and `high`. */
function shareBetween(values: number[], low: number, high: number): number {
  return values.filter((v) => v > low && v < high).length / values.length;
}

describe('mutate', () => {
  it('nudges in log space when log: children of 10 spread evenly by factor, not by distance', () => {
    const rng = new Rng(1);
    const children = Array.from(
      { length: 400 },
      () => mutate(logSpace, { lr: 10 }, rng, 0.1)!.lr as number,
    );
    // sigma = 0.1 × ln(1e6): a linear nudge (sigma 1e5) would clamp every step down to 1
    // and send every step up past 1000.
    expect(shareBetween(children, 1, 10)).toBeGreaterThan(0.3);
    expect(shareBetween(children, 10, 100)).toBeGreaterThan(0.3);
    expect(children.every((v) => v >= 1 && v <= 1e6)).toBe(true);
  });

  it('nudges in linear space otherwise', () => {
    const rng = new Rng(2);
    const space = validateSpace({ x: { type: 'real', min: 0, max: 100 } });
    const children = Array.from({ length: 400 }, () => mutate(space, { x: 50 }, rng, 0.1)!.x);
    expect(shareBetween(children as number[], 40, 60)).toBeGreaterThan(0.6);
    expect(shareBetween(children as number[], 20, 80)).toBeGreaterThan(0.98);
  });

  it('log-scale ints stay integers on their grid and reach both ends', () => {
    const rng = new Rng(3);
    const space = validateSpace({ batch: { type: 'int', min: 1, max: 1024, log: true } });
    const seen = new Set<number>();
    let parent = { batch: 1 };
    for (let i = 0; i < 2000; i++) {
      const child = mutate(space, parent, rng, 0.3)!;
      expect(Number.isInteger(child.batch)).toBe(true);
      expect(child.batch).not.toBe(parent.batch);
      seen.add(child.batch as number);
      parent = child as { batch: number };
    }
    expect(seen.has(1)).toBe(true);
    expect(seen.has(1024)).toBe(true);
  });

  it('moves at least one grid step even with strength 0, turning back at the end of the range', () => {
    const space = validateSpace({ m: { type: 'real', min: 0.4, max: 0.6, step: 0.05 } });
    const rng = new Rng(4);
    const fromMiddle = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      expect(mutate(space, { m: 0.6 }, rng, 0)).toEqual({ m: 0.55 });
      fromMiddle.add(mutate(space, { m: 0.45 }, rng, 0)!.m);
    }
    expect([...fromMiddle].sort()).toEqual([0.4, 0.5]);
  });

  it('swaps a choice to a different value, and leaves single-valued parameters alone', () => {
    const space = validateSpace({
      whisper: { type: 'choice', values: ['tiny', 'base', 'small'] },
      device: { type: 'choice', values: ['cuda:0'] },
      fixed: { type: 'int', min: 7, max: 7 },
    });
    const rng = new Rng(5);
    const values = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const child = mutate(space, { whisper: 'base', device: 'cuda:0', fixed: 7 }, rng)!;
      expect(child.whisper).not.toBe('base');
      expect(child).toMatchObject({ device: 'cuda:0', fixed: 7 });
      values.add(child.whisper as string);
    }
    expect([...values].sort()).toEqual(['small', 'tiny']);
  });

  it('returns null when the space has a single point', () => {
    const space = validateSpace({
      a: { type: 'choice', values: [true] },
      b: { type: 'real', min: 2, max: 2 },
    });
    expect(mutate(space, { a: true, b: 2 }, new Rng(6))).toBeNull();
  });

  it('changes more than one parameter some of the time', () => {
    const space = validateSpace({
      a: { type: 'int', min: 0, max: 100 },
      b: { type: 'int', min: 0, max: 100 },
      c: { type: 'int', min: 0, max: 100 },
    });
    const rng = new Rng(7);
    const parent = { a: 50, b: 50, c: 50 };
    const changed = Array.from({ length: 300 }, () => {
      const child = mutate(space, parent, rng)!;
      return Object.keys(parent).filter((k) => child[k] !== parent[k as keyof typeof parent])
        .length;
    });
    expect(Math.min(...changed)).toBe(1);
    expect(Math.max(...changed)).toBeGreaterThan(1);
  });

  it('is deterministic for a seed', () => {
    const space = validateSpace({
      a: { type: 'real', min: 0, max: 1, step: 0.01 },
      b: { type: 'choice', values: [1, 2, 3] },
    });
    const run = (seed: number) => {
      const rng = new Rng(seed);
      let p = randomParams(space, rng);
      const out = [canonicalKey(p)];
      for (let i = 0; i < 20; i++) {
        p = mutate(space, p, rng)!;
        out.push(canonicalKey(p));
      }
      return out;
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  it('refuses a negative strength', () => {
    expect(() => mutate(logSpace, { lr: 10 }, new Rng(0), -1)).toThrow(RangeError);
  });
});

describe('crossover', () => {
  it('takes each parameter from one of the parents, mixing them', () => {
    const space = validateSpace({
      a: { type: 'int', min: 0, max: 9 },
      b: { type: 'int', min: 0, max: 9 },
      c: { type: 'choice', values: ['x', 'y'] },
    });
    const left = { a: 1, b: 1, c: 'x' };
    const right = { a: 2, b: 2, c: 'y' };
    const rng = new Rng(8);
    const kinds = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const child = crossover(space, left, right, rng);
      expect(isSafe(space, child).ok).toBe(true);
      for (const k of ['a', 'b', 'c'] as const) expect([left[k], right[k]]).toContain(child[k]);
      kinds.add(canonicalKey(child));
    }
    expect(kinds.size).toBe(8);
  });
});
