import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { MAX_SEED } from '../core/rng.js';
import { basename, dirname, join, normalize, resolve } from 'node:path';
import { SERVICE_FAILED_EXIT_CODE, UserError } from '../core/errors.js';
import { counted } from '../core/plural.js';
import { parseWith } from '../core/schema.js';
import { withFieldLine } from '../core/yaml-located.js';
import { formatTable } from '../core/table.js';
import {
  EXPERIMENT_TASK_PREFIX,
  parseColumn,
  RunStore,
  type RunRecord,
} from '../evolve/database/store.js';
import {
  acquireRunLock,
  requireWritableRun,
  runLockHolder,
  runStatusWords,
} from '../evolve/database/lock.js';
import { ArtefactStore } from '../experiments/artefacts.js';
import { makeEvaluator, type Evaluator } from '../experiments/evaluators/index.js';
import { experimentJsonSchema } from '../experiments/json-schema.js';
import {
  builtInExperiments,
  loadExperiment,
  promotionTarget,
  type LoadedExperiment,
} from '../experiments/load.js';
import {
  createPromotion,
  listAcknowledgements,
  writePromotionFile,
} from '../experiments/promotion/index.js';
import { requireSameSpec, storedCandidates, type StoredCandidate } from '../experiments/resume.js';
import { runExperiment, type ExperimentOutcome } from '../experiments/runner.js';
import { experimentSpecSchema, type ExperimentSpec } from '../experiments/spec.js';
import { intFlag, parseCommand, type Options, runCommandOf } from './args.js';
import {
  acknowledgementSummary,
  applyCommand,
  rollbackCommand,
  stateDirFlag,
} from './experiment-promotion.js';
import { printJson, say, writeJsonLines } from './output.js';
import { onStopSignal } from './signals.js';

export const EXPERIMENT_HELP = `evoplace experiment — tune configurations by evolutionary search (D-REAM style)

  evoplace experiment run SPEC.yaml|NAME [--db FILE] [--seed S] [--json]
  evoplace experiment resume SPEC.yaml|NAME [--db FILE] [--run N] [--json]
  evoplace experiment status [--db FILE] [--run N] [--state-dir DIR] [--json]
  evoplace experiment export [--db FILE] [--run N] [--out FILE.jsonl]
  evoplace experiment list
  evoplace experiment schema                    (the spec's JSON Schema)
  evoplace experiment apply PROMOTION.json [--state-dir DIR] [--json]
  evoplace experiment rollback ID [--state-dir DIR] [--force] [--json]`;

export function runExperimentCli(argv: string[]): number | Promise<number> {
  return runCommandOf(
    'experiment',
    argv,
    {
      run: runCommand,
      resume: resumeCommand,
      status: statusCommand,
      list: listCommand,
      export: exportCommand,
      schema: schemaCommand,
      apply: applyCommand,
      rollback: rollbackCommand,
    },
    EXPERIMENT_HELP,
  );
}

const DB: Options = { db: { type: 'string' } };
const DEFAULT_DB = 'experiments.db';

/**
 * Where one run keeps its candidates' logs: `<db name without .db>-artefacts/<spec name>-<run>/`
 * beside the database, so that neither two runs nor two databases in one folder share a folder.
 */
function artefactsDirOf(dbPath: string, specName: string, runId: number): string {
  const root = join(dirname(dbPath), `${basename(dbPath).replace(/\.db$/, '')}-artefacts`);
  return join(root, `${specName}-${runId}`);
}

/**
 * The winner as a promotion file in the folder its settings file is relative to (the spec's
 * folder; the current directory for a built-in), so that the promotion's `apply.file` is the
 * spec's `promotion.file` and stays inside the promotion file's folder, as `experiment apply`
 * requires. Null when the spec promotes nothing or the winner falls short of `min_fitness`.
 */
function promote(
  loaded: LoadedExperiment,
  spec: ExperimentSpec,
  outcome: ExperimentOutcome,
): string | null {
  const { promotion } = spec;
  const winner = outcome.winner;
  if (!promotion || !winner || winner.verdict.fitness < promotion.min_fitness) return null;
  const guardrails = Object.fromEntries(
    Object.entries(spec.search_space).map(([name, p]) => [name, p.safety ?? {}]),
  );
  const file = createPromotion({
    experiment: spec.name,
    params: winner.params,
    metrics: winner.measurement.metrics,
    fitness: winner.verdict.fitness,
    disqualified: winner.verdict.disqualified,
    apply: { target: promotion.target, file: normalize(promotion.file), map: promotion.map },
    guardrails,
    ttlHours: promotion.ttl_hours,
  });
  const path = join(loaded.dir, `${file.id}.promotion.json`);
  writePromotionFile(path, file);
  return path;
}

/**
 * After a run that failed with an exception: a database this command created is removed with
 * its artefacts (no partial output); in one that held earlier runs, the run is marked stopped
 * with the reason as an event, and its artefacts removed unless told to `keep` them.
 */
function discardRun(
  store: RunStore,
  runId: number,
  created: boolean,
  artefacts: { dir: string; keep: boolean },
  error: unknown,
): void {
  const artefactsDir = artefacts.dir;
  if (!artefacts.keep) rmSync(artefactsDir, { recursive: true, force: true });
  if (created) {
    try {
      // The database's artefacts folder, made for this run: removed unless something else is in it.
      rmdirSync(dirname(artefactsDir));
    } catch {
      // Not empty, or never made: left as it is.
    }
    store.close();
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      rmSync(`${store.path}${suffix}`, { force: true });
    return;
  }
  store.addEvent(runId, 'error', `the run failed: ${(error as Error).message}`);
  store.setStatus(runId, 'stopped');
}

/** The spec's evaluator, after every check that can come before the database is touched. */
function checkedEvaluator(loaded: LoadedExperiment, spec: ExperimentSpec): Evaluator {
  try {
    const evaluator = makeEvaluator(spec, loaded.path, loaded.dir);
    promotionTarget(loaded);
    return evaluator;
  } catch (error) {
    throw withFieldLine(error, loaded.path);
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'experiment run',
    argv,
    { ...DB, seed: { type: 'string' }, json: { type: 'boolean' } },
    EXPERIMENT_HELP,
    1,
    'evoplace experiment run SPEC.yaml|NAME',
  );
  if (!parsed) return 0;
  const loaded = loadExperiment(parsed.positionals[0]!);
  const spec = {
    ...loaded.spec,
    seed: intFlag(parsed.values, 'seed', loaded.spec.seed, 0, MAX_SEED),
  };
  // Everything that can be checked is, before the database is made: a refused spec leaves nothing.
  const evaluator = checkedEvaluator(loaded, spec);
  const dbPath = dbPathOf(parsed.values);
  const created = !existsSync(dbPath);
  requireWritableRun(dbPath);
  const store = RunStore.create(dbPath);
  let release: (() => void) | null = null;
  try {
    store.requireIntact();
    store.checkHoldsOnly('experiment');
    const runId = store.createRun(`${EXPERIMENT_TASK_PREFIX}${spec.name}`, spec, spec.seed);
    release = acquireRunLock(dbPath, runId);
    return await drive(
      { store, runId, created, loaded, spec, evaluator, earlier: [] },
      parsed.values.json === true,
    );
  } finally {
    release?.();
    if (store.db.open) store.close();
  }
}

async function resumeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    'experiment resume',
    argv,
    { ...DB, ...RUN, json: { type: 'boolean' } },
    EXPERIMENT_HELP,
    1,
    'evoplace experiment resume SPEC.yaml|NAME',
  );
  if (!parsed) return 0;
  const loaded = loadExperiment(parsed.positionals[0]!);
  requireWritableRun(dbPathOf(parsed.values));
  const { store, run } = openRun(parsed.values);
  let release: (() => void) | null = null;
  try {
    // Before anything is read to go on from or written: another process may be driving the run.
    release = acquireRunLock(store.path, run.id);
    const name = run.task.slice(EXPERIMENT_TASK_PREFIX.length);
    if (name !== loaded.spec.name)
      throw new UserError(
        `run ${run.id} is of experiment "${name}", not "${loaded.spec.name}": give the spec it was made with, or --run one of "${loaded.spec.name}"`,
        store.path,
      );
    const stored = parseWith(experimentSpecSchema, run.config, store.path, 'runs.config');
    // The seed is the run's (given to `run` by --seed or by the spec).
    const spec = { ...loaded.spec, seed: stored.seed };
    try {
      requireSameSpec(stored, spec, loaded.path, run.id);
    } catch (error) {
      throw withFieldLine(error, loaded.path);
    }
    const evaluator = checkedEvaluator(loaded, spec);
    store.requireIntact();
    const earlier = storedCandidates(store, run.id);
    const changes = budgetChanges(stored, spec);
    if (changes.length > 0) store.updateRunConfig(run.id, spec);
    store.addEvent(
      run.id,
      'resume',
      `resumed with ${counted(earlier.length, 'candidate')} stored` +
        (changes.length > 0 ? `; ${changes.join(', ')}` : ''),
    );
    say(
      `resuming run ${run.id} of ${name}: ${counted(earlier.length, 'candidate')} stored, replayed without evaluating ${earlier.length === 1 ? 'it' : 'them'} again` +
        (changes.length > 0 ? ` (${changes.join(', ')})` : ''),
    );
    return await drive(
      { store, runId: run.id, created: false, loaded, spec, evaluator, earlier },
      parsed.values.json === true,
    );
  } finally {
    release?.();
    if (store.db.open) store.close();
  }
}

/** The budget limits `spec` changes from the run's `stored` one, in words (`max_candidates 40 → 60`). */
function budgetChanges(stored: ExperimentSpec, spec: ExperimentSpec): string[] {
  return (Object.keys(spec.budget) as (keyof ExperimentSpec['budget'])[])
    .filter((key) => spec.budget[key] !== stored.budget[key])
    .map((key) => `budget.${key} ${stored.budget[key]} → ${spec.budget[key]}`);
}

/** A run to drive: new (`run`) or resumed with the candidates it already holds. */
interface Drive {
  store: RunStore;
  runId: number;
  /** This command made the database: a run that fails removes it. */
  created: boolean;
  loaded: LoadedExperiment;
  spec: ExperimentSpec;
  evaluator: Evaluator;
  earlier: StoredCandidate[];
}

/**
 * Drive a run, whose run lock the caller holds, to its end (Ctrl-C stops it), then promote its
 * winner and report; the exit code.
 */
async function drive(d: Drive, json: boolean): Promise<number> {
  const { store, runId, spec } = d;
  const artefactsDir = artefactsDirOf(store.path, spec.name, runId);
  const artefacts = new ArtefactStore(
    artefactsDir,
    spec.artefacts.max_count,
    spec.artefacts.max_bytes,
  );
  let outcome: ExperimentOutcome;
  store.setStatus(runId, 'running');
  const controller = new AbortController();
  const removeHandlers = onStopSignal(() => {
    say('interrupted: finishing the candidate in flight (Ctrl-C again to quit)');
    controller.abort();
  });
  try {
    outcome = await runExperiment({
      spec,
      evaluator: d.evaluator,
      store,
      runId,
      artefacts,
      progress: (line) => say(line),
      signal: controller.signal,
      earlier: d.earlier,
    });
  } catch (error) {
    // A resumed run keeps the logs of the candidates it already had.
    const keep = d.earlier.length > 0;
    discardRun(store, runId, d.created, { dir: artefactsDir, keep }, error);
    throw error;
  } finally {
    removeHandlers();
  }
  const promotionFile = promote(d.loaded, spec, outcome);
  const code = outcome.evaluatorError === null ? 0 : SERVICE_FAILED_EXIT_CODE;
  if (json) printJson(outcomeJson(outcome, spec, promotionFile, artefactsDir));
  else reportOutcome(outcome, code, promotionFile, artefacts);
  return code;
}

/** What `run --json` and `resume --json` print. */
function outcomeJson(
  outcome: ExperimentOutcome,
  spec: ExperimentSpec,
  promotionFile: string | null,
  artefactsDir: string,
): unknown {
  return {
    runId: outcome.runId,
    experiment: spec.name,
    stoppedBy: outcome.stoppedBy,
    generations: outcome.generations,
    candidates: outcome.candidates.length,
    rejectedUnsafe: outcome.rejectedUnsafe,
    winner: outcome.winner && {
      params: outcome.winner.params,
      fitness: outcome.winner.verdict.fitness,
      metrics: outcome.winner.measurement.metrics,
    },
    promotionFile,
    evaluatorError: outcome.evaluatorError,
    artefacts: artefactsDir,
  };
}

/** The run's end for people: the ten fittest, why it stopped, the winner, where things went. */
function reportOutcome(
  outcome: ExperimentOutcome,
  code: number,
  promotionFile: string | null,
  artefacts: ArtefactStore,
): void {
  const top = [...outcome.candidates]
    .sort((a, b) => b.verdict.fitness - a.verdict.fitness)
    .slice(0, 10);
  say(
    formatTable(
      ['fitness', 'params', 'note'],
      top.map((c) => [
        c.verdict.fitness.toFixed(4),
        JSON.stringify(c.params),
        c.verdict.disqualified ? (c.verdict.reason ?? 'disqualified') : '',
      ]),
    ),
  );
  say(
    `stopped: ${outcome.stoppedBy} after ${outcome.candidates.length} candidates in ${outcome.generations} generations` +
      (outcome.rejectedUnsafe
        ? `; ${outcome.rejectedUnsafe} outside the safety bounds not evaluated`
        : ''),
  );
  say(
    outcome.winner
      ? `winner: ${JSON.stringify(outcome.winner.params)} (fitness ${outcome.winner.verdict.fitness.toFixed(4)})`
      : 'no qualified candidate',
  );
  if (outcome.evaluatorError !== null)
    say(
      `the evaluator failed every candidate, so the run stopped (exit ${code}); the first error: ${outcome.evaluatorError}`,
    );
  if (artefacts.list().length > 0) say(`candidate logs: ${artefacts.dir}`);
  if (promotionFile)
    say(`promotion written: ${promotionFile} (apply with "evoplace experiment apply")`);
}

function statusCommand(argv: string[]): number {
  const parsed = parseCommand(
    'experiment status',
    argv,
    { ...DB, ...RUN, 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
    EXPERIMENT_HELP,
  );
  if (!parsed) return 0;
  const { store, run } = openRun(parsed.values);
  try {
    const rows = store.programs(run.id);
    const best = store.best(run.id);
    const acks = listAcknowledgements(stateDirFlag(parsed.values)).map(acknowledgementSummary);
    const experiment = run.task.slice(EXPERIMENT_TASK_PREFIX.length);
    const holder = runLockHolder(store.path, run.id);
    const status = {
      runId: run.id,
      experiment,
      status: run.status,
      process: holder,
      candidates: rows.length,
      disqualified: rows.filter((r) => !r.correct).length,
      best: best && { params: candidateParams(best.code, store), fitness: best.combinedScore },
      promotions: acks,
    };
    if (parsed.values.json) printJson(status);
    else {
      const resume = `evoplace experiment resume ${experiment} --db ${store.path} --run ${run.id}`;
      say(`run ${status.runId} · ${experiment} · ${runStatusWords(run.status, holder, resume)}`);
      say(`${status.candidates} candidates (${status.disqualified} disqualified)`);
      say(
        status.best
          ? `best ${JSON.stringify(status.best.params)} fitness ${status.best.fitness.toFixed(4)}`
          : 'no qualified candidate',
      );
      say(`${acks.length} promotion(s) applied in the state directory`);
    }
    return 0;
  } finally {
    store.close();
  }
}

const RUN: Options = { run: { type: 'string' } };

/**
 * The run database of `--db` (default experiments.db) and its run `--run N`, by default the
 * newest; a run it does not hold is refused, naming the runs it does.
 */
function openRun(values: Record<string, unknown>): { store: RunStore; run: RunRecord } {
  const wanted = intFlag(values, 'run', 0, 1, Number.MAX_SAFE_INTEGER);
  const { store, run: newest } = openNewestRun(values);
  if (wanted === 0 || wanted === newest.id) return { store, run: newest };
  const run = store.run(wanted);
  if (run) return { store, run };
  const ids = store.runs().map((r) => r.id);
  store.close();
  throw new UserError(
    `${store.path} holds no run ${wanted}; its runs: ${ids.reverse().join(', ')} (the default is the newest, ${newest.id})`,
    undefined,
    '--run',
  );
}

/** A candidate's parameters, which an experiment run stores as its program's code (JSON). */
function candidateParams(code: string, store: RunStore): unknown {
  return parseColumn(code, 'code', store.path);
}

/** The run database `--db` names, or experiments.db in the current directory. */
function dbPathOf(values: Record<string, unknown>): string {
  return resolve(typeof values.db === 'string' ? values.db : DEFAULT_DB);
}

/** The run database of `--db` (default experiments.db) and its newest run. */
function openNewestRun(values: Record<string, unknown>): { store: RunStore; run: RunRecord } {
  const dbPath = dbPathOf(values);
  const hint = 'run an experiment with "evoplace experiment run SPEC.yaml|NAME --db FILE"';
  if (!existsSync(dbPath))
    throw new UserError(
      `no such run database; ${hint} (or give --db the database it made)`,
      dbPath,
    );
  return RunStore.openLatest(dbPath, 'experiment', hint);
}

/** Every candidate of one run (by default the newest), one JSON object per line. */
function exportCommand(argv: string[]): number {
  const parsed = parseCommand(
    'experiment export',
    argv,
    { ...DB, ...RUN, out: { type: 'string' } },
    EXPERIMENT_HELP,
  );
  if (!parsed) return 0;
  const { store, run } = openRun(parsed.values);
  try {
    const rows = store.programs(run.id).map((p) => ({
      runId: run.id,
      generation: p.generation,
      candidate: p.slot,
      params: candidateParams(p.code, store),
      metrics: p.publicMetrics,
      fitness: p.combinedScore,
      disqualified: !p.correct,
      reason: p.textFeedback || null,
      // Runs stored before evaluation time was recorded hold 0 there.
      evalMs: p.evalMs > 0 ? p.evalMs : null,
    }));
    writeJsonLines(rows, parsed.values.out as string | undefined);
    return 0;
  } finally {
    store.close();
  }
}

function listCommand(argv: string[]): number {
  if (!parseCommand('experiment list', argv, {}, EXPERIMENT_HELP)) return 0;
  for (const name of builtInExperiments()) {
    const { spec } = loadExperiment(name);
    say(`${name.padEnd(16)} ${spec.description}`);
  }
  return 0;
}

function schemaCommand(argv: string[]): number {
  if (!parseCommand('experiment schema', argv, {}, EXPERIMENT_HELP)) return 0;
  printJson(experimentJsonSchema());
  return 0;
}
