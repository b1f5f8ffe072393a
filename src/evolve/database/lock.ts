import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { processAlive } from '../../core/process-alive.js';

/**
 * Take the run lock of the database at `dbPath` (`<dbPath>.lock`, holding our pid) for as long
 * as this process drives its run: two processes running one run would pay for the same
 * generations twice. A lock left by a process that is gone (killed) is taken over. Returns the
 * release.
 */
export function acquireRunLock(dbPath: string): () => void {
  const path = `${dbPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder))
        throw new UserError(
          `is being run by another evoplace process (pid ${holder}); wait for it or stop it first`,
          dbPath,
        );
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`cannot take the run lock ${path}; remove it if no run is going`, dbPath);
}
