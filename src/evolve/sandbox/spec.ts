import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { parseWith } from '../../core/schema.js';
import type { SandboxSpec } from './types.js';

/** A path that names something inside the temp directory: relative, no `..`, not empty. */
export function isInsidePath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\0')) return false;
  const parts = path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  return parts.length > 0 && !parts.includes('..');
}

const insidePath = z
  .string()
  .refine(isInsidePath, 'must be a relative path that stays inside the temporary directory');

const sandboxSpecSchema: z.ZodType<SandboxSpec> = z.object({
  argv: z.array(z.string()).min(1, 'needs at least the program to run'),
  files: z
    .record(z.string(), z.union([z.string(), z.instanceof(Uint8Array)]))
    .refine((files) => Object.keys(files).every(isInsidePath), {
      message: 'every file must be a relative path that stays inside the temporary directory',
    })
    .optional(),
  readBack: z.array(insidePath).optional(),
  timeoutMs: z.number().positive().finite(),
  memoryMb: z.number().int().positive(),
  maxOutputBytes: z.number().int().nonnegative(),
  env: z.record(z.string(), z.string()).optional(),
  node: z.object({ readPaths: z.array(z.string().min(1)).optional() }).optional(),
  network: z.boolean().optional(),
  filesystem: z.enum(['private', 'host']).optional(),
  stdin: z.string().optional(),
  maxProcesses: z.number().int().positive().optional(),
});

/**
 * Check a spec before anything is created: a bad one (usually from a task's configuration) is
 * a UserError naming the field. A `node` spec must run this very Node binary, whose flags we know.
 */
export function validateSpec(spec: SandboxSpec): SandboxSpec {
  const valid = parseWith(sandboxSpecSchema, spec, 'sandbox spec');
  if (valid.node && valid.argv[0] !== process.execPath) {
    throw new UserError(
      `a node sandbox must run ${process.execPath} (process.execPath), not ${valid.argv[0]}`,
      'sandbox spec',
      'argv[0]',
    );
  }
  return valid;
}
