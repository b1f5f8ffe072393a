import type { z } from 'zod';
import { UserError } from './errors.js';

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
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  const field = fieldPrefix && path ? `${fieldPrefix}: ${path}` : fieldPrefix || path || undefined;
  throw new UserError(issue.message, source, field);
}
