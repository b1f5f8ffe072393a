import { describe, expect, it } from 'vitest';
import { loadMetrics, runLoad } from './load.js';
import { liveMetrics } from './metrics.js';
import { liveEvaluatorSchema } from './settings.js';

describe('runLoad', () => {
  it('sends every request, never more than `concurrency` at once, and counts failures', async () => {
    let inFlight = 0;
    let most = 0;
    let sent = 0;
    const result = await runLoad(
      10,
      3,
      async () => {
        const number = ++sent;
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (number % 4 === 0) throw new Error(`request ${number} failed`);
        return 5;
      },
      undefined,
    );
    expect(sent).toBe(10);
    expect(most).toBe(3);
    expect(result.latenciesMs).toHaveLength(8);
    expect(result).toMatchObject({ errors: 2, firstError: 'request 4 failed', tokens: 40 });
  });

  it('starts no request once the signal has aborted', async () => {
    const stop = new AbortController();
    let sent = 0;
    const result = await runLoad(
      10,
      2,
      async () => {
        if (++sent === 3) stop.abort();
        return 0;
      },
      stop.signal,
    );
    expect(sent).toBe(3);
    expect(result.latenciesMs).toHaveLength(3);
  });
});

describe('loadMetrics', () => {
  it('names the statistics after the load and leaves out what was not measured', () => {
    const load = {
      latenciesMs: [10, 20, 30, 40],
      errors: 1,
      firstError: 'HTTP 500',
      wallMs: 500,
      busyMs: 1000,
      tokens: 0,
    };
    const metrics = loadMetrics('chat', load);
    expect(metrics).toMatchObject({ chatErrors: 1, chatConcurrency: 2, chatRequestsPerSec: 8 });
    expect(metrics.chatP50Ms).toBeGreaterThanOrEqual(20);
    expect(metrics.chatP50Ms).toBeLessThanOrEqual(30);
    expect(metrics.chatP95Ms).toBeGreaterThanOrEqual(metrics.chatP50Ms!);
    expect(metrics).not.toHaveProperty('chatTokensPerSec');
    expect(loadMetrics('transcription', { ...load, latenciesMs: [], wallMs: 0 })).toEqual({
      transcriptionErrors: 1,
    });
  });

  it('gives, with everything measured, exactly the metrics liveMetrics lists for a chat load', () => {
    const load = {
      latenciesMs: [10],
      errors: 0,
      firstError: null,
      wallMs: 10,
      busyMs: 10,
      tokens: 8,
    };
    const settings = liveEvaluatorSchema.parse({
      kind: 'live',
      apply: ['true'],
      restore: ['true'],
      health: { url: 'http://127.0.0.1:1/health' },
      chat: { url: 'http://127.0.0.1:1', model: 'm' },
    });
    expect(Object.keys(loadMetrics('chat', load)).sort()).toEqual(
      liveMetrics(settings)
        .filter((name) => name.startsWith('chat'))
        .sort(),
    );
  });
});
