import { existsSync, rmSync } from 'node:fs';
import { MAX_SEED } from '../core/rng.js';
import { dirname, join, normalize, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { withFieldLine } from '../core/yaml-located.js';
import { formatTable } from '../core/table.js';
import { EXPERIMENT_TASK_PREFIX, RunStore, type RunRecord } from '../evolve/database/store.js';
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
import { runExperiment, type ExperimentOutcome } from '../experiments/runner.js';
import type { ExperimentSpec } from '../experiments/spec.js';
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
  evoplace experiment status [--db FILE] [--state-dir DIR] [--json]
  evoplace experiment export [--db FILE] [--out FILE.jsonl]
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
 * with the reason as an event.
 */
function discardRun(
  store: RunStore,
  runId: number,
  created: boolean,
  artefactsDir: string,
  error: unknown,
): void {
  rmSync(artefactsDir, { recursive: true, force: true });
  if (created) {
    store.close();
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      rmSync(`${store.path}${suffix}`, { force: true });
    return;
  }
  store.addEvent(runId, 'error', `the run failed: ${(error as Error).message}`);
  store.setStatus(runId, 'stopped');
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
  let evaluator: Evaluator;
  try {
    evaluator = makeEvaluator(spec, loaded.path, loaded.dir);
    promotionTarget(loaded);
  } catch (error) {
    throw withFieldLine(error, loaded.path);
  }
  const dbPath = resolve(typeof parsed.values.db === 'string' ? parsed.values.db : DEFAULT_DB);
  const created = !existsSync(dbPath);
  const store = RunStore.create(dbPath);
  let closed = false;
  try {
    store.checkHoldsOnly('experiment');
    const runId = store.createRun(`${EXPERIMENT_TASK_PREFIX}${spec.name}`, spec, spec.seed);
    const artefactsDir = join(dirname(dbPath), `${spec.name}-${runId}-artefacts`);
    const artefacts = new ArtefactStore(
      artefactsDir,
      spec.artefacts.max_count,
      spec.artefacts.max_bytes,
    );
    const controller = new AbortController();
    const removeHandlers = onStopSignal(() => controller.abort());
    let outcome: ExperimentOutcome;
    try {
      outcome = await runExperiment({
        spec,
        evaluator,
        store,
        runId,
        artefacts,
        progress: (line) => say(line),
        signal: controller.signal,
      });
    } catch (error) {
      discardRun(store, runId, created, artefactsDir, error);
      closed = created;
      throw error;
    } finally {
      removeHandlers();
    }
    const promotionFile = promote(loaded, spec, outcome);
    if (parsed.values.json) {
      printJson({
        runId,
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
      });
      return 0;
    }
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
      `stopped by ${outcome.stoppedBy} after ${outcome.candidates.length} candidates in ${outcome.generations} generations` +
        (outcome.rejectedUnsafe
          ? `; ${outcome.rejectedUnsafe} outside the safety bounds not evaluated`
          : ''),
    );
    say(
      outcome.winner
        ? `winner: ${JSON.stringify(outcome.winner.params)} (fitness ${outcome.winner.verdict.fitness.toFixed(4)})`
        : 'no qualified candidate',
    );
    if (promotionFile)
      say(`promotion written: ${promotionFile} (apply with "evoplace experiment apply")`);
    return 0;
  } finally {
    if (!closed) store.close();
  }
}

function statusCommand(argv: string[]): number {
  const parsed = parseCommand(
    'experiment status',
    argv,
    { ...DB, 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
    EXPERIMENT_HELP,
  );
  if (!parsed) return 0;
  const { store, run } = openLatestRun(parsed.values);
  try {
    const rows = store.programs(run.id);
    const best = store.best(run.id);
    const acks = listAcknowledgements(stateDirFlag(parsed.values)).map(acknowledgementSummary);
    const status = {
      runId: run.id,
      experiment: run.task.slice(EXPERIMENT_TASK_PREFIX.length),
      status: run.status,
      candidates: rows.length,
      disqualified: rows.filter((r) => !r.correct).length,
      best: best && { params: JSON.parse(best.code) as unknown, fitness: best.combinedScore },
      promotions: acks,
    };
    if (parsed.values.json) printJson(status);
    else {
      say(`run ${status.runId} · ${status.experiment} · ${status.status}`);
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

/** The run database of `--db` (default experiments.db) and its latest run. */
function openLatestRun(values: Record<string, unknown>): { store: RunStore; run: RunRecord } {
  const dbPath = resolve(typeof values.db === 'string' ? values.db : DEFAULT_DB);
  const hint = 'run an experiment with "evoplace experiment run SPEC.yaml|NAME --db FILE"';
  if (!existsSync(dbPath))
    throw new UserError(
      `no such run database; ${hint} (or give --db the database it made)`,
      dbPath,
    );
  return RunStore.openLatest(dbPath, 'experiment', hint);
}

/** Every candidate of the latest run, one JSON object per line. */
function exportCommand(argv: string[]): number {
  const parsed = parseCommand(
    'experiment export',
    argv,
    { ...DB, out: { type: 'string' } },
    EXPERIMENT_HELP,
  );
  if (!parsed) return 0;
  const { store, run } = openLatestRun(parsed.values);
  try {
    const rows = store.programs(run.id).map((p) => ({
      runId: run.id,
      generation: p.generation,
      candidate: p.slot,
      params: JSON.parse(p.code) as unknown,
      metrics: p.publicMetrics,
      fitness: p.combinedScore,
      disqualified: !p.correct,
      reason: p.textFeedback || null,
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
