/**
 * Editing line-based settings files (env files, flag files) in place: the lines that set a
 * promoted key get the new value, every other byte of the file stays as it was.
 */

/** Where a line sets a key: `prefix + value + suffix` is the line without its line break. */
export interface KeyedLine {
  key: string;
  /** Everything before the value, e.g. `export KEY=` or `--flag=`. */
  prefix: string;
  /** The value as written, quotes included; '' for a bare flag. */
  value: string;
  /** Everything after the value: trailing blanks, an inline comment. */
  suffix: string;
}

/** How one kind of file sets keys. */
export interface LineSyntax {
  /** The key a line sets, or null for other lines (comments, blanks, anything unknown). */
  parse(content: string): KeyedLine | null;
  /** A new line (without line break) setting `key` to the already rendered `value`. */
  line(key: string, value: string): string;
}

/** One line and its line break: '\n', '\r\n', or '' for a last line without one. */
interface Line {
  content: string;
  ending: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) {
      lines.push({ content: text.slice(start), ending: '' });
      break;
    }
    const crlf = newline > start && text[newline - 1] === '\r';
    lines.push({
      content: text.slice(start, crlf ? newline - 1 : newline),
      ending: crlf ? '\r\n' : '\n',
    });
    start = newline + 1;
  }
  return lines;
}

/**
 * A value as a settings file should hold it: bare when it is plainly safe, else quoted the way
 * both shells and dotenv read back unchanged (single quotes, or double quotes with escapes when
 * the value has a single quote).
 */
export function quoteValue(value: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]*$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/** The value (as written) of each key the text sets; the last line wins for a repeated key. */
export function valuesIn(text: string, syntax: LineSyntax): Map<string, string> {
  const values = new Map<string, string>();
  for (const { content } of splitLines(text)) {
    const keyed = syntax.parse(content);
    if (keyed) values.set(keyed.key, keyed.value);
  }
  return values;
}

/**
 * Set `values` (key → rendered value) in `text`. Every line that sets one of the keys gets the
 * new value in place (all of them when a key repeats, so that neither a first-wins nor a
 * last-wins reader sees the old one); keys the text lacks are appended, one line each, with the
 * file's own line break. All other bytes are kept.
 */
export function setValues(text: string, values: Map<string, string>, syntax: LineSyntax): string {
  const lines = splitLines(text);
  const missing = new Set(values.keys());
  for (const line of lines) {
    const keyed = syntax.parse(line.content);
    const value = keyed ? values.get(keyed.key) : undefined;
    if (!keyed || value === undefined) continue;
    line.content = keyed.prefix + value + keyed.suffix;
    missing.delete(keyed.key);
  }
  if (missing.size > 0) {
    const ending = lines.find((l) => l.ending !== '')?.ending ?? '\n';
    const last = lines[lines.length - 1];
    if (last && last.ending === '') last.ending = ending;
    for (const key of missing) lines.push({ content: syntax.line(key, values.get(key)!), ending });
  }
  return lines.map((l) => l.content + l.ending).join('');
}
