import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { processAlive } from '../../core/process-alive.js';

/**
 * A run's private area: `root` (made by mkdtemp, removed afterwards) holds `dir`, the child's
 * temp directory and only writable place, and beside it our own files such as the network guard.
 */
export interface Workdir {
  root: string;
  dir: string;
}

const WORKDIR_PREFIX = 'evoplace-sandbox-';
/** Beside `work`: the pid of the process that made the workdir, for the sweep of stale ones. */
const OWNER_FILE = 'owner.pid';
let swept = false;

export function createWorkdir(): Workdir {
  if (!swept) {
    swept = true;
    sweepStaleWorkdirs(tmpdir());
  }
  const root = realpathSync(mkdtempSync(join(tmpdir(), WORKDIR_PREFIX)));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const dir = join(root, 'work');
  mkdirSync(dir, { mode: 0o700 });
  return { root, dir };
}

/**
 * Remove the workdirs in `folder` whose owner has died (an engine or worker killed with
 * SIGKILL never removes them, and they hold candidates' code): only real folders of ours, with
 * an owner file naming a pid that no longer runs. Anything else is left alone.
 */
export function sweepStaleWorkdirs(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(WORKDIR_PREFIX)) continue;
    const root = join(folder, name);
    try {
      const stat = lstatSync(root);
      if (!stat.isDirectory() || stat.uid !== process.getuid?.()) continue;
      const owner = Number(readFileSync(join(root, OWNER_FILE), 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) removeWorkdir(root);
    } catch {
      // No owner file (being made, or not ours to judge) or already gone: leave it.
    }
  }
}

/** Write `files` (relative paths, checked by spec.ts) into `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** Read-back contents by path, and the paths cut at the limit. */
export interface ReadBack {
  files: Record<string, string | null>;
  truncated: string[];
}

/**
 * Read files the child left in `dir`, at most `maxBytes` each. The child controls them, so
 * only a regular file really inside `dir` is read: a symlink (to our secrets, say), a FIFO
 * (which would block us) or a folder symlinked outside reads as null.
 */
export function readBackFiles(dir: string, paths: readonly string[], maxBytes: number): ReadBack {
  const result: ReadBack = { files: {}, truncated: [] };
  for (const path of paths) {
    const content = readInside(dir, path, maxBytes);
    result.files[path] = content?.text ?? null;
    if (content?.truncated) result.truncated.push(path);
  }
  return result;
}

function readInside(
  dir: string,
  path: string,
  maxBytes: number,
): { text: string; truncated: boolean } | null {
  const target = join(dir, path);
  let fd: number;
  try {
    const folder = realpathSync(dirname(target));
    if (folder !== dir && !folder.startsWith(`${dir}${sep}`)) return null;
    fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { text: buffer.subarray(0, length).toString('utf8'), truncated: stat.size > maxBytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * Remove a run's area whatever the child did to it. A child may have taken permissions away
 * from its folders (we own them, so we can give them back); rm retries folders still being written.
 */
export function removeWorkdir(root: string): void {
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    restorePermissions(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
}

function restorePermissions(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return;
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path)) restorePermissions(join(path, entry));
}
