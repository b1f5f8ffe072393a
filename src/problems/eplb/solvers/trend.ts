import type { LoadMatrix } from '../model.js';
import { recencyViews } from '../recent.js';

/** Windows of history the trend looks at (the latest ones). */
const TREND_WINDOWS = 8;
const POWER_ITERATIONS = 30;

/**
 * The shift under way at the end of a history: the load before it (the recency view reaching
 * back about a window) and after it (the view of the last tenth of a window), each
 * [layers × experts] flattened; see recent.ts.
 */
export interface RecentShift {
  before: Float64Array;
  after: Float64Array;
}

export function recentShift(history: readonly LoadMatrix[]): RecentShift {
  const { short, long } = recencyViews(history);
  return { before: long.data, after: short.data };
}

/**
 * The direction one layer's expert loads have been moving in, per expert ([experts]): the
 * principal direction of the changes between consecutive windows, and of the `shift` under
 * way at the end of the history (when given), in each expert's share of its group (so that
 * whole-group swings, hedged on their own, do not count), as symmetric relative changes
 * weighted by `load` [experts], scaled to unit load-weighted RMS. Traffic that shifts between
 * domains moves experts along one such direction and back; spreading each GPU's exposure to it
 * hedges the next shift. The sign is arbitrary. null when nothing has changed.
 */
export function loadTrend(
  history: readonly LoadMatrix[],
  layer: number,
  groups: number,
  load: Float64Array,
  shift: RecentShift | null = null,
): Float64Array | null {
  const windows = history.slice(-TREND_WINDOWS);
  const row = (data: Float64Array): Float64Array =>
    data.subarray(layer * load.length, (layer + 1) * load.length);
  const changes = windows
    .slice(1)
    .map((w, k) => shareChange(row(windows[k]!.data), row(w.data), groups));
  if (shift) changes.push(shareChange(row(shift.before), row(shift.after), groups));
  if (changes.length === 0) return null;
  // Power iteration on the load-weighted Gram matrix of the changes (a few × a few).
  const n = changes.length;
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const rowA = changes[a]!;
    for (let b = 0; b <= a; b++) {
      const rowB = changes[b]!;
      let dot = 0;
      for (let e = 0; e < load.length; e++) dot += load[e]! * rowA[e]! * rowB[e]!;
      gram[a * n + b] = gram[b * n + a] = dot;
    }
  }
  const v = topEigenvector(gram, n);
  if (!v) return null;
  const trend = new Float64Array(load.length);
  for (let a = 0; a < n; a++) {
    const row = changes[a]!;
    const weight = v[a]!;
    for (let e = 0; e < load.length; e++) trend[e]! += weight * row[e]!;
  }
  let weighted = 0;
  let total = 0;
  for (let e = 0; e < load.length; e++) {
    weighted += load[e]! * trend[e]! ** 2;
    total += load[e]!;
  }
  if (weighted === 0) return null;
  const scale = Math.sqrt(total / weighted);
  return trend.map((x) => x * scale);
}

/**
 * Top eigenvector of a symmetric n × n matrix by power iteration, started weighted toward the
 * last coordinate (an all-ones start can be orthogonal to the answer); null if it vanishes.
 */
function topEigenvector(matrix: Float64Array, n: number): Float64Array | null {
  let v = Float64Array.from({ length: n }, (_, a) => a + 1);
  let next = new Float64Array(n);
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    let norm = 0;
    for (let a = 0; a < n; a++) {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += matrix[a * n + b]! * v[b]!;
      next[a] = sum;
      norm += sum * sum;
    }
    if (norm === 0) return null;
    norm = Math.sqrt(norm);
    for (let a = 0; a < n; a++) next[a]! /= norm;
    [v, next] = [next, v];
  }
  return v;
}

/** Symmetric relative change of each expert's share of its group from load a to b: [experts] each. */
function shareChange(rowA: Float64Array, rowB: Float64Array, groups: number): Float64Array {
  const experts = rowA.length;
  const groupSize = experts / groups;
  const change = new Float64Array(experts);
  for (let g = 0; g < groups; g++) {
    let totalA = 0;
    let totalB = 0;
    for (let e = g * groupSize; e < (g + 1) * groupSize; e++) {
      totalA += rowA[e]!;
      totalB += rowB[e]!;
    }
    if (totalA === 0 || totalB === 0) continue;
    for (let e = g * groupSize; e < (g + 1) * groupSize; e++) {
      const shareA = rowA[e]! / totalA;
      const shareB = rowB[e]! / totalB;
      if (shareA + shareB > 0) change[e] = (2 * (shareB - shareA)) / (shareA + shareB);
    }
  }
  return change;
}
