/**
 * The largest and smallest of many numbers. `Math.max(...values)` passes each value as an
 * argument, and past about 10⁵ of them (a run's programs, a plan's layers × GPUs) the call
 * overflows the stack.
 */

/** The largest of `values` and `atLeast` (−Infinity: none). */
export function largestOf(values: Iterable<number>, atLeast = -Infinity): number {
  let largest = atLeast;
  for (const v of values) if (v > largest || Number.isNaN(v)) largest = v;
  return largest;
}

/** The smallest of `values` and `atMost` (Infinity: none). */
export function smallestOf(values: Iterable<number>, atMost = Infinity): number {
  let smallest = atMost;
  for (const v of values) if (v < smallest || Number.isNaN(v)) smallest = v;
  return smallest;
}
