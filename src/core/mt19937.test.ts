import { describe, expect, it } from 'vitest';
import { Mt19937 } from './mt19937.js';

describe('Mt19937', () => {
  it('reproduces the reference MT19937 stream (init_genrand(5489))', () => {
    const mt = new Mt19937(5489);
    expect(mt.nextUint32()).toBe(3499211612);
    expect(mt.nextUint32()).toBe(581869302);
  });

  it('matches numpy: np.random.seed(42); np.random.random_sample() == 0.3745401188473625', () => {
    expect(new Mt19937(42).nextDouble()).toBe(0.3745401188473625);
  });

  it('randint stays in range and rejects bad bounds', () => {
    const mt = new Mt19937(7);
    for (let k = 0; k < 1000; k++) {
      const v = mt.randint(5, 10);
      expect(v).toBeGreaterThanOrEqual(5);
      expect(v).toBeLessThan(10);
    }
    expect(() => mt.randint(3, 3)).toThrow(RangeError);
    expect(() => new Mt19937(-1)).toThrow(RangeError);
  });
});
