import { runLockHolder } from '../../evolve/database/lock.js';
import type { RunRecord, RunStore } from '../../evolve/database/store.js';

/**
 * A run's status as the pages show it: a run still marked `running` whose process is gone (it
 * was killed, or quit on a second Ctrl-C) says so, as `evolve status` does, rather than look
 * alive; `live` is whether its page should keep reloading.
 */
export function runStatus(store: RunStore, run: RunRecord): { text: string; live: boolean } {
  if (run.status !== 'running') return { text: run.status, live: false };
  const holder = runLockHolder(store.path);
  return holder && !holder.alive
    ? { text: `running (process ${holder.pid} gone: evolve resume continues it)`, live: false }
    : { text: 'running', live: true };
}
