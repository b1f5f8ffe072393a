import { Redis } from 'ioredis';
import { UserError } from '../../core/errors.js';
import { displayUrl, type QueueAddress } from './protocol.js';

/** How long to wait for Redis at the start before telling the user it cannot be reached. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * BullMQ connection options for a Redis URL: workers block on Redis, so commands must wait
 * for a reconnect rather than fail after a few retries (BullMQ requires this of workers).
 */
export function connectionOf(address: QueueAddress): { url: string; maxRetriesPerRequest: null } {
  return { url: address.url, maxRetriesPerRequest: null };
}

/**
 * Ping Redis once, without retrying: a clear error (exit 2) when it cannot be reached, before
 * BullMQ's clients start, which would retry silently for ever.
 */
export async function ensureReachable(address: QueueAddress): Promise<void> {
  const client = new Redis(address.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the rejection that follows it.
  let cause: Error | null = null;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new UserError(
      `cannot reach Redis at ${displayUrl(address.url)} (${(cause ?? (error as Error)).message}); is redis-server running there?`,
      undefined,
      '--redis',
    );
  } finally {
    client.disconnect();
  }
}

/**
 * A reporter of connection errors that says each one once until it changes: a Redis that goes
 * away makes the client fail every reconnect the same way.
 */
export function onceEach(report: (message: string) => void): (error: Error) => void {
  let last = '';
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    report(`redis: ${error.message}`);
  };
}
