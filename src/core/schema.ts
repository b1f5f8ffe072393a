import { z } from 'zod';
import { UserError } from './errors.js';
import { didYouMean, nearMiss } from './near-miss.js';

/** Render a zod issue path as `models[3].sizeGb`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validate `data` against `schema`; on failure throw a UserError naming the source, the first
 * offending field (prefixed by `fieldPrefix`) and what was expected.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: string,
  fieldPrefix = '',
): z.output<S> {
  const hidden = prototypeKeyPath(data);
  if (hidden)
    throw new UserError(PROTOTYPE_KEY_REFUSED, source, fieldOf(fieldPrefix, formatPath(hidden)));
  return parseWithoutRecords(schema, data, source, fieldPrefix);
}

/**
 * parseWith for a schema with no record (every key it keeps is a field it names, so a
 * `__proto__` key cannot vanish into one): skips the look for such a key, a pass over every
 * value, which a load matrix of millions of numbers would pay for nothing.
 */
export function parseWithoutRecords<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: string,
  fieldPrefix = '',
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const { message, path } = reportedIssue(schema, result.error.issues, data);
  throw new UserError(message, source, fieldOf(fieldPrefix, formatPath(path)));
}

/** A field as messages name it: `prefix: path`, either alone, or none. */
function fieldOf(prefix: string, path: string): string | undefined {
  return prefix && path ? `${prefix}: ${path}` : prefix || path || undefined;
}

/**
 * The one fault to report of a failed parse of `data` against `schema`: the first issue, in
 * words of ours where zod's are terse (a value not among the allowed ones names the one it
 * seems to misspell), except that a strict object's stray key is most often a misspelt field,
 * which zod also reports as the field missing: then the stray key, with the field it seems to
 * mean, comes first.
 */
export function reportedIssue(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
): { message: string; path: PropertyKey[] } {
  const strays = issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [...issue.path, key],
          message: fixFor(schema, issue.path, key),
        }))
      : [],
  );
  const stray = strays.find((s) => s.message !== UNKNOWN_FIELD) ?? strays[0];
  if (stray && (stray.message !== UNKNOWN_FIELD || issues[0]!.code === 'unrecognized_keys'))
    return stray;
  const issue = issues.find((i) => !outrangedBy(i, issues)) ?? issues[0]!;
  return { message: messageOf(issue, data), path: [...issue.path] };
}

/**
 * Is `issue` zod's safe-integer bound on a field that has a bound of its own among `issues`?
 * zod checks the first before the second (2⁵³ + 1 "must be <= 9007199254740991" where the
 * field takes at most 64): the field's own says what to write.
 */
function outrangedBy(issue: z.core.$ZodIssue, issues: readonly z.core.$ZodIssue[]): boolean {
  return (
    (issue.code === 'too_big' || issue.code === 'too_small') &&
    issue.origin === 'int' &&
    issues.some(
      (other) =>
        other !== issue &&
        other.code === issue.code &&
        other.path.length === issue.path.length &&
        other.path.every((key, k) => key === issue.path[k]),
    )
  );
}

/** How a bound's message names what it counts, by zod's `origin`. */
const BOUNDED_UNITS: Partial<Record<string, string>> = {
  array: ' items',
  set: ' items',
  string: ' characters',
  file: ' bytes',
};

/** A bound in our words: `expected at most 64, got 1000`, `expected above 0, got 0`. */
function boundMessage(
  issue: z.core.$ZodIssue & { code: 'too_big' | 'too_small' },
  data: unknown,
): string {
  const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  const side =
    issue.code === 'too_big'
      ? issue.inclusive === false
        ? 'below'
        : 'at most'
      : issue.inclusive === false
        ? 'above'
        : 'at least';
  const value = valueAt(data, issue.path);
  const units = BOUNDED_UNITS[issue.origin];
  const size =
    units === undefined
      ? value
      : Array.isArray(value) || typeof value === 'string'
        ? value.length
        : value;
  return refusalOf(`expected ${side} ${String(limit)}${units ?? ''}`, size);
}

/**
 * The message of `issue`: a schema's own, else ours where zod's default is terse: a value of
 * the wrong type shows what came (`expected a number, got "80"`), and one not among the allowed
 * values names the one it seems to misspell.
 */
function messageOf(issue: z.core.$ZodIssue, data: unknown): string {
  // Zod's default wording; a schema's own message is kept as written.
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input'))
    return refusalOf(
      `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`,
      valueAt(data, issue.path),
    );
  if (
    (issue.code === 'too_big' && issue.message.startsWith('Too big')) ||
    (issue.code === 'too_small' && issue.message.startsWith('Too small'))
  )
    return boundMessage(issue, data);
  if (issue.code !== 'invalid_value' || !issue.values.every((v) => typeof v === 'string'))
    return issue.message;
  const allowed = issue.values as string[];
  return unknownChoice(valueAt(data, issue.path), allowed, `expected one of ${allowed.join(', ')}`);
}

/** How messages name the types zod expects. */
const TYPE_NAMES: Partial<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/** The value at `path` in parsed data, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** How a message shows a value it refuses: as the JSON had it, cut short. */
export function shownValue(value: unknown): string {
  // YAML's !!binary: its bytes as JSON would be a list of numbers.
  if (value instanceof Uint8Array) return `binary data (${value.length} bytes)`;
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * A refusal that shows what came: `<expected>, got <value>`, or `missing; <expected>` for an
 * absent field (`expected` reads "expected memory in GB ...").
 */
export function refusalOf(expected: string, input: unknown): string {
  return input === undefined ? `missing; ${expected}` : `${expected}, got ${shownValue(input)}`;
}

/**
 * The refusal of `value` where one of `names` was expected: `expected` (which lists them), what
 * came, and the name meant when it is a near miss (case, underscores, a letter or two).
 */
export function unknownChoice(value: unknown, names: readonly string[], expected: string): string {
  return refusalOf(expected, value) + (typeof value === 'string' ? didYouMean(value, names) : '');
}

/**
 * A value `accepts` takes, else `expected` (`expected a number above 0 ...`) and what came.
 * One refinement of any input rather than a type check: zod explains a union's failure only when
 * exactly one form fails without aborting, which a failed type check does. Typed as the schema
 * of what it accepts, for callers.
 */
export function checked<T>(accepts: (value: unknown) => boolean, expected: string) {
  return z.unknown().refine(accepts, {
    error: (issue) => refusalOf(expected, issue.input),
  }) as unknown as z.ZodType<T, T>;
}

/** What parseWith says of a key a strict object does not have (the field names the key). */
export const UNKNOWN_FIELD = 'unknown field; check its spelling, or remove it';

export const PROTOTYPE_KEY_REFUSED =
  'the name "__proto__" is not allowed (a JavaScript object cannot hold it as a key); rename it';

/** Whether a user error is parseWith's refusal of a key a strict object does not have. */
export function isUnknownField(error: UserError): boolean {
  return error.message.startsWith('unknown field;');
}

/** The refusal of `key` in the object at `path`: naming the field it seems to misspell, if any. */
function fixFor(schema: z.ZodType, path: readonly PropertyKey[], key: string): string {
  const meant = nearMiss(key, fieldsAt(schema, path));
  return meant ? `unknown field; did you mean "${meant}"?` : UNKNOWN_FIELD;
}

/** The parts of a zod schema's definition that lead to the objects inside it. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

/**
 * The field names of the object(s) `schema` expects at `path` in the data (every option's, under
 * a union), [] where it expects no object: what a stray key there may have meant.
 */
export function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  const [head, ...rest] = path;
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return fieldsAt(inner, path);
  if (def.options) return [...new Set(def.options.flatMap((option) => fieldsAt(option, path)))];
  if (def.left && def.right) return [...fieldsAt(def.left, path), ...fieldsAt(def.right, path)];
  if (def.shape) {
    if (head === undefined) return Object.keys(def.shape);
    const field =
      typeof head === 'string' && Object.hasOwn(def.shape, head) ? def.shape[head] : null;
    return field ? fieldsAt(field, rest) : [];
  }
  if (head === undefined) return [];
  if (def.element && typeof head === 'number') return fieldsAt(def.element, rest);
  if (def.valueType) return fieldsAt(def.valueType, rest);
  return [];
}

/**
 * The path of the first `__proto__` key in parsed data, or null. JSON.parse and YAML keep it
 * as an own key, but a schema's record copies keys by assignment, where it silently vanishes.
 * Builds a path only when it finds one: load matrices hold millions of numbers.
 */
export function prototypeKeyPath(value: unknown): PropertyKey[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (Object.hasOwn(value, '__proto__')) return ['__proto__'];
  const keys: PropertyKey[] = Array.isArray(value) ? [] : Object.keys(value);
  const count = Array.isArray(value) ? value.length : keys.length;
  for (let i = 0; i < count; i++) {
    const key = Array.isArray(value) ? i : keys[i]!;
    const child = (value as Record<PropertyKey, unknown>)[key];
    if (child === null || typeof child !== 'object') continue;
    const found = prototypeKeyPath(child);
    if (found) return [key, ...found];
  }
  return null;
}

/** How messages name an item of a list: its id when it has one, and its position. */
function itemLabel(kind: string, raw: unknown, index: number): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number'
    ? `${kind} "${String(id)}" (#${index})`
    : `${kind} #${index}`;
}

/**
 * A file's content as one item or an array of them, each checked by `schema` with messages
 * naming the item (`instance "a" (#0): models[1].sizeGb`). An item without an id gets
 * `<kind>-<index>`; ids must be unique within the file.
 */
export function parseIdentifiedList<S extends z.ZodType<{ id?: string | undefined }>>(
  schema: S,
  data: unknown,
  source: string,
  kind: string,
): (z.output<S> & { id: string })[] {
  const list: unknown[] = Array.isArray(data) ? data : [data];
  if (list.length === 0) throw new UserError(`the file holds no ${kind} (an empty array)`, source);
  const seen = new Set<string>();
  return list.map((raw, index) => {
    const label = itemLabel(kind, raw, index);
    const parsed = parseWith(schema, raw, source, label);
    const id = parsed.id ?? `${kind}-${index}`;
    if (seen.has(id)) {
      throw new UserError(
        `duplicate ${kind} id "${id}"; ids must be unique`,
        source,
        `${label}: id`,
      );
    }
    seen.add(id);
    return { ...parsed, id };
  });
}
