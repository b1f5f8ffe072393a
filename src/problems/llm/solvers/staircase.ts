/**
 * The cost–throughput points known to be reachable, kept as their Pareto staircase (cost
 * ascending, throughput strictly ascending), to ask "how fast can something cheaper than this
 * run?" in O(log n).
 */
export class Staircase {
  private readonly costs: number[] = [];
  private readonly throughputs: number[] = [];

  get size(): number {
    return this.costs.length;
  }

  /** Add a reachable point; points it dominates (no cheaper, no faster) leave the staircase. */
  add(cost: number, throughput: number): void {
    const at = this.firstAtLeast(cost);
    // A point at most as expensive (the one before `at`, or one of equal cost at `at`) that is
    // at least as fast makes this one redundant.
    if (at > 0 && this.throughputs[at - 1]! >= throughput) return;
    if (at < this.costs.length && this.costs[at] === cost && this.throughputs[at]! >= throughput)
      return;
    let end = at;
    while (end < this.costs.length && this.throughputs[end]! <= throughput) end++;
    this.costs.splice(at, end - at, cost);
    this.throughputs.splice(at, end - at, throughput);
  }

  /** The highest throughput of a point that costs less than `cost` (−Infinity: none). */
  fastestBelow(cost: number): number {
    const at = this.firstAtLeast(cost);
    return at > 0 ? this.throughputs[at - 1]! : -Infinity;
  }

  /** The first index whose cost is at least `cost`. */
  private firstAtLeast(cost: number): number {
    let [lo, hi] = [0, this.costs.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.costs[mid]! < cost) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
