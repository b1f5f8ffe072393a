import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UserError } from './errors.js';
import { overflowed, readTextFile, tooDeep, yamlData, yamlErrorText } from './io.js';
import { formatPath, PROTOTYPE_KEY_REFUSED, prototypeKeyPath, reportedIssue } from './schema.js';

/** The line (1-based) where the value at `path` starts, else the nearest ancestor's line. */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return counter.linePos(offset).line;
  }
  return null;
}

/**
 * Read a YAML file and check it against `schema`; a mistake names the file, the line and the
 * key (`spec.yaml:12: budget.max_candidates: ...`), as a UserError.
 */
export function readYamlChecked<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  const text = readTextFile(path);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const first = doc.errors[0];
  if (first && overflowed(first)) throw tooDeep(path);
  if (first) {
    const pos = first.linePos?.[0];
    throw new UserError(
      `invalid YAML: ${yamlErrorText(first)}`,
      pos ? `${path}:${pos.line}` : path,
    );
  }
  const data = yamlData(doc, path);
  if (data === null || data === undefined)
    throw new UserError(
      'holds nothing (an empty YAML document); write the settings it needs',
      path,
    );
  const refuse = (message: string, at: readonly PropertyKey[]): never => {
    const line = lineOf(doc, counter, at);
    throw new UserError(message, line ? `${path}:${line}` : path, formatPath(at) || undefined);
  };
  const hidden = prototypeKeyPath(data);
  if (hidden) refuse(PROTOTYPE_KEY_REFUSED, hidden);
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const { message, path: at } = reportedIssue(schema, result.error.issues, data);
  return refuse(message, at);
}

/**
 * `error` with the line of its field added, when it names `path` and a field of that YAML file
 * (`metrics.capacity`, `search_space.x.values[2]`): checks made after the schema (an evaluator
 * against the search space) know the field but not the line.
 */
export function withFieldLine(error: unknown, path: string): unknown {
  if (!(error instanceof UserError) || error.where !== path || !error.field) return error;
  const counter = new LineCounter();
  const doc = parseDocument(readTextFile(path), { lineCounter: counter });
  const keys = error.field
    .split(/\.|(?=\[)/)
    .map((part) => (/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part));
  const line = lineOf(doc, counter, keys);
  return line ? new UserError(error.message, `${path}:${line}`, error.field) : error;
}
