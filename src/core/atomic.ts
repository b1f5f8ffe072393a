import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';

/**
 * Why `path` cannot be written as a file, or null: a directory is there, or a file stands
 * where one of the folders of its path must be.
 */
function unwritable(path: string): string | null {
  if (existsSync(path) && statSync(path).isDirectory()) return 'it is a directory';
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) return statSync(dir).isDirectory() ? null : `${dir} is not a directory`;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Create folder `dir` and its missing parents, one level at a time from the nearest folder that
 * exists: Node 20's recursive mkdir spins forever under /proc, and a file standing where a
 * folder must be should be named. Throws an Error naming the path that stops it.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) {
    missing.push(at);
    at = dirname(at);
  }
  if (!statSync(at).isDirectory()) throw new Error(`${at} is not a directory`);
  for (const folder of missing.reverse()) mkdirSync(folder);
}

/**
 * Write files so that readers see either the old content or the whole new content of each,
 * never a partial file, and so that a target that cannot be written (a directory in its place,
 * a file where a folder must be) stops everything before anything is written: every target is
 * checked, every content written to a temporary sibling, then each renamed over its target.
 * A failure is a user error naming the path.
 */
export function writeFilesAtomic(files: readonly (readonly [string, string | Uint8Array])[]): void {
  for (const [path] of files) {
    const why = unwritable(path);
    if (why) throw new UserError(`cannot be written: ${why}`, path);
  }
  const written: [string, string][] = [];
  const attempt = (path: string, write: () => void): void => {
    try {
      write();
    } catch (error) {
      for (const [tmp] of written) rmSync(tmp, { force: true });
      throw new UserError(`cannot be written: ${(error as Error).message}`, path);
    }
  };
  for (const [path, content] of files) {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    attempt(path, () => {
      makeFolders(dirname(path));
      writeFileSync(tmp, content);
    });
    written.push([tmp, path]);
  }
  for (const [tmp, path] of written) attempt(path, () => renameSync(tmp, path));
}

/** One file, written as writeFilesAtomic writes each. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  writeFilesAtomic([[path, content]]);
}
