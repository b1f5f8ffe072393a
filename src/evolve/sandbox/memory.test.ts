import { describe, expect, it } from 'vitest';
import { diedOfMemory } from './memory.js';

describe('diedOfMemory', () => {
  it('recognises the last words of runtimes that ran out of memory', () => {
    const tails = [
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      'RangeError: Array buffer allocation failed',
      'Traceback (most recent call last):\n  File "<string>", line 1\nMemoryError\n',
      "terminate called after throwing an instance of 'std::bad_alloc'",
      'sh: 1: Cannot fork: Cannot allocate memory',
    ];
    for (const tail of tails) expect(diedOfMemory(1, null, tail)).toBe(true);
  });

  it('counts a SIGKILL we did not send as the OOM killer', () => {
    expect(diedOfMemory(null, 'SIGKILL', '')).toBe(true);
  });

  it('does not blame memory for a clean exit or an ordinary crash', () => {
    expect(diedOfMemory(0, null, 'MemoryError')).toBe(false);
    expect(diedOfMemory(1, null, 'TypeError: x is not a function')).toBe(false);
    expect(diedOfMemory(null, 'SIGSEGV', 'Segmentation fault')).toBe(false);
  });
});
