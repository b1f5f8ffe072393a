import { existsSync, statSync } from 'node:fs';
import { largestOf } from '../core/extremes.js';
import { MAX_SEED } from '../core/rng.js';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { UserError } from '../core/errors.js';
import type { CaseSet } from '../core/program-task.js';
import { formatTable } from '../core/table.js';
import { readYamlFile } from '../core/io.js';
import { parseWith } from '../core/schema.js';
import { withFieldLine } from '../core/yaml-located.js';
import {
  checkBudgetPrices,
  evaluationLimits,
  evolveConfigSchema,
  type EvolveConfig,
} from '../evolve/config.js';
import {
  acquireRunLock,
  requireWritableRun,
  runLockHolder,
  runStatusWords,
} from '../evolve/database/lock.js';
import { RunStore, type RunRecord } from '../evolve/database/store.js';
import type { RunOutcome } from '../evolve/engine.js';
import { parseModelSpec } from '../evolve/llm/model-spec.js';
import type { QueueAddress } from '../evolve/queue/protocol.js';
import type { Task } from '../evolve/task.js';
import { BUILTIN_TASK_NAMES, isBuiltinTask } from '../evolve/tasks/names.js';
import { intFlag, numberFlag, parseCommand, type Options, runCommandOf } from './args.js';
import { onStopSignal } from './signals.js';
import { printJson, say, writeJsonLines } from './output.js';
import { counted } from '../core/plural.js';

export const EVOLVE_HELP = `evoplace evolve — evolve placement programs with LLM-written patches

  evoplace evolve run --task prism|eplb|llm|colocate|DIR --db FILE [--llm SPEC]... [--generations N]
                      [--islands K] [--budget-usd X] [--wall-clock-sec S] [--seed S]
                      [--concurrency P,E] [--held-out-every N] [--config FILE.yaml]
                      [--redis URL [--queue NAME]] [--json]
      SPEC: openai:MODEL | anthropic:MODEL | http://HOST:PORT/v1#MODEL (OpenAI-compatible)
      --redis: evaluate on the workers of a BullMQ queue instead of this machine
      --budget-usd: needs the price of every model in llm.prices (--config)
      --held-out-every N: score the best so far on the task's held-out cases every N generations
  evoplace evolve resume --db FILE [--generations N] [--budget-usd X] [--wall-clock-sec S]
                         [--redis URL [--queue NAME]] [--json]
      continue a run after a crash, Ctrl-C, a limit or an unreachable LLM; the flags raise the
      run's limits (its task, LLMs and settings stay those it started with)
  evoplace evolve worker --redis URL [--queue NAME] [--concurrency N] [--stall-seconds S]
      take evaluations from the queue until Ctrl-C (finishing the ones in hand); a job whose
      worker stops answering for S seconds (default 30) is taken again by another
  evoplace evolve holdout --db FILE [--top K] [--redis URL [--queue NAME]] [--json]
      the run's K best programs (default 5) scored again on the task's held-out cases
  evoplace evolve status --db FILE [--json]
  evoplace evolve best --db FILE [--out FILE]
  evoplace evolve export --db FILE [--out FILE.jsonl]`;

const DB: Options = { db: { type: 'string' } };
const QUEUE: Options = { redis: { type: 'string' }, queue: { type: 'string' } };

export function runEvolve(argv: string[]): number | Promise<number> {
  return runCommandOf(
    'evolve',
    argv,
    {
      run: runCommand,
      resume: resumeCommand,
      status: statusCommand,
      best: bestCommand,
      export: exportCommand,
      worker: workerCommand,
      holdout: holdoutCommand,
    },
    EVOLVE_HELP,
  );
}

function requireDb(values: Record<string, unknown>, command: string): string {
  const db = values.db;
  if (typeof db !== 'string' || db === '')
    throw new UserError(`--db FILE is required; see "evoplace ${command} --help"`, command, '--db');
  return resolve(db);
}

/** `--concurrency P,E`: proposals and evaluations in flight. */
function concurrencyFlag(raw: unknown): { proposals: number; evaluations: number } | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',');
  const numbers = parts.map((p) => Number(p.trim()));
  if (
    parts.length !== 2 ||
    numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 256) ||
    parts.some((p) => p.trim() === '')
  )
    throw new UserError(
      `expected P,E (proposals and evaluations in flight, 1..256 each), got "${String(raw)}"`,
      undefined,
      '--concurrency',
    );
  return { proposals: numbers[0]!, evaluations: numbers[1]! };
}

/** What a run may do, as flags: `run` sets them, `resume` may raise them. */
const LIMITS: Options = {
  generations: { type: 'string' },
  'budget-usd': { type: 'string' },
  'wall-clock-sec': { type: 'string' },
};
type Limits = Partial<Pick<EvolveConfig, 'generations' | 'budgetUsd' | 'wallClockSec'>>;

/** The limits given as flags, each checked. */
function limitFlags(values: Record<string, unknown>): Limits {
  const limits: Limits = {};
  if (values.generations !== undefined)
    limits.generations = intFlag(values, 'generations', 0, 0, 1_000_000);
  if (values['budget-usd'] !== undefined)
    limits.budgetUsd = numberFlag(values, 'budget-usd', 0, 0, 1e9);
  if (values['wall-clock-sec'] !== undefined)
    limits.wallClockSec = numberFlag(values, 'wall-clock-sec', 0, 1e-3, 31_536_000);
  return limits;
}

/**
 * The run's configuration with new `limits` from `evolve resume`, stored (with a `limits` event
 * saying what changed) so that status and later resumes see them. Refuses limits the run has
 * already gone past (fewer generations than it holds, a budget it has already spent) and a
 * budget over models the run has no price for.
 */
function withNewLimits(
  store: RunStore,
  run: RunRecord,
  config: EvolveConfig,
  limits: Limits,
): EvolveConfig {
  const generationsHeld = largestOf(
    store.summaries(run.id).map((p) => p.generation),
    0,
  );
  if (limits.generations !== undefined && limits.generations < generationsHeld)
    throw new UserError(
      `the run already holds generation ${generationsHeld}; give at least that`,
      'evolve resume',
      '--generations',
    );
  const spent = store.spentUsd(run.id);
  if (limits.budgetUsd != null && limits.budgetUsd <= spent)
    throw new UserError(
      `the run has spent $${spent.toFixed(4)} already; give more than that`,
      'evolve resume',
      '--budget-usd',
    );
  const updated = parseWith(evolveConfigSchema, { ...config, ...limits }, 'flags');
  if (limits.budgetUsd != null) checkBudgetPrices(updated, true);
  const changes = (Object.keys(limits) as (keyof Limits)[])
    .filter((key) => updated[key] !== config[key])
    .map((key) => `${key} ${config[key] ?? 'none'} → ${updated[key]}`);
  if (changes.length) {
    store.updateRunConfig(run.id, updated);
    store.addEvent(run.id, 'limits', `resumed with ${changes.join(', ')}`);
  }
  return updated;
}

/** The run's configuration: the YAML file (if any), then the flags on top, validated as one. */
function buildConfig(values: Record<string, unknown>): EvolveConfig {
  const file = typeof values.config === 'string' ? resolve(values.config) : null;
  const base = (file ? readYamlFile(file) : {}) as Record<string, unknown>;
  if (typeof base !== 'object' || base === null || Array.isArray(base))
    throw new UserError('expected a mapping of settings', file ?? undefined);
  const llm = { ...((base.llm as Record<string, unknown> | undefined) ?? {}) };
  const models = values.llm as string[] | undefined;
  if (models?.length) {
    for (const model of models)
      try {
        parseModelSpec(model);
      } catch (error) {
        throw new UserError((error as Error).message, 'evolve run', '--llm');
      }
    llm.models = models;
  }
  if (!llm.models)
    throw new UserError(
      'name at least one model with --llm (e.g. --llm openai:gpt-4.1 or --llm http://127.0.0.1:8000/v1#qwen)',
      'evolve run',
      '--llm',
    );
  const merged: Record<string, unknown> = { ...base, llm };
  Object.assign(merged, limitFlags(values));
  if (values.islands !== undefined) merged.islands = intFlag(values, 'islands', 2, 1, 64);
  if (values.seed !== undefined) merged.seed = intFlag(values, 'seed', 0, 0, MAX_SEED);
  const concurrency = concurrencyFlag(values.concurrency);
  if (concurrency) merged.concurrency = concurrency;
  if (values['held-out-every'] !== undefined) {
    const heldOutEvery = intFlag(values, 'held-out-every', 0, 0, 1_000_000);
    const evaluation = base.evaluation ?? {};
    // A malformed `evaluation` in the file is left for the schema to name.
    merged.evaluation =
      typeof evaluation === 'object' && evaluation !== null && !Array.isArray(evaluation)
        ? { ...evaluation, heldOutEvery }
        : evaluation;
  }
  try {
    return parseWith(evolveConfigSchema, merged, file ?? 'flags');
  } catch (error) {
    // A mistake in the file gets the line of its field, as a spec's does.
    throw file ? withFieldLine(error, file) : error;
  }
}

/** The task of a run: a built-in one by name, or an external task's folder. */
async function taskNamed(name: string, cases: CaseSet = 'run'): Promise<Task> {
  const { resolveTask } = await import('../evolve/tasks/index.js');
  return resolveTask(name, cases);
}

/** `--redis URL [--queue NAME]`, checked; null without `--redis`. */
async function queueFlags(values: Record<string, unknown>): Promise<QueueAddress | null> {
  const { queueAddress } = await import('../evolve/queue/protocol.js');
  if (typeof values.redis !== 'string') {
    if (values.queue !== undefined)
      throw new UserError('names a queue of --redis URL; give --redis too', undefined, '--queue');
    return null;
  }
  return queueAddress(values.redis, values.queue as string | undefined);
}

/** Hands a task to the evaluators: itself, or the queue's workers (which find it by `taskRef`). */
type Via = (task: Task, taskRef: string, cases?: CaseSet) => Task;

/**
 * Call `body` with a way to give a task to the evaluators: this machine's sandbox, or with
 * `--redis` the workers of the queue (which find the task by the name the run stores). The queue
 * is reached before anything is written, so an unreachable Redis leaves no database behind.
 */
async function withEvaluators(
  queue: QueueAddress | null,
  config: EvolveConfig,
  body: (via: Via) => Promise<number>,
): Promise<number> {
  if (!queue) {
    const { requireIsolation } = await import('../evolve/tasks/isolation.js');
    return body((task) => requireIsolation(task, config.evaluation.allowUnisolated));
  }
  const { EvaluationQueue } = await import('../evolve/queue/remote.js');
  const { displayUrl } = await import('../evolve/queue/protocol.js');
  const remote = await EvaluationQueue.open(queue, (message) => say(`warning: ${message}`));
  try {
    const workers = await remote.workers();
    say(
      `evaluating on the workers of queue "${queue.name}" at ${displayUrl(queue.url)} (${workers} connected now)`,
    );
    if (workers === 0)
      say(
        `warning: no worker is connected yet; start one with "evoplace evolve worker --redis ${displayUrl(queue.url)} --queue ${queue.name}"`,
      );
    return await body((task, taskRef, cases) => remote.taskVia(task, taskRef, cases));
  } finally {
    await remote.close();
  }
}

/**
 * Run to the end (or the budget, or Ctrl-C), printing progress on stderr; a built-in task's
 * best program is then scored on its held-out cases.
 */
async function drive(
  store: RunStore,
  run: RunRecord,
  config: EvolveConfig,
  task: Task,
  via: Via,
  queue: QueueAddress | null,
  json: boolean,
): Promise<number> {
  await recordEvaluators(store, run, queue);
  const { heldOutTask } = await import('../evolve/tasks/index.js');
  const heldOutCases = heldOutTask(run.task);
  const heldOut = heldOutCases ? via(heldOutCases, run.task, 'holdout') : undefined;
  const controller = new AbortController();
  const removeHandlers = onStopSignal(() => {
    say('interrupted: finishing the generations in flight (Ctrl-C again to quit now)');
    controller.abort();
  });
  let outcome: RunOutcome;
  try {
    // The engine brings the LLM SDKs: loaded here, so status, best and export start quickly.
    const { runEvolution } = await import('../evolve/engine.js');
    outcome = await runEvolution({
      task: via(task, run.task),
      heldOut,
      store,
      runId: run.id,
      config,
      signal: controller.signal,
      hooks: { progress: (line) => say(line), warn: (message) => say(`warning: ${message}`) },
    });
  } finally {
    removeHandlers();
  }
  if (json) printJson({ runId: run.id, ...outcome });
  else
    say(
      `stopped by ${outcome.stoppedBy}: ${outcome.generationsDone}/${config.generations} generations, ` +
        `best ${outcome.bestScore ?? '—'}, $${outcome.spentUsd.toFixed(4)}`,
    );
  return 0;
}

/**
 * Record where this session evaluates when it changes (an `evaluators` event), and say so when
 * a run that used a queue's workers now evaluates on this machine: a resume without --redis is
 * no mistake, but most likely not meant.
 */
async function recordEvaluators(
  store: RunStore,
  run: RunRecord,
  queue: QueueAddress | null,
): Promise<void> {
  const { displayUrl } = await import('../evolve/queue/protocol.js');
  const before = store.events(run.id, 'evaluators').at(-1)?.data as
    { queue: { url: string; name: string } | null } | undefined;
  if (!queue && before?.queue)
    say(
      `note: this run evaluated on the workers of queue "${before.queue.name}" at ${before.queue.url}; it now evaluates on this machine (resume with --redis URL --queue ${before.queue.name} to keep the workers)`,
    );
  const where = queue ? { url: displayUrl(queue.url), name: queue.name } : null;
  if (before && JSON.stringify(before.queue) === JSON.stringify(where)) return;
  store.addEvent(
    run.id,
    'evaluators',
    where ? `evaluating on queue "${where.name}" at ${where.url}` : 'evaluating on this machine',
    { queue: where },
  );
}

/** What `resume` takes: the run's database, new limits, the queue and the output's form. */
const RESUME_OPTIONS: Options = { ...DB, ...LIMITS, json: { type: 'boolean' }, ...QUEUE };

/** What only `run` takes: what the run is (task, LLMs, settings), fixed for its life. */
const RUN_ONLY: Options = {
  task: { type: 'string' },
  llm: { type: 'string', multiple: true },
  islands: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  'held-out-every': { type: 'string' },
  config: { type: 'string' },
};

async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('evolve run', argv, { ...RESUME_OPTIONS, ...RUN_ONLY }, EVOLVE_HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  const dbPath = requireDb(values, 'evolve run');
  if (typeof values.task !== 'string')
    throw new UserError(
      `--task ${BUILTIN_TASK_NAMES.join('|')}|DIR is required`,
      'evolve run',
      '--task',
    );
  const config = buildConfig(values);
  const queue = await queueFlags(values);
  const taskName = isBuiltinTask(values.task) ? values.task : resolve(values.task);
  const task = await taskNamed(taskName);
  if (config.evaluation.heldOutEvery > 0) {
    const { heldOutTask } = await import('../evolve/tasks/index.js');
    if (!heldOutTask(taskName))
      throw new UserError(
        'the task has no held-out cases to check the best program on (an external task ' +
          'declares them with "evaluate_holdout" in evolve.yaml); leave out --held-out-every ' +
          '(evaluation.heldOutEvery)',
        'evolve run',
        '--held-out-every',
      );
  }
  if (existsSync(dbPath))
    throw new UserError(
      statSync(dbPath).isDirectory()
        ? 'is a directory; name a database file in it, e.g. --db DIR/run.db'
        : 'already exists; choose a new file (an evolve run in it continues with "evoplace evolve resume --db")',
      dbPath,
    );
  const { checkModels } = await import('../evolve/engine.js');
  checkModels(config);
  return withEvaluators(queue, config, async (via) => {
    const store = RunStore.create(dbPath);
    const release = acquireRunLock(store.path);
    try {
      store.createRun(taskName, config, config.seed);
      const run = store.latestRun()!;
      return await drive(store, run, config, task, via, queue, values.json === true);
    } finally {
      release();
      store.close();
    }
  });
}

/**
 * The stored run and its configuration (validated again: the file may be old or edited);
 * `adding`: for a command that adds to the run, refused unless this process may write it.
 */
function openRun(
  dbPath: string,
  adding = false,
): { store: RunStore; run: RunRecord; config: EvolveConfig } {
  if (adding) requireWritableRun(dbPath);
  const { store, run } = RunStore.openLatest(
    dbPath,
    'evolve',
    'start one with "evoplace evolve run"',
  );
  try {
    if (adding) store.requireIntact();
    return { store, run, config: parseWith(evolveConfigSchema, run.config, dbPath, 'runs.config') };
  } catch (error) {
    store.close();
    throw error;
  }
}

async function resumeCommand(argv: string[]): Promise<number> {
  // The flags of `run` are known here, to be refused with the reason rather than as unknown.
  const parsed = parseCommand(
    'evolve resume',
    argv,
    { ...RESUME_OPTIONS, ...RUN_ONLY },
    EVOLVE_HELP,
  );
  if (!parsed) return 0;
  const runOnly = Object.keys(RUN_ONLY).filter((flag) => parsed.values[flag] !== undefined);
  if (runOnly.length)
    throw new UserError(
      `--${runOnly[0]} is for "evolve run" only: a resumed run keeps the task, LLMs and ` +
        `settings (--config) it started with; resume takes ${Object.keys(RESUME_OPTIONS)
          .map((flag) => `--${flag}`)
          .join(', ')}`,
      'evolve resume',
    );
  const limits = limitFlags(parsed.values);
  const queue = await queueFlags(parsed.values);
  const { store, run, config: stored } = openRun(requireDb(parsed.values, 'evolve resume'), true);
  let release: (() => void) | null = null;
  try {
    release = acquireRunLock(store.path);
    const task = await taskNamed(run.task);
    // Inside: a Redis that cannot be reached leaves the run's limits as they were.
    return await withEvaluators(queue, stored, (via) =>
      drive(
        store,
        run,
        withNewLimits(store, run, stored, limits),
        task,
        via,
        queue,
        parsed.values.json === true,
      ),
    );
  } finally {
    release?.();
    store.close();
  }
}

function statusCommand(argv: string[]): number {
  const parsed = parseCommand(
    'evolve status',
    argv,
    { ...DB, json: { type: 'boolean' } },
    EVOLVE_HELP,
  );
  if (!parsed) return 0;
  const { store, run, config } = openRun(requireDb(parsed.values, 'evolve status'));
  try {
    const programs = store.summaries(run.id);
    const islands = Array.from({ length: config.islands }, (_, island) => {
      const mine = programs.filter((p) => p.island === island && p.correct);
      return {
        island,
        programs: programs.filter((p) => p.island === island).length,
        bestScore: mine.length ? largestOf(mine.map((p) => p.combinedScore)) : null,
      };
    });
    const holder = runLockHolder(store.path);
    const status = {
      runId: run.id,
      task: run.task,
      status: run.status,
      process: holder,
      generationsDone: new Set(
        programs.filter((p) => p.kind !== 'initial').map((p) => p.generation),
      ).size,
      generations: config.generations,
      programs: programs.length,
      correct: programs.filter((p) => p.correct).length,
      failedProposals: programs.filter((p) => p.kind === 'failed').length,
      bestScore: store.best(run.id)?.combinedScore ?? null,
      initialScore: programs.find((p) => p.kind === 'initial')?.combinedScore ?? null,
      spentUsd: store.spentUsd(run.id),
      budgetUsd: config.budgetUsd,
      islands,
      heldOut: store.events(run.id, 'holdout').at(-1)?.data ?? null,
      heldOutChecks: store.events(run.id, 'holdout-check').map((e) => e.data),
      warnings: store.events(run.id, 'warning').map((e) => e.message),
    };
    if (parsed.values.json) printJson(status);
    else {
      say(
        `run ${status.runId} · ${status.task} · ${runStatusWords(run.status, holder, `evoplace evolve resume --db ${store.path}`)}`,
      );
      say(
        `generations ${status.generationsDone}/${status.generations} · programs ${status.programs} (${status.correct} correct, ${status.failedProposals} failed proposals)`,
      );
      say(
        `best ${status.bestScore ?? '—'} (initial ${status.initialScore ?? '—'}) · spent $${status.spentUsd.toFixed(4)}${status.budgetUsd !== null ? ` of $${status.budgetUsd}` : ''}`,
      );
      for (const i of islands)
        say(`island ${i.island}: ${counted(i.programs, 'program')}, best ${i.bestScore ?? '—'}`);
      const lastCheck = store.events(run.id, 'holdout-check').at(-1);
      if (lastCheck) say(`held-out check ${lastCheck.message}`);
      const heldOut = store.events(run.id, 'holdout').at(-1);
      if (heldOut) say(heldOut.message);
      for (const w of status.warnings) say(`warning: ${w}`);
    }
    return 0;
  } finally {
    store.close();
  }
}

function bestCommand(argv: string[]): number {
  const parsed = parseCommand('evolve best', argv, { ...DB, out: { type: 'string' } }, EVOLVE_HELP);
  if (!parsed) return 0;
  const { store, run } = openRun(requireDb(parsed.values, 'evolve best'));
  try {
    const best = store.best(run.id);
    if (!best) throw new UserError('holds no correct program yet', store.path);
    if (typeof parsed.values.out === 'string') {
      writeFileAtomic(resolve(parsed.values.out), best.code);
      say(`program ${best.id} (score ${best.combinedScore}) written to ${parsed.values.out}`);
    } else process.stdout.write(best.code);
    return 0;
  } finally {
    store.close();
  }
}

function exportCommand(argv: string[]): number {
  const parsed = parseCommand(
    'evolve export',
    argv,
    { ...DB, out: { type: 'string' } },
    EVOLVE_HELP,
  );
  if (!parsed) return 0;
  const { store, run } = openRun(requireDb(parsed.values, 'evolve export'));
  try {
    const heldOut = store.heldOutScores(run.id);
    const lines = store.programs(run.id).map((p) => ({ ...p, heldOut: heldOut.get(p.id) ?? null }));
    writeJsonLines(lines, parsed.values.out as string | undefined);
    return 0;
  } finally {
    store.close();
  }
}

/** Take evaluations from a queue until SIGINT or SIGTERM, then finish the ones in hand. */
async function workerCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'evolve worker',
    argv,
    { ...QUEUE, concurrency: { type: 'string' }, 'stall-seconds': { type: 'string' } },
    EVOLVE_HELP,
  );
  if (!parsed) return 0;
  const queue = await queueFlags(parsed.values);
  if (!queue)
    throw new UserError(
      '--redis URL is required (the queue to work for)',
      'evolve worker',
      '--redis',
    );
  const concurrency = intFlag(parsed.values, 'concurrency', 1, 1, 256);
  const stallSeconds = numberFlag(parsed.values, 'stall-seconds', 30, 1, 86_400);
  const { startEvaluationWorker } = await import('../evolve/queue/worker.js');
  const { displayUrl } = await import('../evolve/queue/protocol.js');
  const { resolveTask } = await import('../evolve/tasks/index.js');
  const worker = await startEvaluationWorker({
    address: queue,
    concurrency,
    stallMs: stallSeconds * 1000,
    resolveTask,
    log: (line) => say(line),
  });
  // Listening for Ctrl-C before saying so (see the ui's address).
  const stopped = new Promise<void>((done) =>
    onStopSignal(() => {
      say('worker: finishing the evaluations in hand');
      done();
    }),
  );
  say(
    `worker: taking evaluations from queue "${queue.name}" at ${displayUrl(queue.url)}, ${concurrency} at a time (Ctrl-C to stop)`,
  );
  await stopped;
  await worker.close();
  say('worker: stopped');
  return 0;
}

/**
 * The run's best correct programs (distinct code), each scored again on the task's held-out
 * cases, in the run's sandbox limits: does what evolution found generalise?
 */
async function holdoutCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'evolve holdout',
    argv,
    { ...DB, top: { type: 'string' }, json: { type: 'boolean' }, ...QUEUE },
    EVOLVE_HELP,
  );
  if (!parsed) return 0;
  const top = intFlag(parsed.values, 'top', 5, 1, 1000);
  const queue = await queueFlags(parsed.values);
  const { store, run, config } = openRun(requireDb(parsed.values, 'evolve holdout'), true);
  try {
    const heldOut = await taskNamed(run.task, 'holdout');
    const { recordHeldOut } = await import('../evolve/engine.js');
    const seen = new Set<string>();
    const programs = store
      .programs(run.id)
      .filter((p) => p.correct)
      .sort((a, b) => b.combinedScore - a.combinedScore || a.id - b.id)
      .filter((p) => !seen.has(p.fingerprint) && seen.add(p.fingerprint))
      .slice(0, top);
    if (programs.length === 0) throw new UserError('holds no correct program yet', store.path);
    return await withEvaluators(queue, config, async (via) => {
      const task = via(heldOut, run.task, 'holdout');
      const results = [];
      for (const [k, p] of programs.entries()) {
        say(`holdout: program ${p.id} (${k + 1}/${programs.length})`);
        const e = await task.evaluate(p.code, evaluationLimits(config));
        recordHeldOut(store, run.id, p.id, e);
        results.push({
          programId: p.id,
          generation: p.generation,
          kind: p.kind,
          runScore: p.combinedScore,
          holdout: {
            combinedScore: e.combinedScore,
            correct: e.correct,
            public: e.public,
            textFeedback: e.textFeedback,
          },
        });
      }
      if (parsed.values.json) printJson({ runId: run.id, task: run.task, programs: results });
      else
        say(
          formatTable(
            ['program', 'generation', 'kind', 'run score', 'held-out score', 'held-out feedback'],
            results.map((r) => [
              String(r.programId),
              String(r.generation),
              r.kind,
              String(r.runScore),
              r.holdout.correct ? String(r.holdout.combinedScore) : 'incorrect',
              r.holdout.textFeedback.split('\n')[0]!,
            ]),
          ),
        );
      return 0;
    });
  } finally {
    store.close();
  }
}
