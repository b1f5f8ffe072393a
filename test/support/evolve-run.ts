import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evolveConfigSchema, type EvolveConfig } from '../../src/evolve/config.js';
import { RunStore } from '../../src/evolve/database/store.js';
import { runEvolution, type RunOutcome } from '../../src/evolve/engine.js';
import type { Task } from '../../src/evolve/task.js';
import { afterEach, onTestFinished } from 'vitest';
import { startMockLlmServer, type MockLlmServer, type MockScript } from './mock-llm-server.js';

/** A fresh directory for a run's database and files, removed when the test finishes. */
export function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-evolve-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A run configuration against the mock server: one OpenAI-compatible model, free of charge unless priced. */
export function mockConfig(baseUrl: string, overrides: Record<string, unknown> = {}): EvolveConfig {
  const { llm, ...rest } = overrides;
  return evolveConfigSchema.parse({
    generations: 4,
    islands: 2,
    seed: 1,
    concurrency: { proposals: 1, evaluations: 1 },
    evaluation: { timeoutSec: 20, memoryMb: 1024, maxOutputKb: 64 },
    ...rest,
    llm: {
      models: [`${baseUrl}/v1#mock-coder`],
      maxRetries: 2,
      timeoutSec: 20,
      ...(llm as object | undefined),
    },
  });
}

/** Run `task` to the end in a new database; returns the store (open) and the outcome. */
export async function runTask(
  task: Task,
  config: EvolveConfig,
  dir = runDir(),
  heldOut?: Task,
): Promise<{ store: RunStore; runId: number; outcome: RunOutcome; warnings: string[] }> {
  const store = RunStore.create(join(dir, 'run.db'));
  const runId = store.createRun(task.name, config, config.seed);
  const warnings: string[] = [];
  const outcome = await runEvolution({
    task,
    store,
    runId,
    config,
    heldOut,
    env: {},
    hooks: { progress: () => undefined, warn: (m) => warnings.push(m) },
  });
  return { store, runId, outcome, warnings };
}

/** A test's mock LLM server and run stores, closed after each test. */
export function useRunResources(): {
  server(script: MockScript): Promise<MockLlmServer>;
  keep(store: RunStore): RunStore;
} {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });
  return {
    async server(script) {
      const server = await startMockLlmServer(script);
      open.push(server);
      return server;
    },
    keep(store) {
      open.push(store);
      return store;
    },
  };
}
