import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { CASE_SETS } from '../../core/program-task.js';
import { evaluationSchema } from '../task.js';

/** The BullMQ queue evaluations go through unless told otherwise (`--queue`). */
export const DEFAULT_QUEUE_NAME = 'evoplace-evaluations';

/**
 * One evaluation as it travels to a worker: the task's name (built-in) or the reference of an
 * external task shipped to the queue's Redis (task-shelf.ts), which of its case sets to score on,
 * the program and the limits. Nothing else: no API key, no environment, no run configuration.
 */
export const evaluationJobSchema = z
  .object({
    task: z.string().min(1),
    cases: z.enum(CASE_SETS),
    code: z.string(),
    limits: z
      .object({
        timeoutMs: z.number().positive(),
        memoryMb: z.number().int().positive(),
        maxOutputBytes: z.number().int().positive(),
      })
      .strict(),
  })
  .strict();
export type EvaluationJob = z.infer<typeof evaluationJobSchema>;

/** What a worker sends back: the evaluation and what the sandbox saw. */
export const evaluationResultSchema = evaluationSchema.extend({
  stdout: z.string(),
  stderr: z.string(),
  evalMs: z.number().min(0),
});

/** Where the queue lives: a `redis://` or `rediss://` URL and a queue name. */
export interface QueueAddress {
  url: string;
  name: string;
}

/** Check `--redis URL` and `--queue NAME` as a user gives them. */
export function queueAddress(url: string, name: string = DEFAULT_QUEUE_NAME): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`"${url}" is not a URL; expected redis://HOST:PORT`, undefined, '--redis');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UserError(
      `"${parsed.protocol}" is not a Redis URL scheme; expected redis://HOST:PORT or rediss://HOST:PORT`,
      undefined,
      '--redis',
    );
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new UserError(
      `"${name}" is not a queue name; use 1–64 letters, digits, "-" or "_"`,
      undefined,
      '--queue',
    );
  return { url, name };
}

/** The URL without its password, for messages and progress lines. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
