import { setTimeout as sleep } from 'node:timers/promises';
import { describeFailure } from './http-failure.js';

/** Wait for one health answer at most this long. */
export const HEALTH_REQUEST_TIMEOUT_MS = 5000;

export interface HealthResult {
  healthy: boolean;
  /** Why not, when not healthy. */
  problem: string | null;
}

/**
 * GET `url` every `intervalMs` until it answers 200, for at most `timeoutMs`. `stopEarly` is
 * asked before each poll and ends the wait with its answer (an OOM in the logs, say).
 */
export async function waitHealthy(
  url: string,
  timeoutMs: number,
  intervalMs: number,
  signal: AbortSignal | undefined,
  stopEarly: () => string | null = () => null,
): Promise<HealthResult> {
  const end = performance.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (signal?.aborted) return { healthy: false, problem: `stopped (last answer: ${last})` };
    const reason = stopEarly();
    if (reason) return { healthy: false, problem: reason };
    const left = end - performance.now();
    if (left <= 0)
      return {
        healthy: false,
        problem: `${url} did not answer 200 within ${(timeoutMs / 1000).toFixed(1)} s (last answer: ${last})`,
      };
    try {
      const limit = AbortSignal.timeout(Math.ceil(Math.min(HEALTH_REQUEST_TIMEOUT_MS, left)));
      const response = await fetch(url, {
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
      await response.arrayBuffer();
      if (response.status === 200) return { healthy: true, problem: null };
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = describeFailure(error);
    }
    await sleep(Math.max(0, Math.min(intervalMs, end - performance.now())), undefined, {
      signal,
    }).catch(() => {});
  }
}
