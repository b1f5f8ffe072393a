/**
 * A text as lines plus the line ending it uses, so that splitting and joining again gives the
 * same bytes for files that end their lines consistently (all `\n` or all `\r\n`). A text that
 * ends with a newline has a last element `''`.
 */
export interface Lines {
  lines: string[];
  eol: '\n' | '\r\n';
}

export function splitLines(text: string): Lines {
  return { lines: text.split(/\r?\n/), eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

export function joinLines({ lines, eol }: Lines): string {
  return lines.join(eol);
}

/** Offsets at which the lines of `text` start (split at `\n`): `[0, ...]`. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** True for a line with nothing but whitespace. */
export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** The leading whitespace of a line. */
export function indentOf(line: string): string {
  return line.slice(0, line.length - line.trimStart().length);
}

/**
 * A short quotation of a text for messages to the LLM: its first non-blank lines (at most
 * `maxLines`, each cut at `maxChars`), joined by ` / `.
 */
export function quoteStart(text: string, maxLines = 2, maxChars = 80): string {
  const shown = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, maxLines)
    .map((line) => (line.length > maxChars ? `${line.slice(0, maxChars - 3)}...` : line));
  return `"${shown.join(' / ')}"`;
}
