import type { ParamValue, Params } from './space.js';

/**
 * A number as configurations compare it: integers unchanged, other values rounded to 15
 * significant digits (so `0.1 + 0.2` and `0.3` are the same setting), and −0 as 0.
 */
export function normaliseNumber(value: number): number {
  if (Number.isInteger(value) || !Number.isFinite(value)) return value + 0;
  return Number(value.toPrecision(15)) + 0;
}

/** One value as a comparable token: its type and its normalised form (`1` ≠ `'1'` ≠ `true`). */
export function valueKey(value: ParamValue): string {
  return typeof value === 'number'
    ? `n:${normaliseNumber(value)}`
    : `${typeof value}:${String(value)}`;
}

/** Whether two values are the same setting. */
export function sameValue(a: ParamValue, b: ParamValue): boolean {
  return valueKey(a) === valueKey(b);
}

/**
 * A stable key for a configuration, for "never evaluate the same configuration twice":
 * JSON of its parameters sorted by name, numbers normalised. Readable, e.g.
 * `{"gpu_mem":0.45,"whisper":"base"}`; equal settings give equal keys whatever their order.
 */
export function canonicalKey(params: Params): string {
  const names = Object.keys(params).sort();
  return `{${names
    .map((name) => {
      const value = params[name]!;
      return `${JSON.stringify(name)}:${JSON.stringify(typeof value === 'number' ? normaliseNumber(value) : value)}`;
    })
    .join(',')}}`;
}
