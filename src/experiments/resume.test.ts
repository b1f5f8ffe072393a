import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { EXPERIMENT_TASK_PREFIX, RunStore } from '../evolve/database/store.js';
import { canonicalKey, type Params } from '../evolve/genomes/params/index.js';
import type { Evaluator, Measurement } from './evaluators/types.js';
import { requireSameSpec, storedCandidates } from './resume.js';
import { runExperiment, type Clock } from './runner.js';
import { experimentSpecSchema, type ExperimentSpec, type ExperimentSpecInput } from './spec.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function newRun(spec: ExperimentSpec): { store: RunStore; runId: number } {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-resume-'));
  const store = RunStore.create(join(dir, 'exp.db'));
  cleanups.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    store,
    runId: store.createRun(`${EXPERIMENT_TASK_PREFIX}${spec.name}`, spec, spec.seed),
  };
}

/**
 * Every kind of result, decided by the configuration alone: a score, an OOM, an error of the
 * configuration's own (vLLM refusing it) and an evaluator failure. Counts its calls by key.
 */
function mixedEvaluator(calls: string[], clock?: { now: number }): Evaluator {
  return {
    kind: 'mixed',
    evaluate: (p: Params): Promise<Measurement> => {
      calls.push(canonicalKey(p));
      if (clock) clock.now += 10_000;
      const x = Number(p.x);
      const base = { oom: false, error: null, log: `x=${x}` };
      if (x % 7 === 3) return Promise.resolve({ ...base, metrics: {}, oom: true });
      if (x % 7 === 5)
        return Promise.resolve({
          ...base,
          metrics: {},
          error: 'vLLM refused it',
          configurationError: true,
        });
      if (x % 11 === 4) return Promise.resolve({ ...base, metrics: {}, error: 'crashed' });
      return Promise.resolve({
        ...base,
        metrics: { score: 100 - (x - 17) ** 2 / 4 - (p.y === 'b' ? 0 : 10) },
      });
    },
  };
}

function spec(seed: number, overrides: Partial<ExperimentSpecInput> = {}): ExperimentSpec {
  return experimentSpecSchema.parse({
    name: 'mixed',
    seed,
    search_space: {
      x: { type: 'int', min: 0, max: 40 },
      y: { type: 'choice', values: ['a', 'b', 'c'] },
    },
    evaluator: { kind: 'command' },
    metrics: { score: { direction: 'up', weight: 1, range: [0, 100] } },
    budget: { max_candidates: 24, max_generations: 8, population: 5 },
    ...overrides,
  });
}

async function drive(
  s: ExperimentSpec,
  evaluator: Evaluator,
  at: { store: RunStore; runId: number },
  options: { earlier?: boolean; clock?: Clock; signal?: AbortSignal } = {},
) {
  return runExperiment({
    spec: s,
    evaluator,
    store: at.store,
    runId: at.runId,
    artefacts: null,
    progress: () => undefined,
    clock: options.clock,
    signal: options.signal,
    earlier: options.earlier ? storedCandidates(at.store, at.runId) : [],
  });
}

/** What a run stored, in order: each candidate's configuration, place and fitness. */
function storedRows(store: RunStore, runId: number) {
  return store.programs(runId).map((p) => [p.code, p.generation, p.slot, p.combinedScore]);
}

describe('experiment resume: a run stopped and resumed ends where one straight run does', () => {
  it('stopped by its candidate budget or by a signal, at any point (random seeds and cuts)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 23 }),
        fc.boolean(),
        async (seed, cut, bySignal) => {
          const straightCalls: string[] = [];
          const straight = newRun(spec(seed));
          const whole = await drive(spec(seed), mixedEvaluator(straightCalls), straight);

          const at = newRun(spec(seed));
          const firstCalls: string[] = [];
          if (bySignal) {
            // The stop lands while candidate cut + 1 is evaluated: it is cut short, not stored.
            const stop = new AbortController();
            const inner = mixedEvaluator(firstCalls);
            const stopping: Evaluator = {
              kind: 'stopping',
              evaluate: async (p, c) => {
                if (firstCalls.length === cut) {
                  stop.abort();
                  return { metrics: {}, oom: false, error: 'the evaluation was stopped', log: '' };
                }
                return inner.evaluate(p, c);
              },
            };
            await drive(spec(seed), stopping, at, { signal: stop.signal });
          } else {
            const cutSpec = spec(seed, {
              budget: { max_candidates: Math.max(1, cut), max_generations: 8, population: 5 },
            });
            await drive(cutSpec, mixedEvaluator(firstCalls), at);
          }
          const stored = at.store.programs(at.runId).length;
          const resumedCalls: string[] = [];
          const resumed = await drive(spec(seed), mixedEvaluator(resumedCalls), at, {
            earlier: true,
          });

          expect(storedRows(at.store, at.runId)).toEqual(
            storedRows(straight.store, straight.runId),
          );
          expect(resumed.stoppedBy).toBe(whole.stoppedBy);
          expect(resumed.generations).toBe(whole.generations);
          expect(resumed.winner?.params).toEqual(whole.winner?.params);
          expect(resumed.evaluatorError).toBe(whole.evaluatorError);
          // Only what the first session had not stored is evaluated again.
          expect(resumedCalls).toEqual(straightCalls.slice(stored));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a first generation that failed for the evaluator stops the resumed run the same way', async () => {
    const failing: Evaluator = {
      kind: 'failing',
      evaluate: () => Promise.resolve({ metrics: {}, oom: false, error: 'no GPU', log: '' }),
    };
    const at = newRun(spec(1));
    const first = await drive(spec(1), failing, at);
    expect(first.stoppedBy).toBe('evaluator-failed');
    const calls: string[] = [];
    const again = await drive(spec(1), mixedEvaluator(calls), at, { earlier: true });
    expect(again.stoppedBy).toBe('evaluator-failed');
    expect(again.evaluatorError).toBe('no GPU');
    expect(calls).toEqual([]);
  });

  it("errors of the configurations' own (not the evaluator failing) are replayed as such", async () => {
    const refusing: Evaluator = {
      kind: 'refusing',
      evaluate: () =>
        Promise.resolve({
          metrics: {},
          oom: false,
          error: 'vLLM refused it',
          configurationError: true,
          log: '',
        }),
    };
    const limited = spec(2, { budget: { max_candidates: 12, max_generations: 3, population: 4 } });
    const at = newRun(limited);
    await drive(
      spec(2, { budget: { max_candidates: 4, max_generations: 3, population: 4 } }),
      refusing,
      at,
    );
    const resumed = await drive(limited, refusing, at, { earlier: true });
    const straight = await drive(limited, refusing, newRun(limited));
    expect(straight.stoppedBy).not.toBe('evaluator-failed');
    expect(resumed.stoppedBy).toBe(straight.stoppedBy);
    expect(resumed.candidates).toHaveLength(straight.candidates.length);
  });
});

describe('experiment resume: the whole-run wall clock counts the stored evaluations', () => {
  it('a run out of time stays so; more time goes on exactly as a straight run with it', async () => {
    const timed = (wall: number) =>
      spec(3, {
        budget: { max_candidates: 100, max_generations: 50, population: 4, wall_clock_sec: wall },
      });
    const clock = { now: 0 };
    const at = newRun(timed(35));
    const first = await drive(timed(35), mixedEvaluator([], clock), at, {
      clock: () => clock.now,
    });
    expect(first.stoppedBy).toBe('wall-clock');
    expect(first.candidates).toHaveLength(4);

    // A new session: its own clock starts at 0, the 40 s the run has spent come from the store.
    const calls: string[] = [];
    const later = { now: 0 };
    const same = await drive(timed(35), mixedEvaluator(calls, later), at, {
      earlier: true,
      clock: () => later.now,
    });
    expect(same.stoppedBy).toBe('wall-clock');
    expect(calls).toEqual([]);

    const more = await drive(timed(55), mixedEvaluator(calls, later), at, {
      earlier: true,
      clock: () => later.now,
    });
    const straightClock = { now: 0 };
    const straight = newRun(timed(55));
    await drive(timed(55), mixedEvaluator([], straightClock), straight, {
      clock: () => straightClock.now,
    });
    expect(more.candidates).toHaveLength(6);
    expect(calls).toHaveLength(2);
    expect(storedRows(at.store, at.runId)).toEqual(storedRows(straight.store, straight.runId));
  });
});

describe('experiment resume refuses what it cannot replay', () => {
  it('stored candidates the spec does not draw: a user error before anything is evaluated', async () => {
    const at = newRun(spec(5));
    await drive(spec(5, { budget: { max_candidates: 3, population: 5 } }), mixedEvaluator([]), at);
    at.store.db
      .prepare('UPDATE programs SET code = ? WHERE id = (SELECT max(id) FROM programs)')
      .run('{"x":99,"y":"z"}');
    const calls: string[] = [];
    await expect(drive(spec(5), mixedEvaluator(calls), at, { earlier: true })).rejects.toThrow(
      /candidate 3 of the run is \{"x":99,"y":"z"\}, but its spec and seed now draw/,
    );
    expect(calls).toEqual([]);
    expect(at.store.programs(at.runId)).toHaveLength(3);
  });

  it('a spec changed in what decides the draw or the score, naming the field', () => {
    const stored = spec(5);
    const refused = (changed: ExperimentSpec): string => {
      try {
        requireSameSpec(stored, changed, 'spec.yaml', 2);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as UserError).field!;
      }
      throw new Error('accepted');
    };
    expect(refused(spec(6))).toBe('seed');
    expect(refused(spec(5, { budget: { population: 6 } }))).toBe('budget.population');
    expect(
      refused(
        spec(5, {
          search_space: {
            x: { type: 'int', min: 0, max: 41 },
            y: { type: 'choice', values: ['a', 'b', 'c'] },
          },
        }),
      ),
    ).toBe('search_space.x.max');
    expect(
      refused(spec(5, { metrics: { score: { direction: 'up', weight: 2, range: [0, 100] } } })),
    ).toBe('metrics.score.weight');
    expect(refused(spec(5, { selector: { elitism: 3 } }))).toBe('selector.elitism');
    expect(refused(spec(5, { evaluator: { kind: 'command', command: 'other' } }))).toBe(
      'evaluator.command',
    );
  });

  it('accepts new limits (but the population), promotion, artefacts and description', () => {
    const stored = spec(5);
    const changed = spec(5, {
      description: 'longer',
      budget: {
        max_candidates: 99,
        max_generations: 20,
        population: 5,
        candidate_timeout_sec: 5,
        wall_clock_sec: 9,
      },
      artefacts: { max_count: 3 },
      promotion: { target: 'env', file: 'x.env', map: { x: 'X' } },
    });
    expect(() => requireSameSpec(stored, changed, 'spec.yaml', 2)).not.toThrow();
  });
});
