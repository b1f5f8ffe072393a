import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeFolders, writeFileAtomic } from '../../core/atomic.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../core/io.js';
import { parseWith } from '../../core/schema.js';
import { EXPERIMENT_NAME, PROMOTION_ID } from './schema.js';

/** One promoted key: its value as written in the file before and after the apply. */
const changeSchema = z.strictObject({
  param: z.string().min(1),
  /** The env variable or flag. */
  key: z.string().min(1),
  /** As written before (quotes included), or null when the file did not set the key. */
  old: z.string().nullable(),
  new: z.string(),
});

/**
 * What `experiment apply` did, kept as `<stateDir>/acks/<id>.json`: enough to restore the file
 * byte for byte (its previous bytes and mode, or that it did not exist) and to notice a later
 * edit by someone else (the sha256 of the bytes the apply wrote).
 */
export const acknowledgementSchema = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(PROMOTION_ID),
  experiment: z.string().regex(EXPERIMENT_NAME),
  /** The promotion file applied (absolute). */
  promotionFile: z.string().min(1),
  /** The file written (absolute, symbolic links resolved). */
  file: z.string().min(1),
  target: z.enum(['env', 'flags']),
  existed: z.boolean(),
  /** The file's bytes before the apply, base64; '' when it did not exist. */
  previousBytes: z.base64(),
  /** Its permission bits before the apply; null when it did not exist. */
  previousMode: z.number().int().min(0).max(0o7777).nullable(),
  newSha256: z.string().regex(/^[0-9a-f]{64}$/),
  changes: z.array(changeSchema),
  appliedAt: z.iso.datetime({ offset: true }),
  /**
   * Set by `experiment rollback`: when, whether it overrode a later edit (`forced`), and whether
   * the file had to be restored (false when the apply had never reached it).
   */
  rolledBack: z
    .strictObject({
      at: z.iso.datetime({ offset: true }),
      forced: z.boolean(),
      restored: z.boolean(),
    })
    .nullable(),
});
export type Acknowledgement = z.infer<typeof acknowledgementSchema>;
export type PromotedChange = z.infer<typeof changeSchema>;

function acksDir(stateDir: string): string {
  return join(stateDir, 'acks');
}

/** Where the acknowledgement of promotion `id` is kept. */
export function ackPath(stateDir: string, id: string): string {
  return join(acksDir(stateDir), `${id}.json`);
}

function serialise(ack: Acknowledgement): string {
  return `${JSON.stringify(ack, null, 2)}\n`;
}

/** The acknowledgement of promotion `id`, or null when it was never applied here. */
export function readAcknowledgement(stateDir: string, id: string): Acknowledgement | null {
  if (!PROMOTION_ID.test(id)) return null;
  const path = ackPath(stateDir, id);
  if (!existsSync(path)) return null;
  return parseWith(acknowledgementSchema, readJsonFile(path), path);
}

/** Ids of the promotions applied here, sorted. */
export function acknowledgedIds(stateDir: string): string[] {
  const dir = acksDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && PROMOTION_ID.test(name.slice(0, -5)))
    .map((name) => name.slice(0, -5))
    .sort();
}

/** Every acknowledgement in `stateDir`, oldest apply first (for `experiment status`). */
export function listAcknowledgements(stateDir: string): Acknowledgement[] {
  return acknowledgedIds(stateDir)
    .map((id) => readAcknowledgement(stateDir, id)!)
    .sort((a, b) => Date.parse(a.appliedAt) - Date.parse(b.appliedAt) || (a.id < b.id ? -1 : 1));
}

/**
 * Record a new acknowledgement, atomically and only once: the content goes to a temporary file
 * that is then hard-linked to its name, which fails when the name exists. So two applies of the
 * same promotion racing each other cannot both succeed, and no reader sees a partial file.
 */
export function recordAcknowledgement(stateDir: string, ack: Acknowledgement): void {
  const path = ackPath(stateDir, ack.id);
  try {
    makeFolders(acksDir(stateDir));
  } catch (error) {
    throw new UserError(
      `cannot keep acknowledgements there (${(error as Error).message}); give --state-dir (or EVOPLACE_STATE_DIR) a folder that can be written`,
      stateDir,
    );
  }
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, serialise(ack));
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UserError(
        `promotion ${ack.id} was applied by another process at the same time`,
        path,
      );
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Replace an existing acknowledgement (after a rollback). */
export function saveAcknowledgement(stateDir: string, ack: Acknowledgement): void {
  writeFileAtomic(ackPath(stateDir, ack.id), serialise(ack));
}
