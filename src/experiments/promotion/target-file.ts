import { chmodSync, readFileSync, realpathSync, statSync } from 'node:fs';
import {
  basename,
  dirname,
  isAbsolute,
  join,
  normalize,
  relative,
  resolve,
  win32,
} from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { UserError } from '../../core/errors.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../core/io.js';

/** A settings file as found on disk: its exact bytes and permission bits, or absent. */
export interface TargetState {
  bytes: Buffer | null;
  mode: number | null;
}

/**
 * Why `file` cannot name a file inside the folder it is relative to, or null when it can: it
 * must be a relative path (no `/…`, `C:\\…`), name a file (not the folder, no trailing slash),
 * hold no NUL, and never climb out of the folder (`../x`, `a/../../x`). A check of the text
 * alone; {@link resolveInside} also follows symbolic links.
 */
export function relativePathProblem(file: string): string | null {
  const shown = JSON.stringify(file);
  if (file.includes('\0')) return `${shown} holds a NUL character`;
  if (isAbsolute(file) || win32.isAbsolute(file)) return `${shown} is an absolute path`;
  const normal = normalize(file);
  if (normal === '..' || normal.startsWith('../')) return `${shown} leads out of the folder`;
  if (normal === '.' || normal === './' || file.endsWith('/'))
    return `${shown} names a folder, not a file`;
  return null;
}

/**
 * The real path of `path` (links resolved), also when its end does not exist yet: the real
 * path of its deepest existing ancestor with the rest appended.
 */
export function realPathOf(path: string): string {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), ...rest);
    } catch {
      // Absent (or a dangling link, which a write replaces): look at its folder.
      if (dirname(at) === at) return path;
      rest.unshift(basename(at));
    }
  }
}

/**
 * `file` resolved against `folder` and through symbolic links, refused (a UserError naming
 * `source` and `field`) unless it stays inside `folder`: see {@link relativePathProblem}; a
 * symbolic link on the way that leads out of the folder is refused too. `folderName` says
 * what the folder is, for the message ("the spec's folder").
 */
export function resolveInside(
  folder: string,
  file: string,
  where: { source: string; field: string; folderName: string },
): string {
  const fix = `give a path relative to ${where.folderName} (${folder}) that stays inside it`;
  const problem = relativePathProblem(file);
  if (problem) throw new UserError(`${problem}; ${fix}`, where.source, where.field);
  const base = realPathOf(resolve(folder));
  const path = realPathOf(resolve(folder, file));
  const inside = relative(base, path);
  if (inside === '' || inside === '..' || inside.startsWith('../') || isAbsolute(inside))
    throw new UserError(
      `${JSON.stringify(file)} leads through a symbolic link to ${path}, ${inside === '' ? 'the folder itself' : 'outside'} ${where.folderName} (${base}); ${fix}`,
      where.source,
      where.field,
    );
  return path;
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
    throw new UserError(`cannot read the file (${(error as NodeJS.ErrnoException).code})`, path);
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
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new UserError('is not UTF-8 text; only UTF-8 settings files can be edited', path);
  }
}

/**
 * Replace the file atomically, then give it `mode` (its permissions before, e.g. 0600 for an
 * env file holding secrets) when it had one.
 */
export function writeTarget(path: string, bytes: Uint8Array, mode: number | null): void {
  writeFileAtomic(path, bytes);
  if (mode !== null) chmodSync(path, mode);
}
