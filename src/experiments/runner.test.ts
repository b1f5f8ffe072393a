import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { EXPERIMENT_TASK_PREFIX, RunStore } from '../evolve/database/store.js';
import { canonicalKey, enumerate, type Params } from '../evolve/genomes/params/index.js';
import { ArtefactStore } from './artefacts.js';
import { colocateEvaluator, colocateEvaluatorSchema } from './evaluators/colocate-model.js';
import type { Evaluator, Measurement } from './evaluators/types.js';
import { fitnessOf } from './fitness.js';
import { loadExperiment } from './load.js';
import { runExperiment, type Clock } from './runner.js';
import { experimentSpecSchema, type ExperimentSpec, type ExperimentSpecInput } from './spec.js';

const stores: RunStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function newStore(spec: ExperimentSpec): { store: RunStore; runId: number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-exp-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const store = RunStore.create(join(dir, 'exp.db'));
  stores.push(store);
  return {
    store,
    runId: store.createRun(`${EXPERIMENT_TASK_PREFIX}${spec.name}`, spec, spec.seed),
    dir,
  };
}

async function run(
  spec: ExperimentSpec,
  evaluator: Evaluator,
  clock?: Clock,
  signal?: AbortSignal,
) {
  const { store, runId, dir } = newStore(spec);
  const artefacts = new ArtefactStore(
    join(dir, 'artefacts'),
    spec.artefacts.max_count,
    spec.artefacts.max_bytes,
  );
  const outcome = await runExperiment({
    spec,
    evaluator,
    store,
    runId,
    artefacts,
    progress: () => undefined,
    clock,
    signal,
  });
  return { outcome, store, runId, artefacts };
}

/** A quick evaluator: fitness peaks at x = 7, y = 'b'; x ≥ 9 runs out of memory. */
const toy: Evaluator = {
  kind: 'toy',
  evaluate: (p: Params): Promise<Measurement> =>
    Promise.resolve({
      metrics: { score: 100 - (Number(p.x) - 7) ** 2 - (p.y === 'b' ? 0 : 10) },
      oom: Number(p.x) >= 9,
      error: null,
      log: `x=${p.x}`,
    }),
};

function toySpec(overrides: Partial<ExperimentSpecInput> = {}): ExperimentSpec {
  return experimentSpecSchema.parse({
    name: 'toy',
    search_space: {
      x: { type: 'int', min: 0, max: 12 },
      y: { type: 'choice', values: ['a', 'b', 'c'] },
    },
    evaluator: { kind: 'command' },
    metrics: { score: { direction: 'up', weight: 1, range: [0, 100] } },
    budget: { max_candidates: 30, max_generations: 6, population: 6 },
    ...overrides,
  });
}

describe('experiments: gpu-colocation', () => {
  it('finds the configuration exhaustive evaluation ranks first, within 10 candidates × 4 generations', async () => {
    const { spec, path } = loadExperiment('gpu-colocation');
    expect(spec.budget).toMatchObject({ population: 10, max_generations: 4 });
    const evaluator = colocateEvaluator(colocateEvaluatorSchema.parse(spec.evaluator), path);
    const ranked = await Promise.all(
      enumerate(spec.search_space).map(async (params) => ({
        params,
        verdict: fitnessOf(await evaluator.evaluate(params, { timeoutMs: 1000 }), spec.metrics),
      })),
    );
    ranked.sort((a, b) => b.verdict.fitness - a.verdict.fitness);
    expect(ranked[0]!.verdict.fitness).toBeGreaterThan(ranked[1]!.verdict.fitness);
    expect(ranked.some((r) => r.verdict.disqualified)).toBe(true);
    for (const seed of [0, 1, 2, 3, 4]) {
      const { outcome } = await run({ ...spec, seed }, evaluator);
      expect(outcome.candidates.length).toBeLessThanOrEqual(40);
      expect(outcome.winner!.params).toEqual(ranked[0]!.params);
    }
  });
});

describe('experiments: the search', () => {
  it('never evaluates a configuration twice, never an unsafe one; OOM gets fitness 0 and never wins', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(10_000), fc.integer({ min: 2, max: 9 }), async (seed, safeMax) => {
        const spec = toySpec({
          seed,
          search_space: {
            x: { type: 'int', min: 0, max: 12, safety: { max: safeMax + 2 } },
            y: { type: 'choice', values: ['a', 'b', 'c'] },
          },
        });
        const { outcome } = await run(spec, toy);
        const keys = outcome.candidates.map((c) => canonicalKey(c.params));
        expect(new Set(keys).size).toBe(keys.length);
        for (const c of outcome.candidates) {
          expect(Number(c.params.x)).toBeLessThanOrEqual(safeMax + 2);
          if (c.measurement.oom) {
            expect(c.verdict.fitness).toBe(0);
            expect(c.verdict.disqualified).toBe(true);
          }
        }
        expect(outcome.winner?.measurement.oom ?? false).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it('records every candidate in the run database with its metrics and fitness', async () => {
    const { outcome, store, runId, artefacts } = await run(
      toySpec({ artefacts: { max_count: 5 } }),
      toy,
    );
    const rows = store.programs(runId);
    expect(rows).toHaveLength(outcome.candidates.length);
    expect(rows[0]!.language).toBe('params');
    expect(JSON.parse(rows[0]!.code)).toEqual(outcome.candidates[0]!.params);
    expect(rows[0]!.combinedScore).toBe(outcome.candidates[0]!.verdict.fitness);
    expect(artefacts.list()).toHaveLength(5);
    expect(artefacts.list().at(-1)!.name).toMatch(new RegExp(`^0*${outcome.candidates.length}-`));
  });
});

describe('experiments: every budget stops the run', () => {
  it('max_candidates', async () => {
    const { outcome } = await run(
      toySpec({ budget: { max_candidates: 7, max_generations: 50, population: 3 } }),
      toy,
    );
    expect(outcome.stoppedBy).toBe('max-candidates');
    expect(outcome.candidates).toHaveLength(7);
  });

  it('max_generations', async () => {
    const { outcome } = await run(
      toySpec({ budget: { max_candidates: 100, max_generations: 2, population: 4 } }),
      toy,
    );
    expect(outcome.stoppedBy).toBe('max-generations');
    expect(new Set(outcome.candidates.map((c) => c.generation))).toEqual(new Set([0, 1]));
  });

  it('per-candidate wall clock: a hanging evaluation is cut off, disqualified, and the run goes on', async () => {
    const hangsOnce: Evaluator = {
      kind: 'hangs',
      evaluate: (p, context) =>
        Number(p.x) % 2 === 0
          ? new Promise<Measurement>(() => expect(context.timeoutMs).toBeLessThanOrEqual(50))
          : toy.evaluate(p, context),
    };
    const spec = toySpec({
      budget: { max_candidates: 8, max_generations: 3, population: 4, candidate_timeout_sec: 0.05 },
    });
    const { outcome } = await run(spec, hangsOnce);
    const hung = outcome.candidates.filter((c) => Number(c.params.x) % 2 === 0);
    expect(hung.length).toBeGreaterThan(0);
    for (const c of hung)
      expect(c.verdict).toMatchObject({
        fitness: 0,
        disqualified: true,
        reason: expect.stringMatching(/timed out/),
      });
    expect(outcome.candidates).toHaveLength(8);
  });

  it('whole-run wall clock', async () => {
    let now = 0;
    const slow: Evaluator = {
      kind: 'slow',
      evaluate: (p, c) => ((now += 10_000), toy.evaluate(p, c)),
    };
    const spec = toySpec({
      budget: { max_candidates: 100, max_generations: 50, population: 4, wall_clock_sec: 35 },
    });
    const { outcome } = await run(spec, slow, () => now);
    expect(outcome.stoppedBy).toBe('wall-clock');
    expect(outcome.candidates).toHaveLength(4);
  });

  it('a candidate cut short by the whole-run wall clock is not stored, nor taken for an evaluator failure', async () => {
    const hangs: Evaluator = {
      kind: 'hangs',
      evaluate: (p, c) => (p.y === 'b' ? new Promise<Measurement>(() => {}) : toy.evaluate(p, c)),
    };
    const spec = toySpec({
      budget: { max_candidates: 100, max_generations: 50, population: 6, wall_clock_sec: 0.05 },
    });
    const { outcome, store, runId } = await run(spec, hangs);
    expect(outcome).toMatchObject({ stoppedBy: 'wall-clock', evaluatorError: null });
    expect(outcome.candidates.every((c) => c.params.y !== 'b')).toBe(true);
    expect(store.programs(runId)).toHaveLength(outcome.candidates.length);
  });

  it('a plateau, and an exhausted space', async () => {
    const flat: Evaluator = {
      kind: 'flat',
      evaluate: () => Promise.resolve({ metrics: { score: 50 }, oom: false, error: null, log: '' }),
    };
    const plateau = await run(
      toySpec({
        selector: { plateau_generations: 2 },
        budget: { max_candidates: 100, max_generations: 20, population: 3 },
      }),
      flat,
    );
    expect(plateau.outcome.stoppedBy).toBe('plateau');
    expect(plateau.outcome.generations).toBe(3);
    const tiny = toySpec({
      search_space: { y: { type: 'choice', values: ['a', 'b', 'c'] } },
      budget: { max_candidates: 100, max_generations: 20, population: 2 },
    });
    const exhausted = await run(tiny, flat);
    expect(exhausted.outcome.stoppedBy).toBe('exhausted');
    expect(exhausted.outcome.candidates).toHaveLength(3);
  });
});

describe('experiments: an evaluator that fails every candidate of the first generation', () => {
  it('stops the run there, with the first error', async () => {
    let calls = 0;
    const broken: Evaluator = {
      kind: 'broken',
      evaluate: () =>
        Promise.resolve({
          metrics: {},
          oom: false,
          error: `connection refused (call ${++calls})`,
          log: '',
        }),
    };
    const { outcome, store, runId } = await run(toySpec(), broken);
    expect(outcome.stoppedBy).toBe('evaluator-failed');
    expect(outcome.evaluatorError).toBe('connection refused (call 1)');
    expect(outcome.generations).toBe(1);
    expect(outcome.candidates).toHaveLength(6);
    expect(calls).toBe(6);
    expect(store.run(runId)!.status).toBe('stopped');
    expect(store.events(runId, 'error')[0]!.message).toMatch(/first error: connection refused/);
  });

  it('counts a missing metric as a failure too, but not an out-of-memory result', async () => {
    const silent: Evaluator = {
      kind: 'silent',
      evaluate: () => Promise.resolve({ metrics: {}, oom: false, error: null, log: '' }),
    };
    const missing = await run(toySpec(), silent);
    expect(missing.outcome.stoppedBy).toBe('evaluator-failed');
    expect(missing.outcome.evaluatorError).toBe('the evaluator reported no metric "score"');
    const oom: Evaluator = {
      kind: 'oom',
      evaluate: () => Promise.resolve({ metrics: {}, oom: true, error: null, log: '' }),
    };
    const spec = toySpec({ budget: { max_candidates: 12, max_generations: 6, population: 4 } });
    const always = await run(spec, oom);
    expect(always.outcome.stoppedBy).toBe('max-candidates');
    expect(always.outcome.evaluatorError).toBeNull();
    // A configuration that cannot start is a result about it, as an OOM is.
    const cannotStart: Evaluator = {
      kind: 'cannot-start',
      evaluate: () =>
        Promise.resolve({
          metrics: {},
          oom: false,
          error: 'vLLM cannot start: no-kv-cache',
          configurationError: true,
          log: '',
        }),
    };
    const refused = await run(spec, cannotStart);
    expect(refused.outcome.stoppedBy).toBe('max-candidates');
    expect(refused.outcome.evaluatorError).toBeNull();
  });

  it('goes on when one candidate of the first generation ran', async () => {
    const mostlyBroken: Evaluator = {
      kind: 'mostly-broken',
      evaluate: (p, c) =>
        Number(p.x) === 3
          ? toy.evaluate(p, c)
          : Promise.resolve({ metrics: {}, oom: false, error: 'boom', log: '' }),
    };
    const spec = toySpec({
      baseline: { x: 3, y: 'a' },
      budget: { max_candidates: 10, max_generations: 6, population: 4 },
    });
    const { outcome } = await run(spec, mostlyBroken);
    expect(outcome.stoppedBy).toBe('max-candidates');
    expect(outcome.winner?.params.x).toBe(3);
  });
});

describe('experiments: a stop signal', () => {
  it('reaches the evaluation in flight, whose cut-short candidate is not stored', async () => {
    const stop = new AbortController();
    let calls = 0;
    const listening: Evaluator = {
      kind: 'listening',
      evaluate: (p, context) => {
        if (++calls < 3) return toy.evaluate(p, context);
        return new Promise<Measurement>((resolve) => {
          context.signal!.addEventListener('abort', () =>
            resolve({ metrics: {}, oom: false, error: 'the evaluation was stopped', log: '' }),
          );
          stop.abort();
        });
      },
    };
    const { outcome, store, runId } = await run(toySpec(), listening, undefined, stop.signal);
    expect(outcome.stoppedBy).toBe('interrupted');
    expect(outcome.evaluatorError).toBeNull();
    expect(calls).toBe(3);
    expect(outcome.candidates).toHaveLength(2);
    expect(store.programs(runId)).toHaveLength(2);
    expect(store.run(runId)!.status).toBe('stopped');
  });

  it('keeps a candidate whose evaluation finished in spite of the stop', async () => {
    const stop = new AbortController();
    const finishing: Evaluator = {
      kind: 'finishing',
      evaluate: (p, context) => {
        stop.abort();
        return toy.evaluate(p, context);
      },
    };
    const { outcome, store, runId } = await run(toySpec(), finishing, undefined, stop.signal);
    expect(outcome.stoppedBy).toBe('interrupted');
    expect(outcome.candidates).toHaveLength(1);
    expect(store.programs(runId)).toHaveLength(1);
  });
});
