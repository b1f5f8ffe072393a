import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexHeap } from './index-heap.js';

describe('IndexHeap', () => {
  it('gives ids in key order, lowest id on ties, as keys of the top move later', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 120 }),
        (start, raises) => {
          const key = Float64Array.from(start);
          const heap = new IndexHeap(key);
          key.forEach((_, id) => heap.push(id));
          for (const raise of raises) {
            // What a scan over every id would pick.
            let expected = 0;
            for (let id = 1; id < key.length; id++) if (key[id]! < key[expected]!) expected = id;
            expect(heap.top()).toBe(expected);
            key[expected]! += raise;
            heap.settleTop();
          }
          const order: number[] = [];
          while (heap.size > 0) {
            order.push(heap.top());
            heap.pop();
          }
          const sorted = [...order].sort((a, b) => key[a]! - key[b]! || a - b);
          expect(order).toEqual(sorted);
          expect(order).toHaveLength(key.length);
        },
      ),
    );
  });
});
