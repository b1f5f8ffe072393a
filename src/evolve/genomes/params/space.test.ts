import { describe, expect, it } from 'vitest';
import { COLOCATION_SPACE } from '../../../../test/support/spaces.js';
import { UserError } from '../../../core/errors.js';
import { enumerate, spaceSize } from './enumerate.js';
import { canonicalKey } from './key.js';
import { isSafe } from './safety.js';
import { validateSpace } from './space.js';

const colocation = COLOCATION_SPACE;

function errorOf(space: unknown): string {
  try {
    validateSpace(space, 'spec.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).format();
  }
  throw new Error('expected validateSpace to throw');
}

describe('validateSpace', () => {
  it.each([
    [
      { x: { type: 'int', min: 5, max: 1 } },
      'spec.yaml: x.min: min (5) is greater than max (1); swap them',
    ],
    [
      { x: { type: 'real', min: 0, max: 1, step: 0 } },
      'spec.yaml: x.step: step must be > 0 (got 0)',
    ],
    [{ x: { type: 'real', min: 0, max: 1, step: -0.5 } }, 'x.step: step must be > 0'],
    [{ x: { type: 'int', min: 1, max: 9, step: 0 } }, 'x.step: step must be > 0'],
    [
      { x: { type: 'real', min: 0, max: 1, log: true } },
      'x.min: a log-scale parameter needs min > 0',
    ],
    [
      { x: { type: 'int', min: -2, max: 8, log: true } },
      'x.min: a log-scale parameter needs min > 0',
    ],
    [{ x: { type: 'choice', values: [] } }, 'x.values: a choice needs at least one value'],
    [{ x: { type: 'choice', values: ['a', 'b', 'a'] } }, 'x.values[2]: duplicate value "a"'],
    [{ x: { type: 'choice', values: [0.3, 0.1 + 0.2] } }, 'x.values[1]: duplicate value'],
    [{ x: { type: 'real', min: Number.NaN, max: 1 } }, 'x.min: expected min as a finite number'],
    [{ x: { type: 'real', min: 0, max: Infinity } }, 'x.max: expected max as a finite number'],
    [{ x: { type: 'int', min: 0, max: Infinity } }, 'x.max: expected max as an integer'],
    [{ x: { type: 'int', min: 0.5, max: 3 } }, 'x.min: min of an int parameter must be an integer'],
    [{ x: { type: 'choice', values: [1, Number.NaN] } }, 'x.values[1]'],
    [
      { x: { type: 'float', min: 0, max: 1 } },
      "x.type: expected a parameter with type 'choice', 'int' or 'real'",
    ],
    [
      { x: { type: 'choise', values: [1] } },
      "x.type: expected a parameter with type 'choice', 'int' or 'real'; did you mean 'choice'?",
    ],
    [
      { x: { type: 'real', min: 0, max: 1, stpe: 0.1 } },
      'x.stpe: unknown field; did you mean "step"?',
    ],
    [{}, 'the search space must declare at least one parameter'],
    [
      { x: { type: 'real', min: 0, max: 1, safety: { min: 0.8, max: 0.2 } } },
      'x.safety.min: safety.min (0.8) is greater than safety.max (0.2)',
    ],
    [
      { x: { type: 'real', min: 0, max: 1, safety: { min: 2 } } },
      'x.safety: the safety bounds exclude every value',
    ],
    [
      { x: { type: 'int', min: 0, max: 10, step: 5, safety: { min: 1, max: 4 } } },
      'x.safety: the safety bounds exclude every value',
    ],
    [
      { x: { type: 'int', min: 0, max: 10, step: 2, safety: { allowed: [4, 5] } } },
      'x.safety.allowed[1]: 5 is not a value of this parameter',
    ],
    [
      { x: { type: 'choice', values: ['a', 'b'], safety: { allowed: ['c'] } } },
      'x.safety.allowed[0]: "c" is not a value',
    ],
    [
      { x: { type: 'choice', values: ['a', 'b'], safety: { max: 3 } } },
      'x.safety: safety.min/max apply to numeric choices only',
    ],
  ])('%j is refused: %s', (space, message) => {
    expect(errorOf(space)).toContain(message);
  });

  it('accepts a valid space and keeps its values', () => {
    expect(colocation.gpu_memory_utilization).toMatchObject({ min: 0.4, max: 0.6, step: 0.05 });
    expect(validateSpace({ n: { type: 'int', min: 3, max: 3 } })).toEqual({
      n: { type: 'int', min: 3, max: 3 },
    });
  });
});

describe('spaceSize and enumerate', () => {
  it('count the grid (0.2 / 0.05 is 4 steps despite floating point) and list it', () => {
    expect(spaceSize(colocation)).toBe(15);
    const all = enumerate(colocation);
    expect(all).toHaveLength(15);
    expect(new Set(all.map(canonicalKey)).size).toBe(15);
    expect(all.slice(0, 4)).toEqual([
      { gpu_memory_utilization: 0.4, whisper: 'tiny' },
      { gpu_memory_utilization: 0.4, whisper: 'base' },
      { gpu_memory_utilization: 0.4, whisper: 'small' },
      { gpu_memory_utilization: 0.45, whisper: 'tiny' },
    ]);
    expect(all.map((p) => p.gpu_memory_utilization)).toContain(0.6);
  });

  it.each([
    [{ a: { type: 'int', min: 0, max: 10, step: 3 } }, 4],
    [
      {
        a: { type: 'int', min: 1, max: 1024, log: true },
        b: { type: 'choice', values: [true, false] },
      },
      2048,
    ],
    [{ a: { type: 'real', min: 0, max: 1, step: 0.3 }, b: { type: 'int', min: -2, max: 2 } }, 20],
    [{ a: { type: 'real', min: 2, max: 2 } }, 1],
  ])('enumerate(%j) has spaceSize = %i distinct points', (raw, size) => {
    const space = validateSpace(raw);
    expect(spaceSize(space)).toBe(size);
    const all = enumerate(space);
    expect(all).toHaveLength(size);
    expect(new Set(all.map(canonicalKey)).size).toBe(size);
    expect(all.every((p) => isSafe(space, p).ok)).toBe(true);
  });

  it('a real range without step is infinite: no size, and enumerate names the parameter', () => {
    const space = validateSpace({
      n: { type: 'int', min: 0, max: 3 },
      lr: { type: 'real', min: 0, max: 1 },
    });
    expect(spaceSize(space)).toBeNull();
    expect(() => enumerate(space)).toThrow(/lr is a real range without step/);
  });

  it('refuses to enumerate a huge grid', () => {
    const space = validateSpace({
      a: { type: 'int', min: 0, max: 9999 },
      b: { type: 'int', min: 0, max: 9999 },
    });
    expect(spaceSize(space)).toBe(1e8);
    expect(() => enumerate(space)).toThrow(UserError);
  });
});

describe('canonicalKey', () => {
  it('is independent of order and of floating-point noise, and keeps types apart', () => {
    expect(canonicalKey({ b: 0.1 + 0.2, a: 'x' })).toBe(canonicalKey({ a: 'x', b: 0.3 }));
    expect(canonicalKey({ a: 'x', b: 0.3 })).toBe('{"a":"x","b":0.3}');
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: '1' }));
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: true }));
    expect(canonicalKey({ a: -0 })).toBe(canonicalKey({ a: 0 }));
    expect(canonicalKey({ '2': 1, '10': 2 })).toBe('{"10":2,"2":1}');
  });
});

describe('isSafe', () => {
  it('passes points of the space within the safety bounds', () => {
    expect(isSafe(colocation, { gpu_memory_utilization: 0.45, whisper: 'base' })).toEqual({
      ok: true,
    });
  });

  it.each([
    [
      { gpu_memory_utilization: 0.6, whisper: 'base' },
      'gpu_memory_utilization = 0.6 is above the safety maximum 0.55',
    ],
    [
      { gpu_memory_utilization: 0.7, whisper: 'base' },
      'gpu_memory_utilization = 0.7 is outside the range [0.4, 0.6]',
    ],
    [
      { gpu_memory_utilization: 0.42, whisper: 'base' },
      'gpu_memory_utilization = 0.42 is not on the grid 0.4 + k·0.05',
    ],
    [
      { gpu_memory_utilization: '0.45', whisper: 'base' },
      'gpu_memory_utilization = "0.45" is not a finite number',
    ],
    [
      { gpu_memory_utilization: 0.45, whisper: 'large' },
      'whisper = "large" is not one of ["tiny","base","small"]',
    ],
    [{ gpu_memory_utilization: 0.45 }, 'whisper is missing'],
    [
      { gpu_memory_utilization: 0.45, whisper: 'base', extra: 1 },
      'extra is not a parameter of the search space',
    ],
  ])('%j is refused: %s', (params, reason) => {
    expect(isSafe(colocation, params)).toEqual({ ok: false, reason });
  });

  it('applies safety.min and safety.allowed', () => {
    const space = validateSpace({
      batch: { type: 'int', min: 1, max: 64, safety: { min: 4 } },
      size: {
        type: 'choice',
        values: ['tiny', 'base', 'small'],
        safety: { allowed: ['tiny', 'base'] },
      },
    });
    expect(isSafe(space, { batch: 2, size: 'tiny' })).toEqual({
      ok: false,
      reason: 'batch = 2 is below the safety minimum 4',
    });
    expect(isSafe(space, { batch: 8, size: 'small' })).toEqual({
      ok: false,
      reason: 'size = "small" is not among the safety\'s allowed values ["tiny","base"]',
    });
    expect(isSafe(space, { batch: 8, size: 'base' })).toEqual({ ok: true });
  });
});
