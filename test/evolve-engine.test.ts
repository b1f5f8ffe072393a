import { describe, expect, it } from 'vitest';
import { resolveTask } from '../src/evolve/tasks/index.js';
import { join } from 'node:path';
import { RunStore } from '../src/evolve/database/store.js';
import { runEvolution } from '../src/evolve/engine.js';
import { solveExhaustive } from '../src/problems/colocate/solvers/exhaustive.js';
import { colocateTaskCases } from '../src/problems/colocate/task.js';
import { mockConfig, runDir, runTask, useRunResources } from './support/evolve-run.js';
import { prismScript } from './support/prism-script.js';

const running = useRunResources();

describe('evolve: a scripted run on prism', () => {
  it('applies diff, full and cross patches, stores lineage, diffs, metrics and costs, and improves', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 6,
      patchTypes: { diff: 1, full: 1, cross: 1 },
      llm: { prices: { 'mock-coder': { inputPerMTok: 3, outputPerMTok: 15 } } },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(run.outcome.stoppedBy).toBe('generations');
    const programs = store.programs(run.runId);
    const initial = programs.find((p) => p.kind === 'initial')!;
    expect(initial.combinedScore).toBeCloseTo(21.8916, 4);
    const proposals = programs.filter((p) => p.kind === 'proposal');
    expect(proposals).toHaveLength(6);
    expect(new Set(proposals.map((p) => p.patchType))).toEqual(new Set(['diff', 'full', 'cross']));
    for (const p of proposals) {
      expect(p.correct).toBe(true);
      expect(programs.some((q) => q.id === p.parentId)).toBe(true);
      expect(p.diff).toMatch(/^--- /);
      expect(p.diff).toMatch(/\n@@ /);
      expect(p.publicMetrics).toHaveProperty('meanMaxKvpr');
      expect(p.inputTokens).toBeGreaterThan(0);
      expect(p.usd).toBeCloseTo((p.inputTokens * 3 + p.outputTokens * 15) / 1e6, 12);
      expect(p.prompt).toContain('Program to improve');
      expect(p.code).toContain('PRISM placement: put every model');
      expect(p.code).not.toContain('outside the blocks');
    }
    const cross = proposals.find((p) => p.patchType === 'cross')!;
    expect(cross.secondParentId).not.toBeNull();
    const best = store.best(run.runId)!;
    expect(best.combinedScore).toBeGreaterThan(initial.combinedScore + 0.4);
    expect(run.outcome.spentUsd).toBeCloseTo(
      proposals.reduce((a, p) => a + p.usd, 0),
      12,
    );
    expect(store.archive(run.runId)[0]).toBe(best.id);
  });
});

describe('evolve: patches that fail go back to the LLM', () => {
  it('retries a SEARCH that does not match with the reason, rejects edits outside blocks, tolerates indentation', async () => {
    const replies = [
      // generation 1: SEARCH text absent from the program, then a valid edit with drifted indentation
      '<<<<<<< SEARCH\n  const nothing = 1;\n=======\n  const nothing = 2;\n>>>>>>> REPLACE',
      '<<<<<<< SEARCH\nreturn assignment;\n=======\n// indented by the engine\nreturn assignment;\n>>>>>>> REPLACE',
      // generation 2: an edit of the interface above the EVOLVE block, three times
      '<<<<<<< SEARCH\n  sizeGb: number;\n=======\n  sizeGb: string;\n>>>>>>> REPLACE',
      '<<<<<<< SEARCH\n  sizeGb: number;\n=======\n  sizeGb: string;\n>>>>>>> REPLACE',
      '<<<<<<< SEARCH\n  sizeGb: number;\n=======\n  sizeGb: string;\n>>>>>>> REPLACE',
    ];
    const server = await running.server(replies);
    const config = mockConfig(server.baseUrl, {
      generations: 2,
      islands: 1,
      patchTypes: { diff: 1, full: 0, cross: 0 },
      patchAttempts: 3,
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chats).toHaveLength(5);
    const second = chats[1]!.body as { messages: { role: string; content: string }[] };
    const turns = second.messages.filter((m) => m.role !== 'system');
    expect(turns.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(turns[2]!.content).toMatch(/could not be applied/);
    expect(turns[2]!.content).toMatch(/const nothing = 1/);
    const [first, outside] = store.programs(run.runId).filter((p) => p.kind !== 'initial');
    expect(first!.kind).toBe('proposal');
    expect(first!.patchAttempts).toBe(2);
    expect(first!.code).toContain('  // indented by the engine\n  return assignment;');
    expect(first!.correct).toBe(true);
    expect(outside!.kind).toBe('failed');
    expect(outside!.patchAttempts).toBe(3);
    expect(outside!.textFeedback).toMatch(/EVOLVE-BLOCK/);
  });
});

describe('evolve: the engine survives its candidates', () => {
  it('records an infinite loop as incorrect at the timeout and carries on', async () => {
    let call = 0;
    const server = await running.server((request) => {
      call++;
      if (call === 1)
        return '<<<<<<< SEARCH\n  return assignment;\n=======\n  for (;;) {}\n  return assignment;\n>>>>>>> REPLACE';
      return prismScript()(request);
    });
    const config = mockConfig(server.baseUrl, {
      generations: 2,
      islands: 1,
      patchTypes: { diff: 1, full: 0, cross: 0 },
      evaluation: { timeoutSec: 1.5, memoryMb: 1024, maxOutputKb: 64 },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    const [looping, next] = store.programs(run.runId).filter((p) => p.kind === 'proposal');
    expect(looping!.correct).toBe(false);
    expect(looping!.combinedScore).toBe(0);
    expect(looping!.textFeedback).toMatch(/time limit/);
    expect(next!.correct).toBe(true);
  });
});

describe('evolve: the best program on held-out cases', () => {
  it('a finished run scores its best program on the held-out cases once, and says so', async () => {
    const server = await running.server(prismScript());
    const heldOut = resolveTask('prism', 'holdout');
    const config = mockConfig(server.baseUrl, { generations: 2 });
    const run = await runTask(resolveTask('prism'), config, undefined, heldOut);
    const store = running.keep(run.store);
    const best = store.best(run.runId)!;
    const limits = { timeoutMs: 20_000, memoryMb: 1024, maxOutputBytes: 64 * 1024 };
    const independent = await heldOut.evaluate(best.code, limits);
    const initial = store.programs(run.runId).find((p) => p.kind === 'initial')!;
    const initialHeldOut = await heldOut.evaluate(initial.code, limits);
    expect(run.outcome.heldOut).toEqual({
      programId: best.id,
      runScore: best.combinedScore,
      combinedScore: independent.combinedScore,
      correct: true,
      textFeedback: independent.textFeedback,
      initialScore: initialHeldOut.combinedScore,
    });
    // The scripted improvement generalises: no overfitting warning.
    expect(independent.combinedScore).toBeGreaterThan(initialHeldOut.combinedScore);
    expect(run.warnings).toEqual([]);
    expect(independent.combinedScore).not.toBe(best.combinedScore);
    const [event] = store.events(run.runId, 'holdout');
    expect(event!.message).toBe(
      // Six significant digits, as the dashboard shows scores.
      `best program ${best.id}: ${Number(independent.combinedScore.toPrecision(6))} on held-out cases (${Number(best.combinedScore.toPrecision(6))} on the run's)`,
    );
    expect(event!.data).toEqual(run.outcome.heldOut);
    // Both scores are kept beside their programs, for the dashboard.
    const kept = store.heldOutScores(run.runId);
    expect([...kept.keys()].sort((a, b) => a - b)).toEqual([initial.id, best.id]);
    expect(kept.get(best.id)).toMatchObject({
      combinedScore: independent.combinedScore,
      correct: true,
    });
    // The same metrics (their timings differ from one evaluation to the next).
    expect(Object.keys(kept.get(best.id)!.publicMetrics)).toEqual(Object.keys(independent.public));
    expect(kept.get(initial.id)!.combinedScore).toBe(initialHeldOut.combinedScore);
    // Resuming the finished run reads the score back instead of evaluating again.
    const again = await runEvolution({
      task: resolveTask('prism'),
      heldOut,
      store,
      runId: run.runId,
      config,
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(again.heldOut).toEqual(run.outcome.heldOut);
    expect(store.events(run.runId, 'holdout')).toHaveLength(1);
  });

  it('a run whose best is the initial program gives that score as the initial one too', async () => {
    const server = await running.server(prismScript());
    const heldOut = resolveTask('prism', 'holdout');
    const run = await runTask(
      resolveTask('prism'),
      mockConfig(server.baseUrl, { generations: 0 }),
      undefined,
      heldOut,
    );
    running.keep(run.store);
    expect(run.outcome.heldOut).not.toBeNull();
    expect(run.outcome.heldOut!.initialScore).toBe(run.outcome.heldOut!.combinedScore);
  });

  it('a program that memorised the run’s cases wins the run and is caught on held-out cases', async () => {
    // The exhaustive best of each of the run's problems, keyed by the input the program gets.
    const table = Object.fromEntries(
      colocateTaskCases().map((c) => [
        JSON.stringify(c.input),
        solveExhaustive(c.problem).solution,
      ]),
    );
    const memoriser = [
      'Remember what worked.',
      '<<<<<<< SEARCH',
      'export function configure(input: Input): Configuration | null {',
      '=======',
      `const SEEN: Record<string, Configuration | null> = ${JSON.stringify(table)};`,
      'export function configure(input: Input): Configuration | null {',
      '  return SEEN[JSON.stringify(input)] ?? null;',
      '}',
      'export function configureUnseen(input: Input): Configuration | null {',
      '>>>>>>> REPLACE',
    ].join('\n');
    const server = await running.server([memoriser]);
    const config = mockConfig(server.baseUrl, {
      generations: 1,
      islands: 1,
      patchTypes: { diff: 1, full: 0, cross: 0 },
    });
    const heldOut = resolveTask('colocate', 'holdout');
    const run = await runTask(resolveTask('colocate'), config, undefined, heldOut);
    const store = running.keep(run.store);
    const best = store.best(run.runId)!;
    expect(best.kind).toBe('proposal');
    expect(best.combinedScore).toBe(1);
    const { heldOut: score } = run.outcome;
    expect(score!.correct).toBe(true);
    expect(score!.combinedScore).toBeLessThan(score!.initialScore!);
    expect(run.warnings).toEqual([
      expect.stringMatching(/scores [\d.]+ on held-out cases, below the initial program's [\d.]+/),
    ]);
    expect(store.events(run.runId, 'warning').map((e) => e.data)).toEqual([{ code: 'overfit' }]);
  });

  it('an interrupted run is not scored on held-out cases (its best may still change)', async () => {
    const server = await running.server(prismScript());
    const controller = new AbortController();
    controller.abort();
    const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
    const config = mockConfig(server.baseUrl, { generations: 3 });
    const runId = store.createRun('prism', config, config.seed);
    const outcome = await runEvolution({
      task: resolveTask('prism'),
      heldOut: resolveTask('prism', 'holdout'),
      store,
      runId,
      config,
      env: {},
      signal: controller.signal,
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(outcome).toMatchObject({ stoppedBy: 'interrupted', heldOut: null });
    expect(store.events(runId, 'holdout')).toEqual([]);
  });
});
