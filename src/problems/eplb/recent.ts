import type { LoadMatrix } from './model.js';

/**
 * Time constants of the two recency views, in slices (a tenth of a window): the short view is
 * mostly the latest tenth of a window, the long one reaches back about a window.
 */
const SHORT_SLICES = 1;
const LONG_SLICES = 8;
/** Slices weighted less than this are left out of a view. */
const NEGLIGIBLE_WEIGHT = 1e-6;

/**
 * Load weighted by recency, e^(−age / tau) with age in slices (0 for the newest), and per layer
 * Σ weight × slice total and Σ weight² × slice total: the view's effective count of tokens is
 * the first squared over the second.
 */
export interface RecencyView {
  data: Float64Array;
  mass: Float64Array;
  mass2: Float64Array;
}

function recencyView(history: readonly LoadMatrix[], tau: number): RecencyView {
  const { layers, experts } = history[0]!;
  const view: RecencyView = {
    data: new Float64Array(layers * experts),
    mass: new Float64Array(layers),
    mass2: new Float64Array(layers),
  };
  let age = 0;
  for (let w = history.length - 1; w >= 0; w--) {
    // A window without slices counts as one.
    const slices = history[w]!.slices ?? [history[w]!.data];
    for (let j = slices.length - 1; j >= 0; j--, age++) {
      const weight = Math.exp(-age / tau);
      if (weight < NEGLIGIBLE_WEIGHT) return view;
      const slice = slices[j]!;
      for (let l = 0; l < layers; l++) {
        let total = 0;
        for (let i = l * experts; i < (l + 1) * experts; i++) {
          view.data[i]! += weight * slice[i]!;
          total += slice[i]!;
        }
        view.mass[l]! += weight * total;
        view.mass2[l]! += weight * weight * total;
      }
    }
  }
  return view;
}

/**
 * Views already made, by history: a rebalance reads them twice (the `recent` forecast, then the
 * trend hedge's shift under way), and a history, once recorded, does not change.
 */
const viewsOf = new WeakMap<readonly LoadMatrix[], { short: RecencyView; long: RecencyView }>();

/** The short and the long recency views of a history (oldest window first). */
export function recencyViews(history: readonly LoadMatrix[]): {
  short: RecencyView;
  long: RecencyView;
} {
  let views = viewsOf.get(history);
  if (!views) {
    views = { short: recencyView(history, SHORT_SLICES), long: recencyView(history, LONG_SLICES) };
    viewsOf.set(history, views);
  }
  return views;
}

/**
 * How far to follow the short view: 1 − 1/χ², where χ² compares each layer's expert shares in
 * the short view with those in the long one, per degree of freedom, in units of the short
 * view's own counting noise (tokens are counts), pooled over layers. Near 1 when only noise
 * tells them apart (then the long view, less noisy, wins); large when traffic has shifted
 * within the last window (then the short view, already on the new traffic, wins).
 */
function shiftWeight(short: RecencyView, long: RecencyView, experts: number): number {
  let chi2 = 0;
  let freedom = 0;
  for (let l = 0; l < short.mass.length; l++) {
    const shortTotal = short.mass[l]!;
    const longTotal = long.mass[l]!;
    if (shortTotal <= 0 || longTotal <= 0) continue;
    let sum = 0;
    let cells = 0;
    for (let i = l * experts; i < (l + 1) * experts; i++) {
      const q = long.data[i]! / longTotal;
      if (q <= 0) continue;
      sum += (short.data[i]! / shortTotal - q) ** 2 / q;
      cells++;
    }
    chi2 += ((shortTotal * shortTotal) / short.mass2[l]!) * sum;
    freedom += cells - 1;
  }
  return freedom > 0 && chi2 > freedom ? 1 - freedom / chi2 : 0;
}

/**
 * The `recent` forecast: each layer's expert shares from a long recency view (about the last
 * window, weighted toward its end), moved toward a short one (the last tenth of a window) as
 * far as the shift between them stands out from counting noise; scaled to the latest window's
 * total per layer. A window without slices counts as one slice: the views are then over whole
 * windows, and a single such window is its own forecast.
 */
export function recentLoad(history: readonly LoadMatrix[]): LoadMatrix {
  const last = history[history.length - 1]!;
  const { layers, experts } = last;
  const { short, long } = recencyViews(history);
  const follow = shiftWeight(short, long, experts);
  const data = new Float64Array(layers * experts);
  for (let l = 0; l < layers; l++) {
    let lastTotal = 0;
    for (let i = l * experts; i < (l + 1) * experts; i++) lastTotal += last.data[i]!;
    const shortTotal = short.mass[l]!;
    const longTotal = long.mass[l]!;
    if (shortTotal <= 0 || longTotal <= 0) continue;
    for (let i = l * experts; i < (l + 1) * experts; i++) {
      const q = long.data[i]! / longTotal;
      data[i] = lastTotal * (q + follow * (short.data[i]! / shortTotal - q));
    }
  }
  return { layers, experts, data };
}
