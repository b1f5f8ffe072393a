/**
 * Sort `items` in place exactly as libstdc++'s `std::sort` would (introsort: median-of-three
 * quicksort, heapsort past the depth limit, a final insertion sort over runs of 16), so that
 * elements comparing equal end in the same order as in C++ code that sorts with it (PyTorch's
 * CPU `sort` without `stable`). `before(a, b)` is the strict weak order ("a goes first").
 */
export function stdSort(items: Int32Array, before: (a: number, b: number) => boolean): void {
  const n = items.length;
  if (n < 2) return;
  introsortLoop(items, 0, n, 2 * Math.floor(Math.log2(n)), before);
  finalInsertionSort(items, 0, n, before);
}

const THRESHOLD = 16;

function swap(items: Int32Array, i: number, j: number): void {
  const t = items[i]!;
  items[i] = items[j]!;
  items[j] = t;
}

function introsortLoop(
  items: Int32Array,
  first: number,
  last: number,
  depth: number,
  before: (a: number, b: number) => boolean,
): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      heapSort(items, first, last, before);
      return;
    }
    depth--;
    const cut = partitionPivot(items, first, last, before);
    introsortLoop(items, cut, last, depth, before);
    last = cut;
  }
}

function partitionPivot(
  items: Int32Array,
  first: number,
  last: number,
  before: (a: number, b: number) => boolean,
): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(items, first, first + 1, mid, last - 1, before);
  let lo = first + 1;
  let hi = last;
  const pivot = first;
  for (;;) {
    while (before(items[lo]!, items[pivot]!)) lo++;
    hi--;
    while (before(items[pivot]!, items[hi]!)) hi--;
    if (!(lo < hi)) return lo;
    swap(items, lo, hi);
    lo++;
  }
}

function moveMedianToFirst(
  items: Int32Array,
  result: number,
  a: number,
  b: number,
  c: number,
  before: (x: number, y: number) => boolean,
): void {
  const [va, vb, vc] = [items[a]!, items[b]!, items[c]!];
  if (before(va, vb)) {
    if (before(vb, vc)) swap(items, result, b);
    else if (before(va, vc)) swap(items, result, c);
    else swap(items, result, a);
  } else if (before(va, vc)) swap(items, result, a);
  else if (before(vb, vc)) swap(items, result, c);
  else swap(items, result, b);
}

function unguardedLinearInsert(
  items: Int32Array,
  last: number,
  before: (a: number, b: number) => boolean,
): void {
  const value = items[last]!;
  let next = last - 1;
  while (before(value, items[next]!)) {
    items[last] = items[next]!;
    last = next;
    next--;
  }
  items[last] = value;
}

function insertionSort(
  items: Int32Array,
  first: number,
  last: number,
  before: (a: number, b: number) => boolean,
): void {
  for (let i = first + 1; i < last; i++) {
    const value = items[i]!;
    if (before(value, items[first]!)) {
      items.copyWithin(first + 1, first, i);
      items[first] = value;
    } else {
      unguardedLinearInsert(items, i, before);
    }
  }
}

function finalInsertionSort(
  items: Int32Array,
  first: number,
  last: number,
  before: (a: number, b: number) => boolean,
): void {
  if (last - first > THRESHOLD) {
    insertionSort(items, first, first + THRESHOLD, before);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(items, i, before);
  } else {
    insertionSort(items, first, last, before);
  }
}

/** libstdc++'s heap-based partial_sort(first, last, last): make_heap, then pop in turn. */
function heapSort(
  items: Int32Array,
  first: number,
  last: number,
  before: (a: number, b: number) => boolean,
): void {
  const len = last - first;
  for (let parent = (len - 2) >> 1; parent >= 0; parent--)
    adjustHeap(items, first, parent, len, items[first + parent]!, before);
  for (let end = last - 1; end > first; end--) {
    const value = items[end]!;
    items[end] = items[first]!;
    adjustHeap(items, first, 0, end - first, value, before);
  }
}

function adjustHeap(
  items: Int32Array,
  first: number,
  hole: number,
  len: number,
  value: number,
  before: (a: number, b: number) => boolean,
): void {
  const top = hole;
  let child = hole;
  while (child < (len - 1) >> 1) {
    child = 2 * (child + 1);
    if (before(items[first + child]!, items[first + child - 1]!)) child--;
    items[first + hole] = items[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    items[first + hole] = items[first + child - 1]!;
    hole = child - 1;
  }
  let parent = (hole - 1) >> 1;
  while (hole > top && before(items[first + parent]!, value)) {
    items[first + hole] = items[first + parent]!;
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  items[first + hole] = value;
}
