import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';

/** Machine output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Help the user asked for (--help) is the command's output: stdout, so that `| less` and
 * `| grep` work. Help shown because a command was missing goes to stderr with the error.
 */
export function printHelp(text: string): void {
  process.stdout.write(`${text}\n`);
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

/** JSON Lines, one row per line: to `out` (atomically) or to stdout. */
export function writeJsonLines(rows: readonly unknown[], out: string | undefined): void {
  const text = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  if (out) writeFileAtomic(resolve(out), text);
  else process.stdout.write(text);
}
