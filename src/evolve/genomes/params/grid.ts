import { normaliseNumber, sameValue } from './key.js';
import type { NumericParam, ParamSpec } from './space.js';

/** Slack for floating-point division when counting grid points (0.2 / 0.05 = 3.9999…). */
const GRID_SLACK = 1e-9;

/** The grid spacing of a numeric parameter: ints default to 1; reals without step have none. */
export function stepOf(spec: NumericParam): number | undefined {
  return spec.type === 'int' ? (spec.step ?? 1) : spec.step;
}

/** Grid points `min + k·step` (k = 0 …) within [min, max]; null for a continuous range. */
export function gridCount(spec: NumericParam): number | null {
  const step = stepOf(spec);
  if (step === undefined) return null;
  const steps = (spec.max - spec.min) / step;
  return Math.floor(steps + GRID_SLACK * Math.max(1, steps)) + 1;
}

/** The k-th grid point, normalised and never outside [min, max]. */
export function gridValue(spec: NumericParam, k: number): number {
  return clampToRange(spec, normaliseNumber(spec.min + k * stepOf(spec)!));
}

/** Index of the grid point nearest to `value` (clamped into the grid). */
export function gridIndex(spec: NumericParam, value: number): number {
  const k = Math.round((value - spec.min) / stepOf(spec)!);
  return Math.min(gridCount(spec)! - 1, Math.max(0, k));
}

/** The allowed value nearest to `value`: clamped into [min, max], snapped to the grid if any. */
export function snap(spec: NumericParam, value: number): number {
  if (stepOf(spec) === undefined) return clampToRange(spec, normaliseNumber(value));
  return gridValue(spec, gridIndex(spec, value));
}

/** `value` clamped into [min, max] (normalising can move a bound's neighbour past it). */
function clampToRange(spec: NumericParam, value: number): number {
  return Math.min(spec.max, Math.max(spec.min, value));
}

/** Whether `value` lies in [min, max], compared as configurations compare numbers. */
export function inRange(spec: NumericParam, value: number): boolean {
  const v = normaliseNumber(value);
  return v >= normaliseNumber(spec.min) && v <= normaliseNumber(spec.max);
}

/** Whether `value` is one of the parameter's values (in range, and on the grid if any). */
export function onGrid(spec: NumericParam, value: number): boolean {
  return inRange(spec, value) && sameValue(snap(spec, value), value);
}

/** Position of `value` along the range in [0, 1]: linear, or logarithmic when `log`. */
export function toUnit(spec: NumericParam, value: number): number {
  if (spec.max === spec.min) return 0;
  const clamped = clampToRange(spec, value);
  return spec.log
    ? Math.log(clamped / spec.min) / Math.log(spec.max / spec.min)
    : (clamped - spec.min) / (spec.max - spec.min);
}

/** The value at position `unit` ∈ [0, 1] along the range (inverse of {@link toUnit}). */
export function fromUnit(spec: NumericParam, unit: number): number {
  return spec.log
    ? spec.min * Math.pow(spec.max / spec.min, unit)
    : spec.min + unit * (spec.max - spec.min);
}

/** How many values a parameter has; null for a continuous real range (min < max, no step). */
export function paramSize(spec: ParamSpec): number | null {
  if (spec.type === 'choice') return spec.values.length;
  return spec.min === spec.max ? 1 : gridCount(spec);
}

/** Whether a parameter has more than one value, i.e. can be mutated. */
export function isVariable(spec: ParamSpec): boolean {
  const size = paramSize(spec);
  return size === null || size > 1;
}
