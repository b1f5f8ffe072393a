/**
 * A binary heap of integer ids (0 ≤ id < keys.length), lowest key first, lowest id on ties.
 * Keys live outside it, in the caller's typed array (negate them for highest first); after
 * the key of the top id grows, `settleTop` restores the order. No allocation after
 * construction, and no comparator callback, so a packing loop can pick its next pack in
 * O(log n) instead of scanning every pack, at a scan's cost when there are few.
 */
export class IndexHeap {
  private readonly ids: Int32Array;
  private count = 0;

  constructor(private readonly keys: Float64Array | Float32Array) {
    this.ids = new Int32Array(keys.length);
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.count = 0;
  }

  /** Does id a come out before id b? */
  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && a < b);
  }

  push(id: number): void {
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(id, this.ids[parent]!)) break;
      this.ids[i] = this.ids[parent]!;
      i = parent;
    }
    this.ids[i] = id;
  }

  /** The id that comes out first; the heap must not be empty. */
  top(): number {
    return this.ids[0]!;
  }

  /** Remove the top id. */
  pop(): void {
    this.count--;
    if (this.count > 0) this.siftDown(this.ids[this.count]!);
  }

  /** Restore the order after the top id's key has grown. */
  settleTop(): void {
    this.siftDown(this.ids[0]!);
  }

  private siftDown(id: number): void {
    const { ids, count } = this;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= count) break;
      if (child + 1 < count && this.before(ids[child + 1]!, ids[child]!)) child++;
      if (!this.before(ids[child]!, id)) break;
      ids[i] = ids[child]!;
      i = child;
    }
    ids[i] = id;
  }
}
