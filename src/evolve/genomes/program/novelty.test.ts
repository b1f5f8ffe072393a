import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeFingerprint, cosineSimilarity, normaliseCode } from './novelty.js';

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity(new Float32Array([1, 0]), new Float64Array([0, 5]))).toBe(0);
    expect(cosineSimilarity([1, -1], [-3, 3])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosineSimilarity([-1.5e-162, 0, 0], [9.9e-161, 0, 0])).toBe(-1);
    expect(cosineSimilarity([1e200, 1e200], [3e200, 0])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('is 0 against a zero vector and refuses vectors of different lengths', () => {
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });

  it('property: symmetric, within [-1, 1], blind to positive scale', () => {
    // Components far from underflow: scaling a subnormal by 0.01 loses it, which is not the
    // function's fault (its own handling of tiny values is checked above).
    const component = fc
      .double({ min: -100, max: 100, noNaN: true })
      .filter((x) => x === 0 || Math.abs(x) > 1e-200);
    const vector = fc.array(component, {
      minLength: 3,
      maxLength: 3,
    });
    fc.assert(
      fc.property(
        vector,
        vector,
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (a, b, scale) => {
          const s = cosineSimilarity(a, b);
          expect(Math.abs(s)).toBeLessThanOrEqual(1);
          expect(cosineSimilarity(b, a)).toBe(s);
          expect(
            cosineSimilarity(
              a.map((x) => x * scale),
              b,
            ),
          ).toBeCloseTo(s, 9);
        },
      ),
    );
  });
});

describe('codeFingerprint', () => {
  const program = 'def f(x):\n    return x\n\n\ndef g():\n    pass\n';

  it('is equal for programs differing in trailing whitespace, blank-line runs and line endings', () => {
    const noisy = '\n\ndef f(x):  \n    return x\t\n\n\n\n\ndef g():\n    pass\n\n';
    expect(codeFingerprint(noisy)).toBe(codeFingerprint(program));
    expect(codeFingerprint(program.replaceAll('\n', '\r\n'))).toBe(codeFingerprint(program));
    expect(normaliseCode(noisy)).toBe('def f(x):\n    return x\n\ndef g():\n    pass');
  });

  it('differs when code or indentation changes', () => {
    expect(codeFingerprint(program.replace('return x', 'return -x'))).not.toBe(
      codeFingerprint(program),
    );
    expect(codeFingerprint(program.replace('    pass', '  pass'))).not.toBe(
      codeFingerprint(program),
    );
    expect(codeFingerprint(program)).toMatch(/^[0-9a-f]{64}$/);
  });
});
