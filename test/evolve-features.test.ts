import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkBudgetPrices, evolveConfigSchema, type EvolveConfig } from '../src/evolve/config.js';
import { RunStore } from '../src/evolve/database/store.js';
import { checkModels, runEvolution, type RunOutcome } from '../src/evolve/engine.js';
import { requestKey } from '../src/evolve/proposal.js';
import type { Task } from '../src/evolve/task.js';
import { resolveTask } from '../src/evolve/tasks/index.js';
import { mockConfig, runDir, runTask, useRunResources } from './support/evolve-run.js';
import { prismScript } from './support/prism-script.js';

const running = useRunResources();

/**
 * A new run of prism under `config`, kept open until the test ends, and a way to run (or resume)
 * it that collects its progress lines.
 */
function prismRun(config: EvolveConfig): {
  store: RunStore;
  runId: number;
  progress: string[];
  go(): Promise<RunOutcome>;
} {
  const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
  const runId = store.createRun('prism', config, config.seed);
  const progress: string[] = [];
  const go = (): Promise<RunOutcome> =>
    runEvolution({
      task: resolveTask('prism'),
      heldOut: resolveTask('prism', 'holdout'),
      store,
      runId,
      config,
      env: {},
      hooks: { progress: (line) => progress.push(line), warn: () => undefined },
    });
  return { store, runId, progress, go };
}

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
    expect(readFileSync(join(dir, 'run.db-meta', 'recommendations.md'), 'utf8')).toContain(
      'Try sorting by size',
    );
    expect(existsSync(join(dir, 'run.db-meta', 'meta-00002.md'))).toBe(true);
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

  it('a failing meta model is a warning, not the end of the run', async () => {
    const script = prismScript();
    const server = await running.server((request) =>
      request.model === 'mock-meta' ? { status: 400 } : script(request),
    );
    const config = mockConfig(server.baseUrl, {
      generations: 5,
      llm: { metaModel: `${server.baseUrl}/v1#mock-meta`, metaEvery: 1, maxRetries: 0 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(run.outcome).toMatchObject({ stoppedBy: 'generations', generationsDone: 5 });
    expect(run.warnings.filter((w) => /the meta model failed/.test(w))).toHaveLength(1);
    expect(store.latestRun()!.status).toBe('finished');
  });

  it('a failed LLM call among replies is a failed proposal, said once, and the run goes on', async () => {
    const script = prismScript();
    let calls = 0;
    // The 2nd call fails (a later reply shows it was transient), and so does the last one.
    const server = await running.server((request) =>
      ++calls === 2 || calls === 4 ? { status: 400 } : script(request),
    );
    const config = mockConfig(server.baseUrl, { generations: 4, llm: { maxRetries: 0 } });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(run.outcome).toMatchObject({ stoppedBy: 'generations', generationsDone: 4 });
    expect(store.latestRun()!.status).toBe('finished');
    const failed = store.programs(run.runId).filter((p) => p.kind === 'failed');
    expect(failed).toHaveLength(2);
    expect(failed.every((p) => /the LLM call failed/.test(p.textFeedback))).toBe(true);
    expect(run.warnings.filter((w) => /calls to .*mock-coder fail/.test(w))).toHaveLength(1);
  });

  it('a model of the pool that always fails does not stop a run its other model answers', async () => {
    const script = prismScript();
    const server = await running.server((request) =>
      request.model === 'mock-dead' ? { status: 500 } : script(request),
    );
    const config = mockConfig(server.baseUrl, {
      generations: 6,
      llm: {
        models: [`${server.baseUrl}/v1#mock-coder`, `${server.baseUrl}/v1#mock-dead`],
        maxRetries: 0,
      },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(run.outcome).toMatchObject({ stoppedBy: 'generations', generationsDone: 6 });
    const failed = store.programs(run.runId).filter((p) => p.kind === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((p) => p.model!.endsWith('#mock-dead'))).toBe(true);
  });

  for (const proposals of [1, 2])
    it(`an LLM that keeps failing stops the run (stopped, exit 4: a service failed) without counting those generations, at concurrency ${proposals}`, async () => {
      const script = prismScript();
      let failing = true;
      const server = await running.server((request) =>
        failing ? { status: 500 } : script(request),
      );
      const config = mockConfig(server.baseUrl, {
        generations: 5,
        concurrency: { proposals, evaluations: proposals },
        llm: { maxRetries: 0 },
      });
      const { store, runId, go } = prismRun(config);
      await expect(go()).rejects.toMatchObject({
        exitCode: 4,
        message: expect.stringMatching(
          /the LLM cannot be reached: .*500.*evoplace evolve resume --db .*run\.db/,
        ),
      });
      expect(store.latestRun()!.status).toBe('stopped');
      expect(store.summaries(runId).map((p) => p.kind)).toEqual(['initial']);
      expect(store.events(runId, 'llm-unreachable')).toHaveLength(1);
      // Three generations in a row, and the one beside the third at concurrency 2.
      const asked = server.requests.filter((r) => r.path === '/v1/chat/completions').length;
      expect(asked).toBeGreaterThanOrEqual(3);
      expect(asked).toBeLessThanOrEqual(2 + proposals);
      // The LLM is back: a resume asks those generations again and finishes with none failed.
      failing = false;
      expect(await go()).toMatchObject({ stoppedBy: 'generations', generationsDone: 5 });
      const programs = store.summaries(runId);
      const feedback = store.programs(runId).map((p) => p.textFeedback);
      expect(feedback.filter((f) => /the LLM call failed/.test(f))).toEqual([]);
      expect(programs.map((p) => p.generation).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    });

  it('a run shorter than the failures it takes to tell stops too when no call is answered', async () => {
    const server = await running.server(() => ({ status: 500 }));
    const config = mockConfig(server.baseUrl, { generations: 2, llm: { maxRetries: 0 } });
    const { store, runId, go } = prismRun(config);
    await expect(go()).rejects.toThrow(/the LLM cannot be reached/);
    expect(store.summaries(runId)).toHaveLength(1);
  });

  it('prints each generation’s progress once, counting up, at concurrency 2 with held-out checks', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 6,
      concurrency: { proposals: 2, evaluations: 2 },
      evaluation: { timeoutSec: 20, memoryMb: 1024, maxOutputKb: 64, heldOutEvery: 1 },
    });
    const { progress, go } = prismRun(config);
    await go();
    const counts = progress.flatMap((l) => /^generation (\d+)\/6 /.exec(l)?.[1] ?? []);
    expect(counts).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('meta summaries and embeddings are paid from the budget, which they never pass', async () => {
    const script = prismScript();
    const server = await running.server((request) =>
      request.model === 'mock-meta'
        ? { text: '## Insights\nnone', inputTokens: 10, outputTokens: 1000 }
        : script(request),
    );
    // The coder is free; a meta round costs $1 (its worst case a little more): $2.5 pays two.
    const config = mockConfig(server.baseUrl, {
      generations: 6,
      budgetUsd: 2.5,
      llm: {
        metaModel: `${server.baseUrl}/v1#mock-meta`,
        metaEvery: 1,
        maxTokens: 1000,
        embeddingModel: `${server.baseUrl}/v1#mock-embed`,
        prices: {
          'mock-coder': { inputPerMTok: 0, outputPerMTok: 0 },
          'mock-meta': { inputPerMTok: 0, outputPerMTok: 1000 },
          'mock-embed': { inputPerMTok: 1, outputPerMTok: 0 },
        },
      },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(store.latestMeta(run.runId)!.usd).toBe(1);
    const metaCalls = server.requests.filter(
      (r) => (r.body as { model?: string }).model === 'mock-meta',
    );
    expect(metaCalls).toHaveLength(2);
    expect(run.outcome.spentUsd).toBeLessThanOrEqual(2.5);
    // The embeddings' cost is stored and counted: spent exceeds the two meta rounds.
    expect(run.outcome.spentUsd).toBeGreaterThan(2);
  });

  it('a resumed run checks novelty against the embeddings of programs from before', async () => {
    const server = await running.server(prismScript());
    const config = (generations: number) =>
      mockConfig(server.baseUrl, {
        generations,
        islands: 1,
        patchTypes: { diff: 1, full: 0, cross: 0 },
        llm: { embeddingModel: `${server.baseUrl}/v1#mock-embed`, noveltyThreshold: 0.99 },
      });
    const first = await runTask(resolveTask('prism'), config(2));
    const store = running.keep(first.store);
    const before = store.programs(first.runId).map((p) => p.id);
    const embedded = server.requests.filter((r) => r.path === '/v1/embeddings').length;
    await runEvolution({
      task: resolveTask('prism'),
      store,
      runId: first.runId,
      config: config(4),
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    const later = store.programs(first.runId).filter((p) => p.generation > 2);
    const cited = later.flatMap(
      (p) => /nearly the same as program (\d+)/.exec(p.textFeedback) ?? [],
    );
    expect(cited.some((id) => before.includes(Number(id)))).toBe(true);
    // Programs of the first session were not embedded again.
    const again = server.requests.filter((r) => r.path === '/v1/embeddings').length - embedded;
    expect(again).toBeLessThanOrEqual(later.reduce((a, p) => a + p.patchAttempts, 0));
  });

  it('a run killed between a generation and its migration migrates when resumed', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 4,
      islands: 2,
      migration: { interval: 4, rate: 0.5 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    // Undo the migration, as if the process had died just before it.
    const [migration] = store.events(run.runId, 'migration');
    store.db.prepare('DELETE FROM events WHERE id = ?').run(migration!.id);
    const moves = migration!.data as { programId: number; from: number }[];
    for (const m of [...moves].reverse()) store.moveToIsland(m.programId, m.from);
    await runEvolution({
      task: resolveTask('prism'),
      store,
      runId: run.runId,
      config,
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(store.events(run.runId, 'migration').map((e) => e.data)).toEqual([migration!.data]);
  });

  it('an error no generation can absorb stops every worker and leaves the run stopped', async () => {
    const server = await running.server(prismScript());
    const prism = resolveTask('prism');
    let evaluations = 0;
    let requestsAtFailure = 0;
    const breaking: Task = {
      ...prism,
      evaluate: (code, limits) => {
        if (++evaluations !== 3) return prism.evaluate(code, limits);
        requestsAtFailure = server.requests.length;
        return Promise.reject(new Error('disk full'));
      },
    };
    const config = mockConfig(server.baseUrl, {
      generations: 12,
      concurrency: { proposals: 2, evaluations: 2 },
    });
    const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
    const runId = store.createRun('prism', config, config.seed);
    await expect(
      runEvolution({
        task: breaking,
        store,
        runId,
        config,
        env: {},
        hooks: { progress: () => undefined, warn: () => undefined },
      }),
    ).rejects.toThrow('disk full');
    expect(store.latestRun()!.status).toBe('stopped');
    // The other worker finished the generation it held (its turns at most) and started no more.
    expect(server.requests.length - requestsAtFailure).toBeLessThanOrEqual(config.patchAttempts);
    expect(store.summaries(runId).length).toBeLessThan(13);
  });

  it('a generation stopped in flight asks the same question on resume, at concurrency 2: no reply paid twice', async () => {
    const server = await running.server(prismScript());
    const prism = resolveTask('prism');
    let evaluations = 0;
    // The third evaluation (the initial program's is the first) fails as a full disk would:
    // the run stops with that generation and the one beside it in flight.
    const breaking: Task = {
      ...prism,
      evaluate: (code, limits) =>
        ++evaluations === 3 ? Promise.reject(new Error('disk full')) : prism.evaluate(code, limits),
    };
    // Whole rewrites: each reply a new program (the scripted diff of the initial program is
    // always the same one). One island: every generation draws from every program stored.
    const config = mockConfig(server.baseUrl, {
      generations: 8,
      islands: 1,
      concurrency: { proposals: 2, evaluations: 2 },
      patchTypes: { diff: 0, full: 1, cross: 0 },
    });
    const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
    const runId = store.createRun('prism', config, config.seed);
    const hooks = { progress: () => undefined, warn: () => undefined };
    await expect(
      runEvolution({ task: breaking, store, runId, config, env: {}, hooks }),
    ).rejects.toThrow('disk full');
    const stored = new Set(store.summaries(runId).map((p) => p.generation));
    const lost = [1, 2, 3, 4, 5, 6, 7, 8].filter((g) => !stored.has(g));
    const drafts = lost.map((g) => store.draft(runId, g)).filter((d) => d !== null);
    expect(drafts.length).toBeGreaterThan(0);

    await runEvolution({ task: prism, store, runId, config, env: {}, hooks });
    const programs = store.programs(runId);
    expect(programs.map((p) => p.generation).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    // Each turn of each generation was asked once over both sessions, and every question
    // asked is one the generations' programs record.
    const calls = store.db
      .prepare('SELECT generation, attempt FROM llm_calls WHERE run_id = ?')
      .all(runId) as { generation: number; attempt: number }[];
    const turns = calls.map((c) => `${c.generation}.${c.attempt}`);
    expect(new Set(turns).size).toBe(turns.length);
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions')).length).toBe(
      turns.length,
    );
    expect(turns.length).toBe(programs.reduce((sum, p) => sum + p.patchAttempts, 0));
    for (const draft of drafts) {
      const redone = programs.find((p) => p.generation === draft.generation)!;
      expect(redone).toMatchObject({
        parentId: draft.parentId,
        inspirationIds: draft.inspirationIds,
        model: draft.model,
        temperature: draft.temperature,
      });
      expect(JSON.parse(redone.prompt!).system).toBe(draft.systemPrompt);
    }
    expect(lost.every((g) => store.draft(runId, g) === null)).toBe(true);
  });

  it('redoes a generation from its draft, or draws afresh when the draft names a program the run lacks', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, { generations: 2, islands: 1 });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const initial = store.programs(run.runId).find((p) => p.kind === 'initial')!;
    const draft = {
      runId: run.runId,
      island: 0,
      parentId: initial.id,
      secondParentId: null,
      inspirationIds: [],
      patchType: 'full',
      model: store.programs(run.runId)[1]!.model!,
      temperature: 0.25,
      systemPrompt: 'the system prompt of the draft\n# Reply format (full)',
      userPrompt: `## Program to improve\n\`\`\`typescript\n${initial.code}\`\`\`\n`,
      turns: [],
    };
    store.saveDraft({ ...draft, generation: 3 });
    store.saveDraft({ ...draft, generation: 4, inspirationIds: [999] });
    store.saveDraft({ ...draft, generation: 5 });
    store.db.prepare('UPDATE drafts SET inspiration_ids = \'{"x":1}\' WHERE generation = 5').run();
    const more = { ...config, generations: 5 };
    await runEvolution({
      task: resolveTask('prism'),
      store,
      runId: run.runId,
      config: more,
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    const [third, fourth] = [3, 4].map((g) =>
      store.programs(run.runId).find((p) => p.generation === g)!,
    );
    expect(JSON.parse(third!.prompt!).system).toBe(draft.systemPrompt);
    expect(third).toMatchObject({ temperature: 0.25, patchType: 'full', parentId: initial.id });
    expect(JSON.parse(fourth!.prompt!).system).not.toBe(draft.systemPrompt);
    expect(fourth!.inspirationIds).not.toContain(999);
    const fifth = store.programs(run.runId).find((p) => p.generation === 5)!;
    expect(JSON.parse(fifth.prompt!).system).not.toBe(draft.systemPrompt);
  });

  it('replays a conversation stopped after a failed turn: the retry sent then, no reply paid twice', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, { generations: 1, islands: 1 });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const initial = store.programs(run.runId).find((p) => p.kind === 'initial')!;
    const model = store.programs(run.runId).find((p) => p.generation === 1)!.model!;
    // Generation 2 as a stop left it: turn 1 rewrote the program into itself and was sent back
    // with a reason (today it would read "identical to program 1"), turn 2's reply was paid for,
    // and its child was being evaluated.
    const system = 'a system prompt\n# Reply format (full)';
    const user = `## Program to improve\n\`\`\`typescript\n${initial.code}\`\`\`\n`;
    const same = `\`\`\`typescript\n${initial.code}\`\`\`\n`;
    const retry = 'the reason the run gave before it stopped';
    const changed = initial.code.replace(
      '  return assignment;\n}',
      '  // replayed\n  return assignment;\n}',
    );
    const better = `\`\`\`typescript\n${changed}\`\`\`\n`;
    const turns = [
      { role: 'assistant' as const, content: same },
      { role: 'user' as const, content: retry },
    ];
    const asked = (messages: typeof turns) => ({
      system,
      messages: [{ role: 'user' as const, content: user }, ...messages],
      temperature: 0.5,
      maxTokens: config.llm.maxTokens,
    });
    store.saveDraft({
      runId: run.runId,
      generation: 2,
      island: 0,
      parentId: initial.id,
      secondParentId: null,
      inspirationIds: [],
      patchType: 'full',
      model,
      temperature: 0.5,
      systemPrompt: system,
      userPrompt: user,
      turns,
    });
    for (const [attempt, messages, reply] of [
      [1, [], same],
      [2, turns, better],
    ] as const)
      store.recordLlmCall({
        runId: run.runId,
        generation: 2,
        attempt,
        requestKey: requestKey(model, asked([...messages])),
        model,
        reply,
        inputTokens: 100,
        outputTokens: 100,
        usd: 0,
      });
    const requestsBefore = server.requests.length;
    await runEvolution({
      task: resolveTask('prism'),
      store,
      runId: run.runId,
      config: { ...config, generations: 2 },
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(server.requests.length).toBe(requestsBefore);
    const redone = store.programs(run.runId).find((p) => p.generation === 2)!;
    expect(redone).toMatchObject({ kind: 'proposal', patchAttempts: 2, correct: true });
    expect(redone.code).toContain('// replayed');
    expect(JSON.parse(redone.prompt!).messages[2].content).toBe(retry);
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
    // Its budget has the price of every model it names.
    expect(config.budgetUsd).not.toBeNull();
    expect(() => checkBudgetPrices(config)).not.toThrow();
  });
});

describe('evolve: prices', () => {
  it('the README quick start gives the prices its --budget-usd needs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const quickStart =
      /cat > prices\.yaml <<'EOF'\n([\s\S]*?)\nEOF\n(evoplace evolve run [^\n]*\\\n[^\n]*)/.exec(
        readme,
      )!;
    const file = parse(quickStart[1]!) as { llm: Record<string, unknown> };
    const command = quickStart[2]!;
    expect(command).toContain('--config prices.yaml');
    const flag = (name: string): string => new RegExp(`--${name} (\\S+)`).exec(command)![1]!;
    const config = evolveConfigSchema.parse({
      ...file,
      budgetUsd: Number(flag('budget-usd')),
      llm: { ...file.llm, models: [flag('llm')] },
    });
    expect(config.budgetUsd).toBe(5);
    expect(() => checkBudgetPrices(config)).not.toThrow();
    expect(() => checkBudgetPrices({ ...config, llm: { ...config.llm, prices: {} } })).toThrow(
      /openai:gpt-4\.1/,
    );
  });

  it('refuses a budget over a model without a price before a run starts', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, { generations: 1, budgetUsd: 1 });
    expect(() => checkModels(config, {})).toThrow(
      /llm\.prices has none for http:\/\/127\.0\.0\.1:\d+\/v1#mock-coder/,
    );
    expect(server.requests).toHaveLength(0);
    // A run stored before a budget needed prices still resumes, told that its calls count $0.
    const warnings: string[] = [];
    const store = running.keep(RunStore.create(join(runDir(), 'old.db')));
    const runId = store.createRun('prism', config, config.seed);
    const outcome = await runEvolution({
      task: resolveTask('prism'),
      store,
      runId,
      config,
      env: {},
      hooks: { progress: () => undefined, warn: (line) => warnings.push(line) },
    });
    expect(outcome.stoppedBy).toBe('generations');
    expect(warnings.some((w) => /no price for .*mock-coder.* count as \$0/.test(w))).toBe(true);
  });
});
