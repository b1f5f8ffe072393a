import { UserError } from '../core/errors.js';
import { largestOf } from '../core/extremes.js';
import { Rng } from '../core/rng.js';
import { WITHOUT_LINEAGE, type RunStore } from '../evolve/database/store.js';
import {
  canonicalKey,
  isSafe,
  nextGeneration,
  randomParams,
  validateSpace,
  type Params,
  type Scored,
} from '../evolve/genomes/params/index.js';
import type { ArtefactStore } from './artefacts.js';
import type { EvaluationContext, Evaluator, Measurement } from './evaluators/types.js';
import { fitnessOf, type Verdict } from './fitness.js';
import type { StoredCandidate } from './resume.js';
import type { ExperimentSpec } from './spec.js';

export type StopReason =
  | 'max-generations'
  | 'max-candidates'
  | 'wall-clock'
  | 'plateau'
  | 'exhausted'
  | 'interrupted'
  /** Every candidate evaluated failed for an error (see evaluatorFailure). */
  | 'evaluator-failed';

export interface CandidateResult {
  id: number;
  generation: number;
  slot: number;
  params: Params;
  measurement: Measurement;
  verdict: Verdict;
}

export interface ExperimentOutcome {
  runId: number;
  stoppedBy: StopReason;
  generations: number;
  candidates: CandidateResult[];
  /** Candidates drawn outside the safety bounds and dropped unevaluated. */
  rejectedUnsafe: number;
  /** The fittest qualified candidate (ties: the first evaluated), or null. */
  winner: CandidateResult | null;
  /** When stopped by `evaluator-failed`: the first candidate's error; else null. */
  evaluatorError: string | null;
}

/**
 * The candidate a resumed run draws as its `index`-th, as an earlier session stored it; null once
 * the run goes past what was stored. Throws when the run drew another configuration there: the
 * stored candidates do not follow from the spec (made by another version of evoplace).
 */
function replayed(
  earlier: readonly StoredCandidate[],
  index: number,
  key: string,
): StoredCandidate | null {
  const stored = earlier[index];
  if (!stored) return null;
  if (stored.key !== key)
    throw new UserError(
      `candidate ${index + 1} of the run is ${stored.key}, but its spec and seed now draw ${key} ` +
        'there (was it made by another version of evoplace?): it cannot be continued; start a new run',
    );
  return stored;
}

/**
 * How much earlier than asked a timer may end an evaluation (Node's timers run on a millisecond
 * loop clock): an evaluation that failed this close to the whole run's end was cut by it.
 */
const TIMER_SLACK_MS = 5;

/** Milliseconds since some fixed point: injectable so wall-clock budgets are testable. */
export type Clock = () => number;

/** The first population: the baseline (when given), then distinct random safe configurations. */
function firstPopulation(spec: ExperimentSpec, rng: Rng): { batch: Params[]; rejected: number } {
  const space = spec.search_space;
  const batch: Params[] = spec.baseline ? [spec.baseline] : [];
  const keys = new Set<string>(batch.map(canonicalKey));
  let rejected = 0;
  for (
    let tries = 0;
    batch.length < spec.budget.population && tries < spec.budget.population * 50;
    tries++
  ) {
    const params = randomParams(space, rng);
    if (!isSafe(space, params).ok) {
      rejected++;
      continue;
    }
    const key = canonicalKey(params);
    if (!keys.has(key)) {
      keys.add(key);
      batch.push(params);
    }
  }
  if (batch.length < spec.budget.population) {
    const more = nextGeneration({
      space,
      population: [],
      seen: keys,
      count: spec.budget.population - batch.length,
      rng,
      tournamentSize: 1,
      crossoverRate: 0,
      mutationStrength: 0,
      randomFraction: 1,
    });
    batch.push(...more);
  }
  return { batch, rejected };
}

/**
 * Run one evaluation under its deadline: an evaluator that enforces it itself is awaited (so a
 * live service is restored before the next candidate or the end of the run); any other is
 * abandoned at the deadline with an error measurement. A throw becomes an error measurement.
 */
async function measure(
  evaluator: Evaluator,
  params: Params,
  context: EvaluationContext,
): Promise<Measurement> {
  const work = evaluator.evaluate(params, context).catch((error: unknown) => ({
    metrics: {},
    oom: false,
    error: `the evaluator failed: ${(error as Error).message}`,
    log: '',
  }));
  return evaluator.enforcesDeadline ? work : withDeadline(work, context.timeoutMs);
}

/** A late answer becomes an error measurement. */
async function withDeadline(work: Promise<Measurement>, ms: number): Promise<Measurement> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Measurement>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          metrics: {},
          oom: false,
          error: `timed out after ${(ms / 1000).toFixed(1)} s`,
          log: '',
        }),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why the evaluator failed every candidate evaluated (the first one's reason), or null when
 * one of them ran, ran out of memory or failed for its configuration's own sake (real results
 * about those configurations), or none was evaluated. A whole generation failed so is an evaluator (or its service) that does not work:
 * the rest of the budget would fail the same way.
 */
function evaluatorFailure(results: readonly CandidateResult[]): string | null {
  const aboutConfiguration = (m: Measurement): boolean => m.oom || m.configurationError === true;
  if (
    results.length === 0 ||
    results.some((r) => !r.verdict.disqualified || aboutConfiguration(r.measurement))
  )
    return null;
  return results[0]!.verdict.reason;
}

/**
 * What cut a failed evaluation short, so that its failure says nothing about its configuration
 * and it is not stored: the run being stopped during it, or the whole-run wall clock, which its
 * timeout was cut to, running out (an error of the configuration's own is a result even then).
 * Null for a measurement to store.
 */
function cutShortBy(
  measurement: Measurement,
  during: { stopped: boolean; wallClockOver: boolean },
): 'interrupted' | 'wall-clock' | null {
  if (measurement.error === null) return null;
  if (during.stopped) return 'interrupted';
  if (during.wallClockOver && measurement.configurationError !== true) return 'wall-clock';
  return null;
}

/**
 * A D-REAM-style experiment done properly: a random first population within the safety
 * bounds; then per generation, evaluate each new configuration once (never twice, never an
 * unsafe one), score it (OOM or error ⇒ fitness 0, disqualified), keep the `survivors` fittest,
 * and breed the next generation by random k-way tournaments, crossover, mutation that always
 * changes the child, elitism and fresh random injection. Every budget is enforced: candidates,
 * generations, per-candidate and whole-run wall clock; a plateau or an exhausted space stops,
 * and so does a first generation whose every candidate failed (`evaluator-failed`). Each
 * candidate is stored in the run database as it finishes. `signal` stops the run: the
 * evaluation in flight gets it too (an evaluator that takes it ends at once), and a candidate
 * whose evaluation the stop cut short (one that came back with an error) is not stored, since
 * its failure says nothing about its configuration; nor is one that the whole-run wall clock cut
 * short (see cutShortBy). A run resumed with its `earlier` candidates (see resume.ts) replays
 * them, so it draws every generation as the run did, and goes on from the first configuration
 * they lack; the wall clock counts their evaluations too.
 */
export async function runExperiment(args: {
  spec: ExperimentSpec;
  evaluator: Evaluator;
  store: RunStore;
  runId: number;
  artefacts: ArtefactStore | null;
  progress: (line: string) => void;
  clock?: Clock;
  signal?: AbortSignal;
  earlier?: readonly StoredCandidate[];
}): Promise<ExperimentOutcome> {
  const { spec, evaluator, store, runId } = args;
  const space = validateSpace(spec.search_space);
  const clock = args.clock ?? (() => performance.now());
  const earlier = args.earlier ?? [];
  const started = clock();
  // Evaluation time of the stored candidates replayed so far: the run's time before this session.
  let replayedMs = 0;
  const wallMs = spec.budget.wall_clock_sec * 1000;
  const rng = new Rng(spec.seed);
  const seen = new Set<string>();
  const results: CandidateResult[] = [];
  let { batch, rejected: rejectedUnsafe } = firstPopulation(spec, rng);
  let population: Scored[] = [];
  let bestFitness = -Infinity;
  let sinceBest = 0;
  let stoppedBy: StopReason = 'max-generations';
  let generation = 0;
  search: for (; generation < spec.budget.max_generations; generation++) {
    if (batch.length === 0) {
      stoppedBy = 'exhausted';
      break;
    }
    for (const [slot, params] of batch.entries()) {
      if (results.length >= spec.budget.max_candidates) {
        stoppedBy = 'max-candidates';
        break search;
      }
      const safety = isSafe(space, params);
      const key = canonicalKey(params);
      if (!safety.ok || seen.has(key)) {
        rejectedUnsafe += safety.ok ? 0 : 1;
        continue;
      }
      const stored = replayed(earlier, results.length, key);
      if (stored) {
        seen.add(key);
        replayedMs += stored.evalMs;
        const verdict = fitnessOf(stored.measurement, spec.metrics);
        const { id, measurement } = stored;
        results.push({ id, generation, slot, params, measurement, verdict });
        population.push({ params, fitness: verdict.fitness });
        continue;
      }
      // A synchronous evaluator (prism-solver) never yields: let a Ctrl-C be heard between two.
      await new Promise((turn) => setImmediate(turn));
      if (args.signal?.aborted) {
        stoppedBy = 'interrupted';
        break search;
      }
      const left = wallMs - replayedMs - (clock() - started);
      if (left <= 0) {
        stoppedBy = 'wall-clock';
        break search;
      }
      seen.add(key);
      const candidateMs = spec.budget.candidate_timeout_sec * 1000;
      const timeoutMs = Math.min(candidateMs, left);
      const evaluationStarted = clock();
      const measurement = await measure(evaluator, params, { timeoutMs, signal: args.signal });
      const cut = cutShortBy(measurement, {
        stopped: args.signal?.aborted === true,
        wallClockOver:
          timeoutMs < candidateMs && clock() - evaluationStarted >= timeoutMs - TIMER_SLACK_MS,
      });
      if (cut) {
        stoppedBy = cut;
        break search;
      }
      const verdict = fitnessOf(measurement, spec.metrics);
      const id = store.insertProgram(
        {
          runId,
          kind: 'proposal',
          generation,
          slot,
          island: 0,
          ...WITHOUT_LINEAGE,
          language: 'params',
          code: key,
          fingerprint: key,
          publicMetrics: measurement.metrics,
          privateMetrics: {
            oom: measurement.oom,
            configurationError: measurement.configurationError === true,
            scores: verdict.scores,
          },
          combinedScore: verdict.fitness,
          correct: !verdict.disqualified,
          textFeedback: verdict.reason ?? '',
          stdout: measurement.log,
          stderr: measurement.error ?? '',
          evalMs: clock() - evaluationStarted,
        },
        spec.budget.population,
      );
      const result = { id, generation, slot, params, measurement, verdict };
      results.push(result);
      args.artefacts?.write(
        `${String(results.length).padStart(6, '0')}-g${generation}-c${slot}.log`,
        `${key}\n${JSON.stringify({ metrics: measurement.metrics, oom: measurement.oom, error: measurement.error })}\n${measurement.log}`,
      );
      population.push({ params, fitness: verdict.fitness });
      args.progress(
        `generation ${generation + 1}/${spec.budget.max_generations} · candidate ${results.length}/${spec.budget.max_candidates} · ` +
          `fitness ${verdict.disqualified ? `0 (${verdict.reason})` : verdict.fitness.toFixed(4)}`,
      );
    }
    if (evaluatorFailure(results) !== null) {
      generation++;
      break;
    }
    const best = largestOf(population.map((p) => p.fitness));
    if (best > bestFitness) {
      bestFitness = best;
      sinceBest = 0;
    } else if (
      spec.selector.plateau_generations > 0 &&
      ++sinceBest >= spec.selector.plateau_generations
    ) {
      stoppedBy = 'plateau';
      generation++;
      break;
    }
    population = [...population]
      .sort((a, b) => b.fitness - a.fitness)
      .slice(0, spec.selector.survivors);
    batch = nextGeneration({
      space,
      population,
      seen,
      count: spec.budget.population,
      rng,
      tournamentSize: spec.selector.tournament_size,
      crossoverRate: spec.selector.crossover_rate,
      mutationStrength: spec.selector.mutation_strength,
      randomFraction: spec.selector.random_fraction,
      eliteCount: spec.selector.elitism,
    });
  }
  const evaluatorError = stoppedBy === 'interrupted' ? null : evaluatorFailure(results);
  if (evaluatorError !== null) {
    stoppedBy = 'evaluator-failed';
    store.addEvent(
      runId,
      'error',
      `the evaluator failed every candidate; the first error: ${evaluatorError}`,
    );
  }
  if (rejectedUnsafe > 0)
    store.addEvent(
      runId,
      'safety',
      `${rejectedUnsafe} configurations outside the safety bounds were not evaluated`,
    );
  const qualified = results.filter((r) => !r.verdict.disqualified);
  const winner = qualified.reduce<CandidateResult | null>(
    (best, r) => (best === null || r.verdict.fitness > best.verdict.fitness ? r : best),
    null,
  );
  store.setStatus(
    runId,
    stoppedBy === 'interrupted' || stoppedBy === 'evaluator-failed' ? 'stopped' : 'finished',
  );
  return {
    runId,
    stoppedBy,
    generations: Math.min(generation, spec.budget.max_generations),
    candidates: results,
    rejectedUnsafe,
    winner,
    evaluatorError,
  };
}
