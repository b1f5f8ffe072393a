import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { UserError } from './errors.js';

/** Files larger than this are refused before reading: they are mistakes, not instances. */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Deeper nesting than this is refused: no format of ours nests anywhere near it. */
export const MAX_JSON_DEPTH = 64;

export interface ReadLimits {
  maxBytes?: number;
}

/** Read a UTF-8 text file, with a user-facing error for a missing, unreadable or huge file. */
export function readTextFile(path: string, limits: ReadLimits = {}): string {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UserError('is not a regular file', path);
    size = stat.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read the file (${(error as NodeJS.ErrnoException).code})`, path);
  }
  if (size > maxBytes) {
    throw new UserError(
      `file is ${formatBytes(size)}, above the ${formatBytes(maxBytes)} limit; split it into smaller files`,
      path,
    );
  }
  return readFileSync(path, 'utf8');
}

/** Parse JSON text, naming the line and column of a syntax error and refusing deep nesting. */
export function parseJson(text: string, source: string): unknown {
  const depth = maxNestingDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new UserError(
      `JSON nests ${depth} levels deep, more than the ${MAX_JSON_DEPTH} allowed`,
      source,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const at = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : '';
    throw new UserError(
      `invalid JSON${at}: ${message.replace(/ in JSON at position.*$/, '')}`,
      source,
    );
  }
}

export function readJsonFile(path: string, limits: ReadLimits = {}): unknown {
  return parseJson(readTextFile(path, limits), path);
}

/** Parse YAML text; errors name the line and column. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new UserError(`invalid YAML${at}: ${first.message.split('\n')[0]}`, source);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
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
 * A row whose cell count differs from the header is an error naming its line.
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
  return { header, rows: records };
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

/** Deepest bracket nesting outside strings: a cheap scan that stops a stack overflow in parse. */
function maxNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92) i++;
      else if (code === 34) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 91 || code === 123) {
      depth++;
      if (depth > max) max = depth;
    } else if (code === 93 || code === 125) {
      depth--;
    }
  }
  return max;
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
