/** Machine output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human output goes to stderr, so that stdout stays clean for --json and pipes. */
export function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function formatNumber(value: number | null, digits = 6): string {
  if (value === null) return '-';
  if (!Number.isFinite(value)) return '∞';
  return Number(value.toPrecision(digits)).toString();
}
