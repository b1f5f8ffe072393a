import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../../test/support/mock-llm-server.js';
import { prismScript } from '../../test/support/prism-script.js';
import { engineThroughput, sandboxOverhead, taskEvaluations } from './benchmark.js';

let server: MockLlmServer;
beforeAll(async () => {
  server = await startMockLlmServer(prismScript());
});
afterAll(() => server.close());

// The benchmark's figures are times (never asserted); what is checked is that it measures what
// it says: every run done, every evaluation correct, one row per case.
describe('the evolve benchmark', () => {
  it('runs every generation it times, at each concurrency', async () => {
    const rows = await engineThroughput(server.baseUrl, 3, [
      [1, 1],
      [2, 2],
    ]);
    expect(rows.map((r) => [r.concurrency, r.generations])).toEqual([
      ['1,1', 3],
      ['2,2', 3],
    ]);
    // Each generation asked the LLM at least once (a failed patch goes back for another turn).
    const calls = server.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(calls.length).toBeGreaterThanOrEqual(6);
  });

  it('times an empty program in the sandbox and each built-in task’s correct initial program', async () => {
    const sandbox = await sandboxOverhead(1);
    expect(sandbox.rows.map((r) => r.program)).toEqual([
      'node (empty program)',
      'python3 (empty program)',
    ]);
    const tasks = await taskEvaluations(1);
    expect(tasks.map((r) => r.task)).toEqual(['prism', 'eplb', 'llm', 'colocate']);
    expect(tasks.every((r) => r.msPerCall !== null && r.runs === 1)).toBe(true);
  }, 60_000);
});
