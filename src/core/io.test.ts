import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from './errors.js';
import { firstNonUtf8Line, parseCsv, parseJson, parseYaml, readTextFile } from './io.js';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('core io', () => {
  it('names line and column of a JSON syntax error', () => {
    const error = userError(() => parseJson('{\n  "a": 1,\n  "b": }', 'x.json'));
    expect(error.format()).toMatch(/^x\.json: invalid JSON at line 3, column 8/);
  });

  it('reads JSON that starts with a byte-order mark', () => {
    expect(parseJson('\uFEFF{"a": 1}', 'bom.json')).toEqual({ a: 1 });
  });

  it('refuses a key given twice in one object, naming it and where it repeats', () => {
    const error = userError(() => parseJson('{\n  "memGb": 80,\n  "memGb": 40\n}', 'gpus.json'));
    expect(error.format()).toBe(
      'gpus.json: the key "memGb" appears twice in one object, again at line 3, column 3; give it once',
    );
    // Escapes spell the same key; the scan reads strings, not brackets inside them.
    expect(userError(() => parseJson('{"a": "{[", "\\u0061": 2}', 'x.json')).message).toMatch(
      /"a" appears twice/,
    );
    expect(
      userError(() => parseJson('[1, {"b": [{}], "c": 1, "b": 2}]', 'x.json')).message,
    ).toMatch(/"b" appears twice/);
  });

  it('accepts the same key in different objects, and every JSON.stringify output', () => {
    const text = '{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "\\"a\\""}';
    expect(parseJson(text, 'x.json')).toEqual(JSON.parse(text));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(parseJson(text, 'x.json')).toEqual(JSON.parse(text));
      }),
    );
  });

  it('refuses any malformed JSON as a user error, even where its keys are broken', () => {
    // A key with a bad escape, and a key after a stray bracket: the pre-parse scan once threw.
    for (const text of ['{"a\\\u0001": 1}', '{"a":1,]"b":1}', '{"\\'])
      expect(userError(() => parseJson(text, 'x.json')).message).toMatch(/^invalid JSON at/);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}[],:"\\a1 \u0001') }), (text) => {
        try {
          parseJson(text, 'x.json');
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses deeply nested JSON before parsing it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(userError(() => parseJson(deep, 'deep.json')).message).toMatch(/nests 100000 levels/);
  });

  it('refuses files over the size limit and missing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-io-'));
    const big = join(dir, 'big.json');
    writeFileSync(big, 'x'.repeat(2048));
    expect(userError(() => readTextFile(big, { maxBytes: 1024 })).message).toMatch(
      /above the 1024 bytes limit/,
    );
    expect(userError(() => readTextFile(join(dir, 'none.json'))).message).toBe('does not exist');
    expect(userError(() => readTextFile(join(big, 'inside.json'))).message).toBe(
      'does not exist (a part of its path is a file)',
    );
  });

  it('refuses a file that is not UTF-8, naming the first line that is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-io-'));
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('a: 1\nb: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    expect(userError(() => readTextFile(latin1)).message).toBe(
      'is not UTF-8 text (line 2); save it as UTF-8',
    );
    const utf8 = join(dir, 'utf8.yaml');
    writeFileSync(utf8, '\uFEFFa: café\nb: \uFFFD\n');
    expect(readTextFile(utf8)).toBe('\uFEFFa: café\nb: \uFFFD\n');
  });

  it('finds the first line that is not UTF-8', () => {
    const line = (...parts: (string | number[])[]): number =>
      firstNonUtf8Line(Buffer.concat(parts.map((part) => Buffer.from(part as string))));
    expect(line('ok\n', [0xff])).toBe(2);
    expect(line([0xc3], '\nok')).toBe(1);
    expect(line('a\nb\nc', [0xe2, 0x82], '\n')).toBe(3);
    // A character cut by no newline: a three-byte euro sign is whole on line 1.
    expect(line('€\n\n', [0x80])).toBe(3);
  });

  it('parses CSV with quotes and names the line of a ragged row', () => {
    const table = parseCsv('a,b\n1,"x, ""y"""\r\n\n2,3\n', 't.csv');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['1', 'x, "y"'],
      ['2', '3'],
    ]);
    expect(table.rows[1]!.line).toBe(4);
    expect(userError(() => parseCsv('a,b\n1,2\n3\n', 't.csv')).message).toBe(
      'line 3 has 1 cells, the header has 2',
    );
  });

  it('drops the unnamed column that lines ending in a comma make, and only that', () => {
    expect(parseCsv('a,b,\n1,2,\n3,4,\n', 't.csv')).toEqual(parseCsv('a,b\n1,2\n3,4\n', 't.csv'));
    // A named last column, or one with a value somewhere, stays.
    expect(parseCsv('a,b\n1,\n', 't.csv').header).toEqual(['a', 'b']);
    expect(parseCsv('a,b,\n1,2,\n3,4,x\n', 't.csv').header).toEqual(['a', 'b', '']);
  });

  it('names the line of a YAML error, once', () => {
    expect(parseYaml('a: 1\nb: [1, 2]\n', 'y.yaml')).toEqual({ a: 1, b: [1, 2] });
    const message = userError(() => parseYaml('a: 1\n b: 2\n  - c', 'y.yaml')).format();
    expect(message).toMatch(/^y\.yaml: invalid YAML at line \d+, column \d+: \S/);
    expect(message.match(/at line/g)).toHaveLength(1);
  });

  it('refuses a YAML alias bomb ("billion laughs") as a user error, not a crash', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [k, name] of [...'bcdefg'].entries()) {
      const previous = 'abcdefg'[k]!;
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    expect(userError(() => parseYaml(levels.join('\n'), 'bomb.yaml')).format()).toMatch(
      /^bomb\.yaml: uses aliases \(\*name\) more than 100 times/,
    );
    expect(parseYaml('base: &b {x: 1}\nother: *b\n', 'y.yaml')).toEqual({
      base: { x: 1 },
      other: { x: 1 },
    });
  });

  it('refuses deeply nested YAML, flow or block, as a user error, not a stack overflow', () => {
    const flow = `a: ${'['.repeat(30_000)}`;
    const block = (levels: number): string =>
      Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}k:\n`).join('') +
      `${'  '.repeat(levels)}1\n`;
    for (const text of [flow, block(3000), block(65)])
      expect(userError(() => parseYaml(text, 'deep.yaml')).format()).toMatch(
        /^deep\.yaml: YAML nests more than the 64 levels allowed/,
      );
    expect(parseYaml(block(63), 'ok.yaml')).toBeTruthy();
  });
});
