import { commandProblem } from './commands.js';
import { waitHealthy } from './health.js';
import type { Session } from './session.js';

/**
 * Run every restore command (also after one fails), then wait for the baseline's health, all
 * within `restoreTimeoutSec`. Returns what went wrong, or null.
 */
export async function restoreBaseline(session: Session): Promise<string | null> {
  const { settings, plan, runner, journal } = session;
  const limitMs = settings.restoreTimeoutSec * 1000;
  const end = performance.now() + limitMs;
  const problems: string[] = [];
  for (const [i, command] of plan.restore.entries()) {
    const left = end - performance.now();
    if (left <= 0) {
      problems.push(
        `restore command ${i + 1} was not run: the ${settings.restoreTimeoutSec} s restore timeout passed`,
      );
      continue;
    }
    const run = await runner.run(command, left, undefined);
    journal.command('restore', command, run);
    const problem = commandProblem(run, 'the restore timeout');
    if (problem) problems.push(`restore command ${i + 1} ${problem}`);
  }
  const health = await waitHealthy(
    settings.health.url,
    Math.min(settings.health.timeoutSec * 1000, Math.max(0, end - performance.now())),
    settings.health.intervalMs,
    undefined,
  );
  if (health.healthy) journal.note('baseline healthy');
  else problems.push(`the baseline did not become healthy: ${health.problem}`);
  return problems.length > 0 ? `restoring the baseline failed: ${problems.join('; ')}` : null;
}
