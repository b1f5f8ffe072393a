import { indentOf, isBlank, lineStarts } from './lines.js';

/**
 * Where a SEARCH text was found: program lines [start, end), and how the REPLACE lines must be
 * rewritten to take their place (re-indented when the SEARCH text was indented differently).
 */
export interface Match {
  start: number;
  end: number;
  render(replace: readonly string[]): string[];
}

/** One way of finding SEARCH lines in a program, from strictest to most tolerant. */
export type Matcher = (code: readonly string[], search: readonly string[]) => Match[];

const asWritten = (replace: readonly string[]): string[] => [...replace];

/** The matches `at` finds when the SEARCH lines are laid against each program line in turn. */
function slide(
  code: readonly string[],
  search: readonly string[],
  at: (start: number) => Match | null,
): Match[] {
  const matches: Match[] = [];
  for (let start = 0; start + search.length <= code.length; start++) {
    const match = at(start);
    if (match) matches.push(match);
  }
  return matches;
}

function linesEqual(
  code: readonly string[],
  search: readonly string[],
  start: number,
  same: (a: string, b: string) => boolean,
): boolean {
  for (let k = 0; k < search.length; k++) if (!same(code[start + k]!, search[k]!)) return false;
  return true;
}

/** Whole lines, byte for byte. */
const exactLines: Matcher = (code, search) =>
  slide(code, search, (start) =>
    linesEqual(code, search, start, (a, b) => a === b)
      ? { start, end: start + search.length, render: asWritten }
      : null,
  );

/** Whole lines, ignoring trailing whitespace (including stray `\r`). */
const trailingWhitespace: Matcher = (code, search) =>
  slide(code, search, (start) =>
    linesEqual(code, search, start, (a, b) => a.trimEnd() === b.trimEnd())
      ? { start, end: start + search.length, render: asWritten }
      : null,
  );

/**
 * Pairs of (program indent, SEARCH indent) for the non-blank lines of a candidate position,
 * or null when the lines differ in more than indentation and trailing whitespace. Blank lines
 * match blank lines only.
 */
function indentPairs(
  code: readonly string[],
  search: readonly string[],
  start: number,
): [string, string][] | null {
  const pairs: [string, string][] = [];
  for (let k = 0; k < search.length; k++) {
    const a = code[start + k]!;
    const b = search[k]!;
    if (isBlank(a) || isBlank(b)) {
      if (isBlank(a) && isBlank(b)) continue;
      return null;
    }
    if (a.trim() !== b.trim()) return null;
    pairs.push([indentOf(a), indentOf(b)]);
  }
  return pairs;
}

function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The same indentation string added to (or removed from) every non-blank SEARCH line; the
 * REPLACE lines get the same shift.
 */
const indentShift: Matcher = (code, search) =>
  slide(code, search, (start) => {
    const pairs = indentPairs(code, search, start);
    if (!pairs || pairs.length === 0) return null;
    const [firstCode, firstSearch] = pairs[0]!;
    const end = start + search.length;
    if (firstCode.length >= firstSearch.length) {
      const added = firstCode.slice(0, firstCode.length - firstSearch.length);
      if (!pairs.every(([c, s]) => c === added + s)) return null;
      return {
        start,
        end,
        render: (replace) => replace.map((line) => (isBlank(line) ? line : added + line)),
      };
    }
    const removed = firstSearch.slice(0, firstSearch.length - firstCode.length);
    if (!pairs.every(([c, s]) => s === removed + c)) return null;
    return {
      start,
      end,
      render: (replace) =>
        replace.map((line) => line.slice(commonPrefixLength(indentOf(line), removed))),
    };
  });

const TAB_WIDTHS = [4, 8, 2] as const;

function indentWidth(indent: string, tabWidth: number): number {
  let width = 0;
  for (const ch of indent) {
    width = ch === '\t' ? (Math.floor(width / tabWidth) + 1) * tabWidth : width + 1;
  }
  return width;
}

function renderIndent(width: number, tabWidth: number, useTabs: boolean): string {
  if (!useTabs) return ' '.repeat(width);
  return '\t'.repeat(Math.floor(width / tabWidth)) + ' '.repeat(width % tabWidth);
}

/**
 * Tabs against spaces: indentation measured in columns (a tab stop every 4, else 8, else 2
 * columns) differs by the same amount on every non-blank line. The REPLACE lines are shifted by
 * that amount and written in the program's style (tabs if its matched lines use tabs).
 */
const indentWidthShift: Matcher = (code, search) =>
  slide(code, search, (start) => {
    const pairs = indentPairs(code, search, start);
    if (!pairs || pairs.length === 0) return null;
    const useTabs = pairs.some(([c]) => c.includes('\t'));
    for (const tabWidth of TAB_WIDTHS) {
      const shift = (c: string, s: string) => indentWidth(c, tabWidth) - indentWidth(s, tabWidth);
      const delta = shift(...pairs[0]!);
      if (!pairs.every(([c, s]) => shift(c, s) === delta)) continue;
      return {
        start,
        end: start + search.length,
        render: (replace) =>
          replace.map((line) => {
            if (isBlank(line)) return line;
            const width = Math.max(0, indentWidth(indentOf(line), tabWidth) + delta);
            return renderIndent(width, tabWidth, useTabs) + line.trimStart();
          }),
      };
    }
    return null;
  });

/**
 * The SEARCH text as an exact substring that need not start or end at a line boundary (an
 * LLM quoting part of a line). The REPLACE text takes exactly its place.
 */
const substring: Matcher = (code, search) => {
  const text = code.join('\n');
  // Leading or trailing blank lines would make the match end inside a line break.
  if (isBlank(search[0]!) || isBlank(search[search.length - 1]!)) return [];
  const needle = search.join('\n');
  const starts = lineStarts(text);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const matches: Match[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const start = lineOf(at);
    const last = lineOf(at + needle.length - 1);
    const before = text.slice(starts[start], at);
    const after = text.slice(at + needle.length, (starts[last + 1] ?? text.length + 1) - 1);
    matches.push({
      start,
      end: last + 1,
      render: (replace) => (before + replace.join('\n') + after).split('\n'),
    });
  }
  return matches;
};

/** The matchers in the order they are tried: the first that finds the text decides. */
export const MATCHERS: readonly Matcher[] = [
  exactLines,
  trailingWhitespace,
  indentShift,
  indentWidthShift,
  substring,
];
