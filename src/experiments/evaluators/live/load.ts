import { quantile } from '../../../core/timing.js';
import { describeFailure } from './http-failure.js';

/** One load's outcome: latencies of the successful requests and the failures. */
export interface LoadResult {
  latenciesMs: number[];
  errors: number;
  firstError: string | null;
  /** From the first request's start to the last one's end. */
  wallMs: number;
  /** Sum of every request's duration, failed ones included. */
  busyMs: number;
  /** Completion tokens the server reported (chat). */
  tokens: number;
}

/**
 * Send `requests` requests, at most `concurrency` at a time; `send` resolves to the tokens the
 * answer reports, and throws for a failed request. Stops starting requests once `signal` aborts.
 */
export async function runLoad(
  requests: number,
  concurrency: number,
  send: (signal: AbortSignal | undefined) => Promise<number>,
  signal: AbortSignal | undefined,
): Promise<LoadResult> {
  const result: LoadResult = {
    latenciesMs: [],
    errors: 0,
    firstError: null,
    wallMs: 0,
    busyMs: 0,
    tokens: 0,
  };
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests && !signal?.aborted) {
      next++;
      const start = performance.now();
      try {
        const tokens = await send(signal);
        result.tokens += tokens;
        result.latenciesMs.push(performance.now() - start);
      } catch (error) {
        result.errors++;
        result.firstError ??= describeFailure(error);
      }
      result.busyMs += performance.now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  result.wallMs = performance.now() - started;
  return result;
}

/** What follows a load's prefix in the names of its metrics (see loadMetrics). */
export const LOAD_METRIC_SUFFIXES = [
  'Errors',
  'P50Ms',
  'P95Ms',
  'Concurrency',
  'RequestsPerSec',
] as const;
/** The suffix of the one more metric of a load whose answers report tokens (chat's do). */
export const TOKENS_METRIC_SUFFIX = 'TokensPerSec';

/**
 * A load's metrics, named `<prefix>P50Ms`, `P95Ms` (successful requests only), `Errors`,
 * `Concurrency` (achieved: the mean number of requests in flight), `RequestsPerSec`
 * (successful) and, when the answers report tokens (chat's do), `TokensPerSec` (completion tokens).
 */
export function loadMetrics(prefix: string, load: LoadResult): Record<string, number> {
  const metrics: Record<string, number> = { [`${prefix}Errors`]: load.errors };
  if (load.latenciesMs.length > 0) {
    metrics[`${prefix}P50Ms`] = quantile(load.latenciesMs, 0.5);
    metrics[`${prefix}P95Ms`] = quantile(load.latenciesMs, 0.95);
  }
  if (load.wallMs > 0) {
    metrics[`${prefix}Concurrency`] = load.busyMs / load.wallMs;
    metrics[`${prefix}RequestsPerSec`] = (1000 * load.latenciesMs.length) / load.wallMs;
    if (load.tokens > 0)
      metrics[`${prefix}${TOKENS_METRIC_SUFFIX}`] = (1000 * load.tokens) / load.wallMs;
  }
  return metrics;
}
