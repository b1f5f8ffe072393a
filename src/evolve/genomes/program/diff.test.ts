import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';

const NO_NEWLINE = '\\ No newline at end of file';

/** Lines with their `\n`, as the diff sees them. */
function tokens(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * A minimal `patch` for tests: applies a unified diff to `before`, checking every context and
 * removed line against it and every hunk header's counts and positions.
 */
function applyUnified(before: string, diff: string): string {
  if (diff === '') return before;
  const lines = diff.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines[0]).toMatch(/^--- /);
  expect(lines[1]).toMatch(/^\+\+\+ /);
  const source = tokens(before);
  const out: string[] = [];
  let pos = 0;
  let i = 2;
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i]!);
    expect(header, `hunk header at diff line ${i + 1}`).not.toBeNull();
    const [oldStart, oldCount, newStart, newCount] = [1, 2, 3, 4].map((g) =>
      Number(header![g] ?? '1'),
    ) as [number, number, number, number];
    const at = oldCount === 0 ? oldStart : oldStart - 1;
    expect(at).toBeGreaterThanOrEqual(pos);
    out.push(...source.slice(pos, at));
    pos = at;
    expect(newCount === 0 ? newStart : newStart - 1).toBe(out.length);
    let seenOld = 0;
    let seenNew = 0;
    for (i++; i < lines.length && !lines[i]!.startsWith('@@'); i++) {
      const line = lines[i]!;
      const lastLine = lines[i + 1] === NO_NEWLINE;
      const token = lastLine ? line.slice(1) : `${line.slice(1)}\n`;
      if (line[0] !== '+') {
        expect(source[pos]).toBe(token);
        pos++;
        seenOld++;
      }
      if (line[0] !== '-') {
        expect(line[0] === ' ' || line[0] === '+').toBe(true);
        out.push(token);
        seenNew++;
      }
      if (lastLine) i++;
    }
    expect([seenOld, seenNew]).toEqual([oldCount, newCount]);
  }
  out.push(...source.slice(pos));
  return out.join('');
}

/** The same diff read the other way round. */
function reverse(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('--- ') || line.startsWith('+++ ')) return line;
      if (line.startsWith('@@')) return line.replace(/^@@ -(\S+) \+(\S+) @@$/, '@@ -$2 +$1 @@');
      if (line.startsWith('-')) return `+${line.slice(1)}`;
      if (line.startsWith('+')) return `-${line.slice(1)}`;
      return line;
    })
    .join('\n');
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const next = [0];
    for (let j = 0; j < b.length; j++) {
      next.push(x === b[j] ? row[j]! + 1 : Math.max(row[j + 1]!, next[j]!));
    }
    row = next;
  }
  return row[b.length]!;
}

describe('unifiedDiff', () => {
  it('writes what diff -u writes', () => {
    const before = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\ntwelve\n';
    const after = `zero\n${before.replace('five', 'FIVE').slice(0, -1)}`;
    expect(unifiedDiff(before, after)).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -1,12 +1,13 @@',
        '+zero',
        ' one',
        ' two',
        ' three',
        ' four',
        '-five',
        '+FIVE',
        ' six',
        ' seven',
        ' eight',
        ' nine',
        ' ten',
        ' eleven',
        '-twelve',
        '+twelve',
        NO_NEWLINE,
        '',
      ].join('\n'),
    );
  });

  it('is empty for equal texts and handles empty sides', () => {
    expect(unifiedDiff('x\n', 'x\n')).toBe('');
    expect(unifiedDiff('', 'a\nb\n', { fromName: 'old.py', toName: 'new.py' })).toBe(
      '--- old.py\n+++ new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    expect(unifiedDiff('a\n', '')).toBe('--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n');
  });

  it('splits hunks further apart than twice the context', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join('');
    const after = before.replace('line 2\n', 'two\n').replace('line 12\n', 'twelve\n');
    const headers = (context: number) =>
      unifiedDiff(before, after, { context })
        .split('\n')
        .filter((line) => line.startsWith('@@'));
    expect(headers(3)).toEqual(['@@ -1,6 +1,6 @@', '@@ -10,7 +10,7 @@']);
    expect(headers(5)).toEqual(['@@ -1,18 +1,18 @@']);
    expect(headers(0)).toEqual(['@@ -3 +3 @@', '@@ -13 +13 @@']);
    expect(() => unifiedDiff(before, after, { context: -1 })).toThrow(RangeError);
  });

  it('property: the hunks rebuild both texts and change as few lines as possible', () => {
    const text = fc
      .tuple(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', '', ' x'), { maxLength: 30 }),
        fc.boolean(),
      )
      .map(([lines, newline]) => lines.join('\n') + (newline && lines.length > 0 ? '\n' : ''));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (before, after, context) => {
        const diff = unifiedDiff(before, after, { context });
        expect(diff === '').toBe(before === after);
        expect(applyUnified(before, diff)).toBe(after);
        expect(applyUnified(after, reverse(diff))).toBe(before);
        const changed = diff
          .split('\n')
          .slice(2)
          .filter((line) => line.startsWith('-') || line.startsWith('+')).length;
        const [a, b] = [tokens(before), tokens(after)];
        expect(changed).toBe(a.length + b.length - 2 * lcsLength(a, b));
      }),
      { numRuns: 500 },
    );
  });
});
