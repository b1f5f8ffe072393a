import type { LoadMatrix } from './model.js';
import { recentLoad } from './recent.js';

export const FORECASTS = ['last', 'ema', 'recent'] as const;
/** The weight `ema` gives each newer window unless told otherwise (`--ema-alpha`). */
export const DEFAULT_EMA_ALPHA = 0.5;
export type Forecast = (typeof FORECASTS)[number];

/**
 * The load a plan is made for, from the windows recorded so far (shape [layers][experts]):
 * `last` is the latest window; `ema` the exponential moving average with weight `alpha` on
 * each newer window, which smooths the noise of a single window; `recent` weighs the steps
 * inside the windows by recency and follows a shift in traffic as soon as it stands out from
 * noise (see recent.ts).
 */
export function forecastLoad(
  history: readonly LoadMatrix[],
  forecast: Forecast,
  alpha: number,
): LoadMatrix {
  const last = history[history.length - 1]!;
  if (forecast === 'recent') return recentLoad(history);
  if (forecast === 'last' || history.length === 1) return last;
  const data = Float64Array.from(history[0]!.data);
  for (let w = 1; w < history.length; w++) {
    const next = history[w]!.data;
    for (let i = 0; i < data.length; i++) data[i] = alpha * next[i]! + (1 - alpha) * data[i]!;
  }
  return { layers: last.layers, experts: last.experts, data };
}
