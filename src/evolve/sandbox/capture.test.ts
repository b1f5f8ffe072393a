import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCapture, TAIL_BYTES } from './capture.js';

describe('BoundedCapture', () => {
  it('keeps the first maxBytes, counts everything and flags the cut', () => {
    const capture = new BoundedCapture(5);
    capture.push(Buffer.from('abc'));
    capture.push(Buffer.from('defgh'));
    expect(capture.text()).toBe('abcde');
    expect(capture.totalBytes).toBe(8);
    expect(capture.truncated).toBe(true);
  });

  it('is not truncated at exactly maxBytes', () => {
    const capture = new BoundedCapture(3);
    capture.push(Buffer.from('abc'));
    expect(capture.truncated).toBe(false);
    expect(capture.text()).toBe('abc');
  });

  it('keeps the head, the tail and the count of any chunking of any stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3 * TAIL_BYTES }), { maxLength: 8 }),
        fc.nat(2 * TAIL_BYTES),
        (chunks, maxBytes) => {
          const capture = new BoundedCapture(maxBytes);
          for (const chunk of chunks) capture.push(Buffer.from(chunk));
          const all = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));
          expect(capture.totalBytes).toBe(all.length);
          expect(capture.truncated).toBe(all.length > maxBytes);
          expect(capture.text()).toBe(all.subarray(0, maxBytes).toString('utf8'));
          expect(capture.tailText()).toBe(all.subarray(-TAIL_BYTES).toString('utf8'));
        },
      ),
    );
  });
});
