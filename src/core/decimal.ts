/**
 * A number written in plain decimal ("4096", "-3.5", ".5", "1e6"); NaN for anything else
 * (empty, "0x10", "Infinity", "free", "1,5", "1_000"), so that nothing is silently read as 0 or
 * as another base, as `Number()` would.
 */
export function parseDecimal(text: string): number {
  const t = text.trim();
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN;
}
