/** A number as people read it: a few significant digits (6 unless told), or a dash for none. */
export function figure(value: number | null | undefined, digits = 6): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number(value.toPrecision(digits)).toString();
}
