import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evolveConfigSchema } from '../src/evolve/config.js';
import { resolveTask } from '../src/evolve/tasks/index.js';
import { mockConfig, runDir, runTask, useRunResources } from './support/evolve-run.js';
import { prismScript } from './support/prism-script.js';

const running = useRunResources();

describe('evolve: providers, memory, novelty, islands, concurrency', () => {
  it("runs on Anthropic's messages protocol", async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 3,
      llm: { models: ['anthropic:claude-test'], baseUrls: { anthropic: server.baseUrl } },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(server.requests.every((r) => r.path === '/v1/messages')).toBe(true);
    const proposals = store.programs(run.runId).filter((p) => p.kind === 'proposal');
    expect(proposals.length).toBeGreaterThanOrEqual(2);
    expect(proposals.every((p) => p.correct && p.inputTokens > 0)).toBe(true);
    expect(store.best(run.runId)!.model).toBe('anthropic:claude-test');
  });

  it('writes meta memory every N programs and feeds its recommendations to later prompts', async () => {
    const script = prismScript();
    const server = await running.server((request) =>
      request.model === 'mock-meta'
        ? '## Summaries\n- a summary\n## Insights\nPressure after placing helps.\n## Recommendations\n1. Try sorting by size.'
        : script(request),
    );
    const dir = runDir();
    const config = mockConfig(server.baseUrl, {
      generations: 5,
      islands: 1,
      llm: { metaModel: `${server.baseUrl}/v1#mock-meta`, metaEvery: 2 },
    });
    const run = await runTask(resolveTask('prism'), config, dir);
    const store = running.keep(run.store);
    const meta = store.latestMeta(run.runId)!;
    expect(meta.afterPrograms).toBe(4);
    expect(meta.insights).toBe('Pressure after placing helps.');
    expect(readFileSync(join(dir, 'run-meta', 'recommendations.md'), 'utf8')).toContain(
      'Try sorting by size',
    );
    expect(existsSync(join(dir, 'run-meta', 'meta-00002.md'))).toBe(true);
    const coder = server.requests.filter(
      (r) => (r.body as { model: string }).model === 'mock-coder',
    );
    const systems = coder.map((r) => JSON.stringify(r.body));
    expect(systems[0]).not.toContain('Try sorting by size');
    expect(systems.at(-1)).toContain('Try sorting by size');
  });

  it('rejects a child too similar to a program on its island when an embedding model is set', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 4,
      islands: 1,
      patchTypes: { diff: 1, full: 0, cross: 0 },
      llm: { embeddingModel: `${server.baseUrl}/v1#mock-embed`, noveltyThreshold: 0.99 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(server.requests.some((r) => r.path === '/v1/embeddings')).toBe(true);
    const failed = store.programs(run.runId).filter((p) => p.kind === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.textFeedback).toMatch(/nearly the same as program/);
  });

  it('migrates between islands on schedule, keeping each island its best', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 8,
      islands: 2,
      migration: { interval: 4, rate: 0.5 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const migrations = store.events(run.runId, 'migration');
    expect(migrations.map((e) => e.message)).toEqual([
      'migration after generation 4',
      'migration after generation 8',
    ]);
    const moves = migrations.flatMap((e) => e.data as { programId: number; to: number }[]);
    expect(moves.length).toBeGreaterThan(0);
    const last = new Map<number, number>();
    for (const m of moves) last.set(m.programId, m.to);
    for (const [id, island] of last) expect(store.program(id).island).toBe(island);
  });

  it('keeps several proposals and evaluations in flight and stores every generation once', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 7,
      concurrency: { proposals: 3, evaluations: 2 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const generations = store.programs(run.runId).map((p) => p.generation);
    expect(generations.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(run.outcome.stoppedBy).toBe('generations');
  });
});

describe('evolve: the README', () => {
  it('documents settings the configuration schema accepts, with every key it knows', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /\*\*Settings\.\*\*[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const settings = parse(block) as Record<string, unknown>;
    const config = evolveConfigSchema.parse(settings);
    expect(Object.keys(settings).sort()).toEqual(Object.keys(config).sort());
    expect(Object.keys(settings.llm as object).sort()).toEqual(Object.keys(config.llm).sort());
  });
});

describe('evolve: prices', () => {
  it('warns when a budget is set but a model has no price', async () => {
    const server = await running.server(prismScript());
    const run = await runTask(
      resolveTask('prism'),
      mockConfig(server.baseUrl, { generations: 1, budgetUsd: 1 }),
    );
    running.keep(run.store);
    expect(run.warnings.some((w) => /no price for .*mock-coder/.test(w))).toBe(true);
  });
});
