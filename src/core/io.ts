import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { parseDocument, type Document, type YAMLError } from 'yaml';
import { UserError } from './errors.js';

/** Alias expansions a YAML file may make in all (a spec needs a handful). */
const MAX_YAML_ALIASES = 100;

/** Files larger than this are refused before reading: they are mistakes, not instances. */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Deeper nesting than this is refused: no format of ours nests anywhere near it. */
export const MAX_JSON_DEPTH = 64;

export interface ReadLimits {
  maxBytes?: number;
  /** What to do about a file over the limit (default: split it). */
  tooLarge?: string;
}

/**
 * Read a UTF-8 text file, with a user-facing error for a missing, unreadable or huge file, or
 * one that is not UTF-8 (decoding it anyway would silently turn its bytes into U+FFFD).
 */
export function readTextFile(path: string, limits: ReadLimits = {}): string {
  const bytes = readFileBytes(path, limits);
  refuseNonUtf8(bytes, path, 'save it as UTF-8');
  return bytes.toString('utf8');
}

/** Refuse `bytes` (the file at `path`) unless UTF-8, naming the first line that is not and `fix`. */
export function refuseNonUtf8(bytes: Buffer, path: string, fix: string): void {
  if (!isUtf8(bytes))
    throw new UserError(`is not UTF-8 text (line ${firstNonUtf8Line(bytes)}); ${fix}`, path);
}

/** The number (from 1) of the first line of `bytes` that is not valid UTF-8. */
export function firstNonUtf8Line(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (!isUtf8(bytes.subarray(start, end < 0 ? bytes.length : end)) || end < 0) return line;
    line++;
    start = end + 1;
  }
}

/** Why a file could not be opened, in the user's words. */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ENOTDIR') return 'does not exist (a part of its path is a file)';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot read the file (${code})`;
}

/**
 * Read a file's bytes, refusing (a UserError naming `path`) one that is missing, unreadable,
 * not a regular file (a FIFO or `/dev/zero` would never end) or larger than `limits.maxBytes`.
 */
export function readFileBytes(path: string, limits: ReadLimits = {}): Buffer {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UserError('is not a regular file', path);
    size = stat.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(unreadableReason(error), path);
  }
  if (size > maxBytes) {
    throw new UserError(
      `file is ${formatBytes(size)}, above the ${formatBytes(maxBytes)} limit; ${limits.tooLarge ?? 'split it into smaller files'}`,
      path,
    );
  }
  return readFileSync(path);
}

/**
 * Parse JSON text, naming the line and column of a syntax error, refusing deep nesting and a
 * key given twice in one object.
 */
export function parseJson(withMark: string, source: string): unknown {
  // Editors on Windows start UTF-8 files with a byte-order mark, which JSON does not allow.
  const text = withMark.startsWith('\uFEFF') ? withMark.slice(1) : withMark;
  const { depth, duplicate } = scanJson(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new UserError(
      `JSON nests ${depth} levels deep, more than the ${MAX_JSON_DEPTH} allowed`,
      source,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    const { position, expected } = locateJsonError(text);
    const message = expected ?? (error as Error).message;
    throw new UserError(`invalid JSON at ${lineAndColumn(text, position)}: ${message}`, source);
  }
  if (duplicate) {
    throw new UserError(
      `the key "${duplicate.key}" appears twice in one object, again at ${lineAndColumn(text, duplicate.position)}; give it once`,
      source,
    );
  }
  return data;
}

export function readJsonFile(path: string, limits: ReadLimits = {}): unknown {
  return parseJson(readTextFile(path, limits), path);
}

/** The first line of a YAML parse error, without the position the library appends to it. */
export function yamlErrorText(error: YAMLError): string {
  return error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * A parsed YAML document's data. Aliases are capped, so that a few lines of nested aliases
 * (a "billion laughs") cannot expand into gigabytes: beyond the cap, a user error.
 */
export function yamlData(doc: Document, source: string): unknown {
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message))
      throw new UserError(
        `uses aliases (*name) more than ${MAX_YAML_ALIASES} times in all; write the values out`,
        source,
      );
    if (error instanceof RangeError) throw tooDeep(source);
    throw error;
  }
  if (nestsDeeperThan(data, MAX_JSON_DEPTH)) throw tooDeep(source);
  return data;
}

export function tooDeep(source: string): UserError {
  return new UserError(
    `YAML nests more than the ${MAX_JSON_DEPTH} levels allowed; a settings file needs a few`,
    source,
  );
}

/** The parser recurses per level: very deep text overflows its stack, which it reports so. */
export function overflowed(error: YAMLError): boolean {
  return /call stack/i.test(error.message);
}

/** Do lists and mappings nest more than `limit` levels (stopping as soon as they do)? */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => nestsDeeperThan(child, limit - 1));
}

/** Parse YAML text; errors name the line and column. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first && overflowed(first)) throw tooDeep(source);
  if (first) {
    const pos = first.linePos?.[0];
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new UserError(`invalid YAML${at}: ${yamlErrorText(first)}`, source);
  }
  return yamlData(doc, source);
}

export function readYamlFile(path: string, limits: ReadLimits = {}): unknown {
  return parseYaml(readTextFile(path, limits), path);
}

/** One CSV table: header names and rows of raw cells, with 1-based line numbers for messages. */
export interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/**
 * Parse RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). Blank lines are skipped.
 * A row whose cell count differs from the header is an error naming its line. When every line,
 * the header's included, ends in a comma, the empty last column they make is dropped: it has
 * no name, and a reader that counts columns would count it.
 */
export function parseCsv(text: string, source: string): CsvTable {
  const records = splitCsvRecords(text, source);
  const headerRecord = records.shift();
  if (!headerRecord) throw new UserError('CSV file is empty; expected a header row', source);
  const header = headerRecord.cells.map((cell) => cell.trim());
  for (const record of records) {
    if (record.cells.length !== header.length) {
      throw new UserError(
        `line ${record.line} has ${record.cells.length} cells, the header has ${header.length}`,
        source,
      );
    }
  }
  return withoutTrailingCommas({ header, rows: records });
}

/** The table without its last column when that column is empty on every line, header included. */
function withoutTrailingCommas(table: CsvTable): CsvTable {
  const lines = [table.header, ...table.rows.map((row) => row.cells)];
  if (table.header.length < 2 || lines.some((cells) => cells.at(-1)!.trim() !== '')) return table;
  return {
    header: table.header.slice(0, -1),
    rows: table.rows.map((row) => ({ ...row, cells: row.cells.slice(0, -1) })),
  };
}

export function readCsvFile(path: string, limits: ReadLimits = {}): CsvTable {
  return parseCsv(readTextFile(path, limits), path);
}

function splitCsvRecords(text: string, source: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = (): void => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += ch;
    }
  }
  if (inQuotes)
    throw new UserError(`unterminated quoted field starting on line ${recordLine}`, source);
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/** What one pass over JSON text finds before it is parsed (see scanJson). */
interface JsonScan {
  /** Deepest bracket nesting outside strings. */
  depth: number;
  /** The first key that an object repeats, and where its second copy starts; null if none. */
  duplicate: { key: string; position: number } | null;
}

/**
 * One cheap pass over JSON text: its nesting depth (to stop a stack overflow in JSON.parse) and
 * the first key an object gives twice (JSON.parse silently keeps the last, so a field given
 * twice, one copy misspelt or stale, would lose the other without a word). Tracks a set of keys
 * only for objects, so load matrices of millions of numbers cost one comparison per character.
 * Meant for text JSON.parse accepts; on other text its findings are unspecified, but it never
 * throws: it runs first, and JSON.parse then names what is wrong with the text.
 */
function scanJson(text: string): JsonScan {
  // One entry per open bracket: the keys seen so far in an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  let max = 0;
  let duplicate: JsonScan['duplicate'] = null;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) {
        if (text.charCodeAt(i) === 92) {
          escaped = true;
          i++;
        }
      }
      const keys = open[open.length - 1];
      if (!expectKey || duplicate || !keys) continue;
      expectKey = false;
      const key = keyText(text.slice(start, i + 1), escaped);
      if (key === null) continue;
      if (keys.has(key)) duplicate = { key, position: start };
      keys.add(key);
    } else if (code === 123 || code === 91) {
      open.push(code === 123 ? new Set() : null);
      expectKey = code === 123;
      if (open.length > max) max = open.length;
    } else if (code === 125 || code === 93) {
      open.pop();
    } else if (code === 44) {
      expectKey = open[open.length - 1] != null;
    }
  }
  return { depth: max, duplicate };
}

/** The key a quoted JSON string `raw` spells, or null where its escapes are malformed. */
function keyText(raw: string, escaped: boolean): string | null {
  if (!escaped) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return null;
  }
}

/**
 * Find where JSON text first goes wrong (JSON.parse's own message omits it on Node 20): a
 * recursive-descent scan that builds nothing. Called only after JSON.parse has failed.
 */
export function locateJsonError(text: string): { position: number; expected?: string } {
  let i = 0;
  class Stop {
    constructor(readonly expected: string) {}
  }
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (expected: string): never => {
    throw new Stop(expected);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`expected a value, found ${describe(text[i])}`);
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('control character inside a string');
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail(`expected a value, found ${describe(text[i])}`);
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(`expected a property name in double quotes, found ${describe(text[i])}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after a property name, found ${describe(text[i])}`);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(`expected ',' or '}' after a property value, found ${describe(text[i])}`);
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(`expected ',' or ']' after an array element, found ${describe(text[i])}`);
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describe(text[i])} after the JSON value`);
    return { position: i };
  } catch (stop) {
    if (stop instanceof Stop) return { position: i, expected: stop.expected };
    throw stop;
  }
}

function describe(ch: string | undefined): string {
  return ch === undefined ? 'the end of the file' : JSON.stringify(ch);
}

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${position - lineStart + 1}`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}
