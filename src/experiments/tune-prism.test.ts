import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../evolve/database/store.js';
import { prismSolverEvaluator, prismSolverEvaluatorSchema } from './evaluators/prism-solver.js';
import { fitnessOf } from './fitness.js';
import { loadExperiment } from './load.js';
import { runExperiment } from './runner.js';

describe('experiments: tune-prism', () => {
  it('finds knobs no worse than the defaults on a held-back family (a reduced run)', async () => {
    const { spec } = loadExperiment('tune-prism');
    const small = {
      ...spec,
      evaluator: { ...spec.evaluator, instances: 3 },
      budget: { ...spec.budget, population: 4, max_generations: 2, max_candidates: 8 },
    };
    const settings = prismSolverEvaluatorSchema.parse(small.evaluator);
    const store = RunStore.create(join(mkdtempSync(join(tmpdir(), 'evoplace-tune-')), 'tune.db'));
    try {
      const runId = store.createRun('experiment:tune-prism', small, small.seed);
      const outcome = await runExperiment({
        spec: small,
        evaluator: prismSolverEvaluator(settings),
        store,
        runId,
        artefacts: null,
        progress: () => undefined,
      });
      const baseline = outcome.candidates[0]!;
      expect(baseline.params).toEqual(spec.baseline);
      expect(outcome.winner!.verdict.fitness).toBeGreaterThanOrEqual(baseline.verdict.fitness);
      // Held back: the spec's own number of instances (three are too few to tell two good
      // configurations apart), drawn from another seed; judged by the experiment's objective
      // (the gap, and the work it took to close it).
      const full = prismSolverEvaluatorSchema.parse(spec.evaluator);
      const heldBack = prismSolverEvaluator({ ...full, instanceSeed: full.instanceSeed + 1 });
      const fitness = async (params: Record<string, string | number | boolean>): Promise<number> =>
        fitnessOf(await heldBack.evaluate(params, { timeoutMs: 1e9 }), spec.metrics).fitness;
      expect(await fitness(outcome.winner!.params)).toBeGreaterThanOrEqual(
        await fitness(spec.baseline!),
      );
    } finally {
      store.close();
    }
  }, 120_000);

  it('a candidate that runs past its timeout is an error, not a partial result', async () => {
    const { spec } = loadExperiment('tune-prism');
    const evaluator = prismSolverEvaluator(prismSolverEvaluatorSchema.parse(spec.evaluator));
    // Twelve tight pools at 4 000 kicks take far longer than a millisecond.
    const knobs = { kicks: 4000, patience: 300, kick_strength: 3, starts: 'fast,greedy' };
    const m = await evaluator.evaluate(knobs, { timeoutMs: 1 });
    expect(m).toMatchObject({ metrics: {}, error: expect.stringMatching(/^timed out after/) });
  });
});
