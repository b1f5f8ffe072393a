import { realpathSync } from 'node:fs';
import {
  basename,
  dirname,
  isAbsolute,
  join,
  normalize,
  relative,
  resolve,
  sep,
  win32,
} from 'node:path';
import { UserError } from './errors.js';

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
function realPathOf(path: string): string {
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
  if (!isStrictlyInside(base, path))
    throw new UserError(
      `${JSON.stringify(file)} leads through a symbolic link to ${path}, ${path === base ? 'the folder itself' : 'outside'} ${where.folderName} (${base}); ${fix}`,
      where.source,
      where.field,
    );
  return path;
}

/** Whether `path` lies inside folder `base` (both absolute, links resolved), not `base` itself. */
export function isStrictlyInside(base: string, path: string): boolean {
  const inside = relative(base, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}
