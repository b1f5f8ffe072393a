import { isUserError, ServiceError } from '../core/errors.js';
import { figure } from '../core/figure.js';
import { Semaphore } from '../core/semaphore.js';
import {
  checkBudgetPrices,
  evaluationLimits,
  unpricedUnderBudget,
  type EvolveConfig,
} from './config.js';
import { WITHOUT_LINEAGE, type ProgramRecord, type RunStore } from './database/store.js';
import { codeFingerprint } from './genomes/program/index.js';
import {
  Budget,
  ModelPool,
  createChatClient,
  createEmbeddingClient,
  parseModelSpec,
  type ChatClient,
  type ClientOptions,
  type ModelOutcome,
  type ModelSpec,
} from './llm/index.js';
import { LlmOutage } from './llm/outage.js';
import { metaRound } from './meta.js';
import { planMigration } from './population/migration.js';
import { embeddingKey, modelReward, runGeneration, type Unanswered } from './proposal.js';
import { generationRng } from './question.js';
import type { RunContext } from './run-context.js';
import {
  EvaluationWithdrawn,
  evaluationFields,
  withdrawnAsNull,
  type Evaluation,
  type Task,
} from './task.js';
import { runWarnings } from './warnings.js';
import { counted } from '../core/plural.js';

export interface EngineHooks {
  /** One line of progress (the CLI prints it on stderr). */
  progress(line: string): void;
  /** A warning worth money, raised once per run. */
  warn(message: string): void;
}

export interface RunOutcome {
  stoppedBy: 'generations' | 'budget' | 'wall-clock' | 'interrupted';
  generationsDone: number;
  bestScore: number | null;
  spentUsd: number;
  /** The best program scored on the task's held-out cases, when the run finished and has them. */
  heldOut: HeldOutScore | null;
}

/** A program scored again on held-out cases (stored as a `holdout` event). */
export interface HeldOutScore {
  programId: number;
  runScore: number;
  combinedScore: number;
  correct: boolean;
  textFeedback: string;
  /** The initial program's held-out score, for comparison; null when it is the best itself. */
  initialScore: number | null;
}

/** The best program so far scored on held-out cases after a generation (a `holdout-check` event). */
export interface HeldOutCheck {
  generation: number;
  programId: number;
  runScore: number;
  combinedScore: number;
  correct: boolean;
}

/** A held-out score as words: the score, or that the program broke a rule on those cases. */
const heldOutFigure = (correct: boolean, score: number): string =>
  correct ? figure(score) : 'incorrect';

/** Store a program's evaluation on the task's held-out cases (the dashboard shows it). */
export function recordHeldOut(
  store: RunStore,
  runId: number,
  programId: number,
  e: Evaluation,
): void {
  store.recordHeldOut({
    programId,
    runId,
    combinedScore: e.combinedScore,
    correct: e.correct,
    publicMetrics: e.public,
    textFeedback: e.textFeedback,
  });
}

/**
 * A program's score on `heldOut`: the one stored (a held-out check during the run scored it
 * already), else an evaluation, stored.
 */
async function heldOutOf(
  ctx: RunContext,
  heldOut: Task,
  program: Pick<ProgramRecord, 'id' | 'code'>,
): Promise<Pick<Evaluation, 'combinedScore' | 'correct' | 'textFeedback'>> {
  const stored = ctx.store.heldOutScores(ctx.runId).get(program.id);
  if (stored) return stored;
  const e = await ctx.evaluate(heldOut, program.code);
  recordHeldOut(ctx.store, ctx.runId, program.id, e);
  return e;
}

/**
 * Score the run's best program on `heldOut` once (a `holdout` event; a resumed run that already
 * did so reads it back): what it found, on cases evolution never saw. Beside it, the initial
 * program's; a best that does worse there than the initial program raises an `overfit` warning.
 */
async function scoreHeldOut(
  ctx: RunContext,
  heldOut: Task,
  hooks: EngineHooks,
): Promise<HeldOutScore | null> {
  const best = ctx.store.best(ctx.runId);
  if (!best) return null;
  const stored = ctx.store
    .events(ctx.runId, 'holdout')
    .map((e) => e.data as HeldOutScore)
    .find((h) => h.programId === best.id);
  if (stored) return stored;
  const e = await heldOutOf(ctx, heldOut, best);
  const initial = ctx.store.programs(ctx.runId).find((p) => p.kind === 'initial');
  // The best may be the initial program itself: its held-out score is then the initial one.
  const initialRun = !initial
    ? null
    : initial.id === best.id
      ? e
      : await heldOutOf(ctx, heldOut, initial);
  const initialScore = initialRun ? (initialRun.correct ? initialRun.combinedScore : 0) : null;
  const score: HeldOutScore = {
    programId: best.id,
    runScore: best.combinedScore,
    combinedScore: e.combinedScore,
    correct: e.correct,
    textFeedback: e.textFeedback,
    initialScore,
  };
  const message =
    `best program ${best.id}: ${heldOutFigure(e.correct, e.combinedScore)} on held-out cases ` +
    `(${figure(best.combinedScore)} on the run's)`;
  ctx.store.addEvent(ctx.runId, 'holdout', message, score);
  hooks.progress(message);
  const heldOutScore = e.correct ? e.combinedScore : 0;
  if (initialScore !== null && heldOutScore < initialScore) {
    const warning =
      `the best program (${best.id}) scores ${heldOutFigure(e.correct, e.combinedScore)} on ` +
      `held-out cases, below the initial program's ${figure(initialScore)}: it may have learned the ` +
      "run's cases rather than the problem (see evolve holdout)";
    ctx.store.addEvent(ctx.runId, 'warning', warning, { code: 'overfit' });
    hooks.warn(warning);
  }
  return score;
}

/**
 * After every `evaluation.heldOutEvery`-th generation, the best program so far on `heldOut`,
 * kept as a `holdout-check` event (once per generation, across resumes): the run's held-out
 * curve, where learning the run's cases rather than the problem shows as the curves parting.
 * A best already scored there is not evaluated again.
 */
async function checkHeldOutIfDue(
  ctx: RunContext,
  heldOut: Task,
  generation: number,
  hooks: EngineHooks,
): Promise<void> {
  const every = ctx.config.evaluation.heldOutEvery;
  if (every === 0 || generation % every !== 0) return;
  const { store, runId } = ctx;
  const checks = store.events(runId, 'holdout-check').map((e) => e.data as HeldOutCheck);
  const best = store.best(runId);
  if (!best || checks.some((c) => c.generation === generation)) return;
  // A check the stop withdrew is skipped: the run goes on to stop.
  const scored = await heldOutOf(ctx, heldOut, best).catch(withdrawnAsNull);
  if (!scored) return;
  const check: HeldOutCheck = {
    generation,
    programId: best.id,
    runScore: best.combinedScore,
    combinedScore: scored.combinedScore,
    correct: scored.correct,
  };
  const message =
    `after generation ${generation}, best program ${best.id}: ` +
    `${heldOutFigure(scored.correct, scored.combinedScore)} on held-out cases ` +
    `(${figure(best.combinedScore)} on the run's)`;
  store.addEvent(runId, 'holdout-check', message, check);
  hooks.progress(message);
}

/** Connection settings of one model: key variable and base URL by label, else by provider. */
function clientOptions(
  config: EvolveConfig,
  spec: ModelSpec,
  env: NodeJS.ProcessEnv,
): ClientOptions {
  const { apiKeyEnv, baseUrls } = config.llm;
  return {
    apiKeyEnv: apiKeyEnv[spec.label] ?? apiKeyEnv[spec.provider],
    baseUrl: baseUrls[spec.label] ?? baseUrls[spec.provider],
    maxRetries: config.llm.maxRetries,
    timeoutMs: config.llm.timeoutSec * 1000,
    env,
  };
}

/** Clients for every model label of the run; keys only from the named environment variables. */
function makeClients(config: EvolveConfig, env: NodeJS.ProcessEnv): Map<string, ChatClient> {
  const clients = new Map<string, ChatClient>();
  const texts = [...config.llm.models, ...(config.llm.metaModel ? [config.llm.metaModel] : [])];
  for (const text of texts) {
    const spec = parseModelSpec(text);
    clients.set(spec.label, createChatClient(spec, clientOptions(config, spec, env)));
  }
  return clients;
}

/**
 * Check that every model of `config` can be reached as configured (an API key where one is
 * needed, a valid base URL) and, under a budget, has a price: a user error now, before a run
 * database is written.
 */
export function checkModels(config: EvolveConfig, env: NodeJS.ProcessEnv = process.env): void {
  checkBudgetPrices(config);
  makeClients(config, env);
  const embedding = config.llm.embeddingModel;
  if (embedding) {
    const spec = parseModelSpec(embedding);
    createEmbeddingClient(spec, clientOptions(config, spec, env));
  }
}

/**
 * Evaluate and store the initial program as generation 0 on island 0, once per run; warn at
 * once when it is incorrect. A stop that withdraws its evaluation leaves it for the resume.
 */
async function ensureInitial(ctx: RunContext): Promise<void> {
  if (ctx.store.summaries(ctx.runId).some((p) => p.kind === 'initial')) return;
  const { task } = ctx;
  const evaluation = await ctx.evaluate(task, task.initialProgram).catch(withdrawnAsNull);
  if (!evaluation) return;
  ctx.store.insertProgram(
    {
      runId: ctx.runId,
      kind: 'initial',
      generation: 0,
      island: 0,
      ...WITHOUT_LINEAGE,
      language: task.language,
      code: task.initialProgram,
      fingerprint: codeFingerprint(task.initialProgram),
      ...evaluationFields(evaluation),
    },
    ctx.config.archiveSize,
  );
  if (!evaluation.correct)
    ctx.warnOnce(
      'initial-incorrect',
      `the initial program is incorrect (every proposal starts from it): ${evaluation.textFeedback}`,
    );
}

/** Every stored child's improvement, so a resumed run's pool knows what it knew. */
function poolHistory(ctx: RunContext): ModelOutcome[] {
  const programs = ctx.store.summaries(ctx.runId);
  const byId = new Map(programs.map((p) => [p.id, p]));
  return programs
    .filter((p) => p.model !== null && p.parentId !== null)
    .map((p) => ({ model: p.model!, reward: modelReward(byId.get(p.parentId!)!, p) }));
}

/** Ring migration after generation g when g is a multiple of the interval (once, even across resumes). */
function migrateIfDue(ctx: RunContext, generation: number): void {
  const { interval, rate } = ctx.config.migration;
  if (interval === 0 || generation % interval !== 0 || ctx.config.islands < 2) return;
  const key = `migration after generation ${generation}`;
  if (ctx.store.events(ctx.runId, 'migration').some((e) => e.message === key)) return;
  const moves = planMigration(
    ctx.store.summaries(ctx.runId),
    ctx.config.islands,
    rate,
    generationRng(ctx.config.seed, -generation),
  );
  ctx.store.db.transaction(() => {
    for (const m of moves) ctx.store.moveToIsland(m.programId, m.to);
    ctx.store.addEvent(ctx.runId, 'migration', key, moves);
  })();
}

/** The codes of the warnings the run has raised. */
function raisedWarnings(store: RunStore, runId: number): Set<string | undefined> {
  return new Set(store.events(runId, 'warning').map((e) => (e.data as { code?: string }).code));
}

/** Raise a warning once per run: an event in the database and a line for the user. */
function warnOnce(
  store: RunStore,
  runId: number,
  hooks: EngineHooks,
  code: string,
  message: string,
): void {
  if (raisedWarnings(store, runId).has(code)) return;
  store.addEvent(runId, 'warning', message, { code });
  hooks.warn(message);
}

/** Raise each new warning of the population once (the raised ones read once per check). */
function checkWarnings(ctx: RunContext): void {
  const raised = raisedWarnings(ctx.store, ctx.runId);
  for (const w of runWarnings(
    ctx.store.summaries(ctx.runId),
    ctx.config.islands,
    ctx.config.warnings,
  ))
    if (!raised.has(w.code)) ctx.warnOnce(w.code, w.message);
}

/** The embeddings stored for the run's programs (a resumed run compares against them too). */
function storedEmbeddings(store: RunStore, runId: number): Map<number, number[]> {
  const vectors = new Map<number, number[]>();
  for (const p of store.programs(runId)) {
    const vector = p.kind === 'proposal' ? store.embedding(runId, embeddingKey(p.code)) : null;
    if (vector) vectors.set(p.id, vector);
  }
  return vectors;
}

/**
 * Run (or continue) the evolution stored in `store` under run `runId`: generations 1..N that
 * are not yet in the database are proposed, evaluated and stored, `proposals` at a time and
 * `evaluations` evaluations at a time, until all are done, the budget or the wall-clock limit is
 * spent, or `signal` aborts. The database is the only state, so calling this again after a crash finishes the run.
 * Throws a user error for a budget over unpriced models (before anything is asked) and, leaving
 * the run `stopped`, for an LLM that cannot be reached (see LlmOutage).
 */
export async function runEvolution(args: {
  task: Task;
  store: RunStore;
  runId: number;
  config: EvolveConfig;
  hooks: EngineHooks;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * The task on held-out cases: the best program is scored on them when the run finishes, and
   * every `evaluation.heldOutEvery` generations when set.
   */
  heldOut?: Task;
  /** Milliseconds since some fixed point, for `wallClockSec` (injectable for tests). */
  clock?: () => number;
}): Promise<RunOutcome> {
  const { task, store, runId, config, hooks } = args;
  // `run` and a resume that sets a budget refuse unpriced models; only a run stored before
  // prices were required gets here with some, and must still be resumable.
  const unpriced = unpricedUnderBudget(config);
  if (unpriced.length)
    hooks.warn(
      `no price for ${unpriced.join(', ')} in llm.prices (a run stored before a budget needed them): their calls count as $0 against its budget`,
    );
  const env = args.env ?? process.env;
  const clients = makeClients(config, env);
  const labels = config.llm.models.map((m) => parseModelSpec(m).label);
  const embedSpec = config.llm.embeddingModel ? parseModelSpec(config.llm.embeddingModel) : null;
  const metaLabel = config.llm.metaModel ? parseModelSpec(config.llm.metaModel).label : null;
  // Meta notes as markdown beside the database: `<db>-meta/`.
  const metaFolder = `${store.path}-meta`;
  const evaluations = new Semaphore(config.concurrency.evaluations);
  const limits = evaluationLimits(config);
  // Evaluations the stop withdrew before they started (jobs no worker had taken), told at the end.
  let withdrawn = 0;
  const ctx: RunContext = {
    task,
    config,
    store,
    runId,
    clients,
    embedder: embedSpec
      ? {
          client: createEmbeddingClient(embedSpec, clientOptions(config, embedSpec, env)),
          label: embedSpec.label,
        }
      : null,
    embeddings: embedSpec ? storedEmbeddings(store, runId) : new Map(),
    warnOnce: (code, message) => warnOnce(store, runId, hooks, code, message),
    pending: new Set(),
    pool: new ModelPool(labels, config.llm.temperatures, config.seed),
    budget: new Budget(config.budgetUsd, store.spentUsd(runId)),
    prices: config.llm.prices,
    evaluate: (evaluated, code) =>
      evaluations
        .run(() => evaluated.evaluate(code, limits, args.signal))
        .catch((error: unknown) => {
          if (error instanceof EvaluationWithdrawn) withdrawn++;
          throw error;
        }),
    recommendations: () => store.latestMeta(runId)?.recommendations || null,
  };
  // The limit counts from the start: evaluating the initial program is part of the time.
  const clock = args.clock ?? ((): number => performance.now());
  const deadline = config.wallClockSec === null ? Infinity : clock() + config.wallClockSec * 1000;
  store.setStatus(runId, 'running');
  await ensureInitial(ctx);
  ctx.pool = ModelPool.fromHistory(labels, config.llm.temperatures, config.seed, poolHistory(ctx));
  const done = new Set(store.summaries(runId).map((p) => p.generation));
  const todo = Array.from({ length: config.generations }, (_, i) => i + 1).filter(
    (g) => !done.has(g),
  );
  // A run killed between storing a generation and migrating after it migrates now.
  for (const g of [...done].sort((a, b) => a - b)) if (g > 0) migrateIfDue(ctx, g);
  let budgetSpent = false;
  let timeUp = false;
  let metaRunning = false;
  // Generations stored in this run, counted once each as they are stored: the progress line's.
  let finished = [...done].filter((g) => g > 0).length;
  const metaDue = (): boolean => {
    if (!metaLabel || metaRunning) return false;
    const proposals = store.summaries(runId).filter((p) => p.kind === 'proposal').length;
    return proposals - (store.latestMeta(runId)?.afterPrograms ?? 0) >= config.llm.metaEvery;
  };
  /** What follows a generation's program being stored: progress, migration, checks, meta notes. */
  const afterStored = async (generation: number): Promise<void> => {
    finished++;
    const best = store.best(runId);
    hooks.progress(
      `generation ${finished}/${config.generations} · best ${best ? best.combinedScore.toPrecision(6) : '—'} · $${store.spentUsd(runId).toFixed(4)}`,
    );
    migrateIfDue(ctx, generation);
    if (args.heldOut) await checkHeldOutIfDue(ctx, args.heldOut, generation, hooks);
    checkWarnings(ctx);
    if (!metaDue()) return;
    metaRunning = true;
    try {
      await metaRound({
        store,
        runId,
        client: clients.get(metaLabel!)!,
        prices: ctx.prices,
        budget: ctx.budget,
        folder: metaFolder,
        maxTokens: config.llm.maxTokens,
      });
    } catch (error) {
      if (isUserError(error)) throw error;
      ctx.warnOnce(
        'meta-failed',
        `the meta model failed (${(error as Error).message}); the run goes on without new notes`,
      );
    } finally {
      metaRunning = false;
    }
  };
  // Generations that got no reply from the LLM, held unstored until a reply shows whether the
  // failure was transient (they are stored as failed) or the LLM is unreachable (they are not).
  const outage = new LlmOutage<{ generation: number; unanswered: Unanswered }>(labels);
  const unreachable = ({ model, error }: Unanswered): ServiceError => {
    const message =
      `the LLM cannot be reached: the generations since its last reply got none (${model}: ` +
      `${error}); the run is stopped and they are not counted: check the model (--llm), its key ` +
      `(llm.apiKeyEnv), base URL (llm.baseUrls) and how long a reply may take ` +
      `(llm.timeoutSec, ${config.llm.timeoutSec} s), then "evoplace evolve resume --db ` +
      `${store.path}" asks them again`;
    store.addEvent(runId, 'llm-unreachable', message);
    return new ServiceError(message);
  };
  // The first error a generation cannot turn into a stored program (a broken database, a user
  // error, an unreachable LLM): the other workers start nothing more, finish what they hold,
  // and the run stops.
  let failure: { error: unknown } | null = null;
  const generations = async (): Promise<void> => {
    for (;;) {
      if (failure || budgetSpent || timeUp || args.signal?.aborted) return;
      if (clock() >= deadline) {
        timeUp = true;
        return;
      }
      const generation = todo.shift();
      if (generation === undefined) return;
      const outcome = await runGeneration(ctx, generation);
      if (outcome.kind === 'budget') {
        budgetSpent = true;
        todo.unshift(generation);
        return;
      }
      if (outcome.kind === 'withdrawn') {
        todo.unshift(generation);
        return;
      }
      if (outcome.kind === 'unanswered') {
        if (outage.unanswered(outcome.model, { generation, unanswered: outcome }))
          failure ??= { error: unreachable(outcome) };
        continue;
      }
      // (After an outage is declared, the held generations stay unstored.)
      if (!failure)
        for (const held of outage.answered()) {
          held.unanswered.store();
          await afterStored(held.generation);
        }
      await afterStored(generation);
    }
  };
  const worker = async (): Promise<void> => {
    try {
      await generations();
    } catch (error) {
      failure ??= { error };
    }
  };
  await Promise.all(Array.from({ length: config.concurrency.proposals }, worker));
  // Nothing left to ask and no reply this session at all: the LLM is unreachable, however
  // short the run.
  const noReply = !failure && todo.length === 0 && outage.unreachableAtEnd();
  const held = outage.release();
  if (noReply) failure = { error: unreachable(held.at(-1)!.unanswered) };
  if (failure || todo.length > 0)
    for (const h of held) {
      // Not stored: a resumed run asks them again.
      h.unanswered.withdraw();
      todo.push(h.generation);
    }
  else
    try {
      for (const h of held) {
        h.unanswered.store();
        await afterStored(h.generation);
      }
    } catch (error) {
      failure = { error };
    }
  // (Set by the workers: the compiler cannot see it from here.)
  const failed = failure as { error: unknown } | null;
  if (failed) {
    store.setStatus(runId, 'stopped');
    throw failed.error;
  }
  const remaining = todo.length;
  let stoppedBy: RunOutcome['stoppedBy'] =
    remaining === 0
      ? 'generations'
      : budgetSpent
        ? 'budget'
        : timeUp
          ? 'wall-clock'
          : 'interrupted';
  // The held-out score comes last: a stop that withdraws its evaluation leaves the run stopped,
  // and the resume scores it.
  let heldOut: HeldOutScore | null = null;
  if (stoppedBy === 'generations' && args.heldOut)
    try {
      heldOut = await scoreHeldOut(ctx, args.heldOut, hooks);
    } catch (error) {
      if (!(error instanceof EvaluationWithdrawn)) throw error;
      stoppedBy = 'interrupted';
    }
  if (withdrawn > 0)
    hooks.progress(
      `withdrew ${counted(withdrawn, 'queued evaluation')} that no worker had ` +
        'taken (not stored: evolve resume continues the run)',
    );
  store.setStatus(runId, stoppedBy === 'generations' ? 'finished' : 'stopped');
  if (stoppedBy === 'budget') {
    // A resume that stops again at once (nothing new since the last stop) is no new event.
    if (store.events(runId).at(-1)?.kind !== 'budget')
      store.addEvent(
        runId,
        'budget',
        `the budget of $${config.budgetUsd} is spent; ${remaining} generations not run`,
      );
    hooks.warn(`budget of $${config.budgetUsd} reached: ${remaining} generations not run`);
  }
  if (stoppedBy === 'wall-clock') {
    const message =
      `the wall-clock limit of ${config.wallClockSec} s is reached: ${remaining} generations ` +
      'not run (evolve resume continues)';
    store.addEvent(runId, 'wall-clock', message);
    hooks.warn(message);
  }
  return {
    stoppedBy,
    generationsDone: config.generations - remaining,
    bestScore: store.best(runId)?.combinedScore ?? null,
    spentUsd: store.spentUsd(runId),
    heldOut,
  };
}
