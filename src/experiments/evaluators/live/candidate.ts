import { tail } from '../command.js';
import { summariseGpu, type GpuSample } from '../nvidia-smi.js';
import { commandProblem } from './commands.js';
import { probeGpu } from './gpu-probe.js';
import { HEALTH_REQUEST_TIMEOUT_MS, waitHealthy } from './health.js';
import { measureLoad } from './measure-load.js';
import type { Session } from './session.js';

/** What the candidate phase found, before the restore. */
export interface CandidateOutcome {
  metrics: Record<string, number>;
  error: string | null;
  /** Why the candidate counts as out of memory (empty when it does not). */
  oom: string[];
}

/**
 * Apply the candidate, wait for health (ending early on an OOM message), probe the GPU, run
 * the load, probe again and check that the service still answers. Returns at the first failure.
 */
export async function measureCandidate(session: Session): Promise<CandidateOutcome> {
  const { settings, plan, runner, watch, deadline, journal } = session;
  const outcome: CandidateOutcome = { metrics: {}, error: null, oom: [] };
  const fail = (what: string): CandidateOutcome => {
    const late = deadline.reason(session.timeoutMs);
    outcome.error = late ? `${late}: ${what}` : what;
    return outcome;
  };
  const started = performance.now();
  for (const [i, command] of plan.apply.entries()) {
    const run = await runner.run(command, deadline.leftMs(), deadline.signal);
    journal.command('apply', command, run);
    const problem = commandProblem(run, 'the candidate timeout');
    if (problem) {
      const stderr = tail(run.stderr, 500);
      return fail(`apply command ${i + 1} ${problem}${stderr ? ` (stderr: ${stderr})` : ''}`);
    }
  }
  const health = await waitHealthy(
    settings.health.url,
    Math.min(settings.health.timeoutSec * 1000, deadline.leftMs()),
    settings.health.intervalMs,
    deadline.signal,
    () => (watch.poll() ? 'the service logged an out-of-memory error' : null),
  );
  if (!health.healthy) return fail(`the candidate did not become healthy: ${health.problem}`);
  outcome.metrics.healthyAfterMs = performance.now() - started;
  journal.note(`healthy after ${(outcome.metrics.healthyAfterMs / 1000).toFixed(2)} s`);

  const samples: GpuSample[] = [];
  const before = await probeGpu(session, 'before');
  if (before) samples.push(before);
  Object.assign(outcome.metrics, await measureLoad(session, samples));
  const after = await probeGpu(session, 'after');
  if (after) samples.push(after);
  const gpu = summariseGpu(samples);
  Object.assign(outcome.metrics, gpu.metrics);
  if (gpu.full) outcome.oom.push('nvidia-smi showed the GPU memory full');

  if (deadline.signal.aborted) return fail('the load did not finish');
  const still = await waitHealthy(
    settings.health.url,
    Math.min(HEALTH_REQUEST_TIMEOUT_MS, deadline.leftMs()),
    settings.health.intervalMs,
    deadline.signal,
  );
  if (!still.healthy) return fail(`the service stopped answering after the load: ${still.problem}`);
  return outcome;
}
