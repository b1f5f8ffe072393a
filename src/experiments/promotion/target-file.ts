import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { UserError } from '../../core/errors.js';
import { DEFAULT_MAX_FILE_BYTES, refuseNonUtf8, unreadableReason } from '../../core/io.js';
import { resolveInside } from '../../core/paths.js';

/** A settings file as found on disk: its exact bytes and permission bits, or absent. */
export interface TargetState {
  bytes: Buffer | null;
  mode: number | null;
}

/**
 * The file a promotion writes: `file` resolved against the promotion file's folder, which it
 * must stay inside (see {@link resolveInside}), and through symbolic links, so that the atomic
 * rename replaces the real file, not the link.
 */
export function resolveTarget(promotionFile: string, file: string): string {
  return resolveInside(dirname(promotionFile), file, {
    source: promotionFile,
    field: 'apply.file',
    folderName: "the promotion file's folder",
  });
}

/** Read the file's bytes and mode; absent when it does not exist. */
export function readTarget(path: string): TargetState {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: null, mode: null };
    throw new UserError(unreadableReason(error), path);
  }
  if (!stat.isFile()) throw new UserError('is not a regular file', path);
  if (stat.size > DEFAULT_MAX_FILE_BYTES)
    throw new UserError(`is ${stat.size} bytes, too large for a settings file`, path);
  return { bytes: readFileSync(path), mode: stat.mode & 0o7777 };
}

/**
 * The text of a settings file. Only valid UTF-8 is accepted (a byte order mark is kept as a
 * character), so that decoding and re-encoding give back every untouched line byte for byte.
 */
export function decodeTarget(bytes: Buffer | null, path: string): string {
  if (bytes === null) return '';
  refuseNonUtf8(bytes, path, 'only UTF-8 settings files can be edited');
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/**
 * Replace the file atomically, then give it `mode` (its permissions before, e.g. 0600 for an
 * env file holding secrets) when it had one.
 */
export function writeTarget(path: string, bytes: Uint8Array, mode: number | null): void {
  writeFileAtomic(path, bytes);
  if (mode !== null) chmodSync(path, mode);
}
