import { describe, expect, it } from 'vitest';
import { toProblem } from '../model.js';
import { validateAssignment } from '../validate.js';
import { packOrProve } from './branch-and-bound.js';
import { NO_DEADLINE } from './deadline.js';

describe('prism branch and bound', () => {
  it('goes as deep as there are models (a recursion overflowed the stack at a few thousand)', () => {
    const instance = {
      id: 'deep',
      gpuMemGb: [2048, 2048],
      models: Array.from({ length: 20_000 }, (_, i) => ({
        name: `m${i}`,
        sizeGb: 0.01,
        reqRate: 1,
        slo: 1,
      })),
    };
    const problem = toProblem(instance);
    const packed = packOrProve(problem, Infinity, NO_DEADLINE, 1e9);
    expect(packed.kind).toBe('found');
    if (packed.kind === 'found')
      expect(validateAssignment(instance, problem, packed.assignment).valid).toBe(true);
  });
});
