import { runLockHolder } from '../../evolve/database/lock.js';
import { runKind, type RunRecord, type RunStore } from '../../evolve/database/store.js';

/** Seconds between reloads of the page of a run still going. */
const REFRESH_SECONDS = 5;

/**
 * A run's status as the pages show it: a run still marked `running` whose process is gone (it
 * was killed, or quit on a second Ctrl-C) says so, as `evolve status` does, rather than look
 * alive; `refreshSeconds` is how often its page reloads (undefined: it does not).
 */
export function runStatus(
  store: RunStore,
  run: RunRecord,
): { text: string; refreshSeconds: number | undefined } {
  if (run.status !== 'running') return { text: run.status, refreshSeconds: undefined };
  // An evolve database holds one run and one lock; an experiment database a lock per run.
  const kind = runKind(run);
  const holder = runLockHolder(store.path, kind === 'experiment' ? run.id : undefined);
  return holder && !holder.alive
    ? {
        text: `running (process ${holder.pid} gone: ${kind} resume continues it)`,
        refreshSeconds: undefined,
      }
    : { text: 'running', refreshSeconds: REFRESH_SECONDS };
}
