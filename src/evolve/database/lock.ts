import {
  accessSync,
  constants,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../core/errors.js';
import { processAlive } from '../../core/process-alive.js';

/**
 * The lock file of a database's run: one for the database (`<dbPath>.lock`: an evolve database
 * holds one run), or with `runId`, one for that run (`<dbPath>.run-<id>.lock`: an experiment
 * database holds many, each driven on its own).
 */
function lockPath(dbPath: string, runId?: number): string {
  return runId === undefined ? `${dbPath}.lock` : `${dbPath}.run-${runId}.lock`;
}

/**
 * Take the run lock of the database at `dbPath` (or of its run `runId`; see lockPath), holding
 * our pid, for as long as this process drives its run: two processes running one run would pay
 * for the same generations twice. A lock left by a process that is gone (killed) is taken over.
 * Returns the release.
 */
export function acquireRunLock(dbPath: string, runId?: number): () => void {
  const path = lockPath(dbPath, runId);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = runLockHolder(dbPath, runId);
      if (holder?.alive && holder.pid !== process.pid)
        throw new UserError(
          `${runId === undefined ? 'is' : `run ${runId} is`} being run by another evoplace process (pid ${holder.pid}); wait for it or stop it first`,
          dbPath,
        );
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`cannot take the run lock ${path}; remove it if no run is going`, dbPath);
}

/**
 * Refuse, before it is opened, a run database this process cannot write, for a command that
 * adds to its run: SQLite opens such a file read-only without a word, and the first write (a
 * generation's program, a held-out score) would fail mid-command. The folder too: it holds the
 * lock and SQLite's -wal and -shm.
 */
export function requireWritableRun(dbPath: string): void {
  for (const [path, what] of [
    [dbPath, 'it'],
    [dirname(dbPath), 'its folder'],
  ] as const)
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      // One that is missing is the opener's to report.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new UserError(
        `${what === 'it' ? 'cannot be written' : `is in a folder that cannot be written (${path})`}; ` +
          `this command writes to the database (and SQLite beside it: -wal, -shm): make ${what} writable, or copy the database somewhere that is`,
        dbPath,
      );
    }
}

/** The process named in a run lock, and whether it is still alive on this machine. */
export interface LockHolder {
  pid: number;
  alive: boolean;
}

/**
 * Who holds the run lock of the database at `dbPath` (or of its run `runId`): null when there is
 * no lock (or it names no process). A holder that is not alive was killed while it drove the run.
 */
export function runLockHolder(dbPath: string, runId?: number): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(lockPath(dbPath, runId), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, alive: processAlive(pid) } : null;
}

/**
 * A run's status in words: a run marked `running` whose process is gone (killed, or a second
 * Ctrl-C) says so and how to go on (`resume`: the command that continues it).
 */
export function runStatusWords(status: string, holder: LockHolder | null, resume: string): string {
  if (status !== 'running' || holder?.alive) return status;
  const why = holder ? `process ${holder.pid} gone` : 'no process holds its lock';
  return `running (${why}): resume with "${resume}"`;
}
