import type Database from 'better-sqlite3';
import { UserError } from '../../core/errors.js';
import { parseJson } from '../../core/io.js';
import { openDatabase } from './schema.js';

/** How a program entered the run. `failed`: a generation whose proposal produced nothing to evaluate. */
export type ProgramKind = 'initial' | 'proposal' | 'failed';

/** One program as the database holds it. */
export interface ProgramRecord {
  id: number;
  runId: number;
  kind: ProgramKind;
  generation: number;
  /** Position within the generation: 0 for programs, the candidate's index for experiments. */
  slot: number;
  island: number;
  parentId: number | null;
  secondParentId: number | null;
  inspirationIds: number[];
  language: string;
  code: string;
  fingerprint: string;
  diff: string;
  patchType: string | null;
  patchAttempts: number;
  model: string | null;
  temperature: number | null;
  prompt: string | null;
  response: string | null;
  publicMetrics: Record<string, unknown>;
  privateMetrics: Record<string, unknown>;
  combinedScore: number;
  correct: boolean;
  textFeedback: string;
  stdout: string;
  stderr: string;
  evalMs: number;
  llmMs: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  createdAt: string;
}

/** One LLM reply of a generation's proposal, stored as soon as it arrived. */
export interface LlmCall {
  runId: number;
  generation: number;
  /** 1 for the first turn, 2 for the first retry… */
  attempt: number;
  /** A hash of everything that was asked (model, sampling, prompt): see proposal.ts. */
  requestKey: string;
  model: string;
  reply: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
}

/** What a generation chose before its first LLM call, kept until its program is stored (schema.ts). */
export interface Draft {
  runId: number;
  generation: number;
  island: number;
  parentId: number;
  secondParentId: number | null;
  inspirationIds: number[];
  patchType: string;
  model: string;
  temperature: number;
  systemPrompt: string;
  userPrompt: string;
  /** The conversation after the user prompt: each failed reply and the retry prompt sent back. */
  turns: { role: 'user' | 'assistant'; content: string }[];
}

/** A program scored again on the task's held-out cases: the latest such score of the program. */
export interface HeldOutRecord {
  programId: number;
  runId: number;
  combinedScore: number;
  correct: boolean;
  publicMetrics: Record<string, unknown>;
  textFeedback: string;
  createdAt: string;
}

export type NewProgram = Omit<ProgramRecord, 'id' | 'createdAt' | 'slot'> & { slot?: number };

/** The fields of a program that no LLM wrote and that has no parent (an initial program, a configuration). */
export const WITHOUT_LINEAGE = {
  parentId: null,
  secondParentId: null,
  inspirationIds: [],
  diff: '',
  patchType: null,
  patchAttempts: 0,
  model: null,
  temperature: null,
  prompt: null,
  response: null,
  llmMs: 0,
  inputTokens: 0,
  outputTokens: 0,
  usd: 0,
} satisfies Partial<NewProgram>;

/** What selection needs of a program, without its code and prompts. */
export type ProgramSummary = Pick<
  ProgramRecord,
  | 'id'
  | 'kind'
  | 'generation'
  | 'island'
  | 'parentId'
  | 'combinedScore'
  | 'correct'
  | 'usd'
  | 'model'
  | 'patchType'
  | 'fingerprint'
>;

/**
 * What a table of programs shows of each (an experiment's candidates: parameters and why they
 * were disqualified): its summary, code and feedback, without its logs, prompt and response.
 */
export type ProgramListing = ProgramSummary & Pick<ProgramRecord, 'code' | 'textFeedback'>;

/** Which rows of a long list to read: `limit` of them after the first `offset`. */
export interface Slice {
  offset: number;
  limit: number;
}

export interface RunRecord {
  id: number;
  task: string;
  config: unknown;
  seed: number;
  status: 'running' | 'finished' | 'stopped';
  createdAt: string;
  updatedAt: string;
}

export interface EventRecord {
  id: number;
  at: string;
  kind: string;
  message: string;
  data: unknown;
}

export interface MetaRecord {
  afterPrograms: number;
  summaries: string;
  insights: string;
  recommendations: string;
  usd: number;
  createdAt: string;
}

/** Truncation of evaluation logs kept in the database (the sandbox already caps them). */
export const MAX_LOG_CHARS = 64 * 1024;

const clip = (text: string): string =>
  text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}\n[truncated]` : text;

const now = (): string => new Date().toISOString();

/** The columns of a ProgramSummary. */
const SUMMARY_COLUMNS = `id, kind, generation, island, parent_id, combined_score, correct, usd, model,
  patch_type, fingerprint`;

/** The columns of an EventRecord. */
const EVENT_COLUMNS = 'id, at, kind, message, data';

type Row = Record<string, unknown>;

/** Columns that hold JSON text; every other column holds its value as it is. */
const JSON_COLUMNS = new Set([
  'inspiration_ids',
  'public_metrics',
  'private_metrics',
  'config',
  'data',
  'turns',
]);
/** Columns that hold a boolean as SQLite's 0/1. */
const BOOLEAN_COLUMNS = new Set(['correct']);

/** Record field names by column, made once: a page of a huge run reads millions of cells. */
const fieldNames = new Map<string, string>();
const camelCase = (column: string): string => {
  let name = fieldNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    fieldNames.set(column, name);
  }
  return name;
};

/**
 * A row as the record its table stores: each column under its camelCase name, JSON columns
 * parsed, 0/1 columns as booleans. The queries select exactly the columns of the record type.
 */
function fromRow<T>(row: Row, path: string): T {
  const record: Row = {};
  for (const [column, value] of Object.entries(row))
    record[camelCase(column)] = columnValue(column, value, path);
  return record as T;
}

/** A column's value as its record holds it: JSON parsed, 0/1 as a boolean, else as stored. */
function columnValue(column: string, value: unknown, path: string): unknown {
  if (JSON_COLUMNS.has(column)) return parseColumn(value, column, path);
  return BOOLEAN_COLUMNS.has(column) ? value === 1 : value;
}

/**
 * A JSON column's value; a database edited by hand (or broken) is the user's to fix. Read as
 * files are (parseJson): nesting deeper than anything we write would overflow the stack of
 * whatever walks it next.
 */
export function parseColumn(value: unknown, column: string, path: string): unknown {
  try {
    return parseJson(String(value), column);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(
      `not a usable run database: a row's ${column} is not JSON as evoplace writes it (${error.message})`,
      path,
    );
  }
}

/** A record's value for a column, as SQLite stores it (the inverse of fromRow). */
function toColumn(column: string, value: unknown): unknown {
  if (JSON_COLUMNS.has(column)) return JSON.stringify(value);
  if (BOOLEAN_COLUMNS.has(column)) return value ? 1 : 0;
  return value;
}

/** An experiment run's task is `experiment:NAME`; every other run is an evolve run. */
export const EXPERIMENT_TASK_PREFIX = 'experiment:';
export type RunKind = 'evolve' | 'experiment';

export function runKind(run: { task: string }): RunKind {
  return run.task.startsWith(EXPERIMENT_TASK_PREFIX) ? 'experiment' : 'evolve';
}

/**
 * The run database: the only state of a run. Every write is one transaction, so a process
 * killed at any moment leaves either a whole program or none.
 */
export class RunStore {
  private constructor(
    readonly path: string,
    readonly db: Database.Database,
  ) {}

  static create(path: string): RunStore {
    return new RunStore(path, openDatabase(path, true));
  }

  static open(path: string): RunStore {
    return new RunStore(path, openDatabase(path, false));
  }

  /**
   * Open an existing database and its latest run of `kind`; none is a user error ending in
   * `hint`, or saying which command reads the runs it holds instead.
   */
  static openLatest(
    path: string,
    kind: RunKind,
    hint: string,
  ): { store: RunStore; run: RunRecord } {
    const store = RunStore.open(path);
    const run = store.latestRun(kind);
    if (!run) {
      const other = store.runs()[0];
      store.close();
      if (other)
        throw new UserError(
          `holds ${runKind(other)} runs, not ${kind} runs; read it with "evoplace ${runKind(other)} status --db ${path}"`,
          path,
        );
      throw new UserError(`holds no run; ${hint}`, path);
    }
    return { store, run };
  }

  /** Refuse (before any write) to add a run of `kind` to a database that holds the other kind. */
  checkHoldsOnly(kind: RunKind): void {
    const other = this.runs().find((run) => runKind(run) !== kind);
    if (other)
      throw new UserError(
        `holds ${runKind(other)} runs; a database keeps one kind of run, so give --db a new file for ${kind} runs`,
        this.path,
      );
  }

  /**
   * Refuse a damaged database before a command adds to it: SQLite finds some damage (a wrong
   * count of free pages) only when it writes, which would fail the command halfway.
   */
  requireIntact(): void {
    let found: string;
    try {
      found = String(this.db.pragma('quick_check(1)', { simple: true }));
    } catch (error) {
      found = (error as Error).message;
    }
    if (found !== 'ok')
      throw new UserError(
        `is damaged (SQLite's check: ${found.replace(/\s*\n\s*/g, ' ')}); recover what it holds with "sqlite3 FILE .recover", or start a new run`,
        this.path,
      );
  }

  close(): void {
    this.db.close();
  }

  /** Prepared inserts by table, with the columns they write (every one but `id`). */
  private readonly inserts = new Map<
    string,
    { columns: string[]; statement: Database.Statement }
  >();

  /**
   * Insert `record` (a field per column but `id`, camelCase: a missing one fails the bind) into
   * `table`; the new row's id.
   */
  private insert(table: string, record: object): number {
    let insert = this.inserts.get(table);
    if (!insert) {
      const columns = (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[])
        .map((c) => c.name)
        .filter((name) => name !== 'id');
      const values = columns.map(() => '?').join(', ');
      const statement = this.db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values})`,
      );
      insert = { columns, statement };
      this.inserts.set(table, insert);
    }
    const fields = record as Row;
    const values = insert.columns.map((c) => toColumn(c, fields[camelCase(c)]));
    return Number(insert.statement.run(...values).lastInsertRowid);
  }

  createRun(task: string, config: unknown, seed: number): number {
    const at = now();
    return this.insert('runs', {
      task,
      config,
      seed,
      status: 'running',
      createdAt: at,
      updatedAt: at,
    });
  }

  /** The most recent run (of `kind`, when given), or null when there is none. */
  latestRun(kind?: RunKind): RunRecord | null {
    return this.runs().find((run) => kind === undefined || runKind(run) === kind) ?? null;
  }

  /** Every run, newest first. */
  runs(): RunRecord[] {
    return this.records('SELECT * FROM runs ORDER BY id DESC');
  }

  /** Run `id`, or null when the database has none such. */
  run(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow<RunRecord>(row, this.path) : null;
  }

  /** Program `id` of run `runId`, or null when the run has none such. */
  programOfRun(runId: number, id: number): ProgramRecord | null {
    const row = this.db
      .prepare('SELECT * FROM programs WHERE id = ? AND run_id = ?')
      .get(id, runId) as Row | undefined;
    return row ? fromRow<ProgramRecord>(row, this.path) : null;
  }

  /** Replace a run's configuration (`evolve resume` raising its limits). */
  updateRunConfig(runId: number, config: unknown): void {
    this.db
      .prepare('UPDATE runs SET config = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(config), now(), runId);
  }

  setStatus(runId: number, status: RunRecord['status']): void {
    this.db
      .prepare('UPDATE runs SET status = ?, updated_at = ? WHERE id = ?')
      .run(status, now(), runId);
  }

  /**
   * Insert a program (logs clipped), refresh the elite archive and drop its generation's draft,
   * atomically.
   */
  insertProgram(program: NewProgram, archiveSize: number): number {
    const write = this.db.transaction((p: NewProgram): number => {
      const id = this.insert('programs', {
        ...p,
        slot: p.slot ?? 0,
        stdout: clip(p.stdout),
        stderr: clip(p.stderr),
        createdAt: now(),
      });
      this.refreshArchive(p.runId, archiveSize);
      this.db
        .prepare('DELETE FROM drafts WHERE run_id = ? AND generation = ?')
        .run(p.runId, p.generation);
      return id;
    });
    return write(program);
  }

  /** The archive: the `size` best correct programs of the run (ties: the older first). */
  private refreshArchive(runId: number, size: number): void {
    this.db.prepare('DELETE FROM archive WHERE run_id = ?').run(runId);
    this.db
      .prepare(
        `INSERT INTO archive (run_id, program_id)
         SELECT run_id, id FROM programs WHERE run_id = ? AND correct = 1
         ORDER BY combined_score DESC, id ASC LIMIT ?`,
      )
      .run(runId, size);
  }

  /** Migration: the program now lives on `island` (its lineage keeps where it was born). */
  moveToIsland(programId: number, island: number): void {
    this.db.prepare('UPDATE programs SET island = ? WHERE id = ?').run(island, programId);
  }

  archive(runId: number): number[] {
    return (
      this.db
        .prepare(
          `SELECT a.program_id AS id FROM archive a JOIN programs p ON p.id = a.program_id
           WHERE a.run_id = ? ORDER BY p.combined_score DESC, p.id ASC`,
        )
        .all(runId) as { id: number }[]
    ).map((r) => r.id);
  }

  program(id: number): ProgramRecord {
    const row = this.db.prepare('SELECT * FROM programs WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new Error(`program ${id} is not in the database`);
    return fromRow<ProgramRecord>(row, this.path);
  }

  /**
   * Every row `sql` selects (with `params`) as the record of its columns (see fromRow), read as
   * arrays: the many rows of a long run, without first a keyed object per row (twice as fast).
   */
  private records<T>(sql: string, ...params: unknown[]): T[] {
    const statement = this.db.prepare(sql);
    const columns = statement.columns().map((c) => c.name);
    const fields = columns.map(camelCase);
    return (statement.raw().all(...params) as unknown[][]).map((values) => {
      const record: Row = {};
      for (let i = 0; i < columns.length; i++)
        record[fields[i]!] = columnValue(columns[i]!, values[i], this.path);
      return record as T;
    });
  }

  programs(runId: number): ProgramRecord[] {
    return this.records('SELECT * FROM programs WHERE run_id = ? ORDER BY id', runId);
  }

  summaries(runId: number): ProgramSummary[] {
    return this.records(
      `SELECT ${SUMMARY_COLUMNS} FROM programs WHERE run_id = ? ORDER BY id`,
      runId,
    );
  }

  /**
   * `slice` of the run's programs in generation order (ties: the older first), as a table of
   * them shows them: a page of a run too long to read whole for it. The rows skipped are
   * counted in the index alone (the inner query), not read: the last page of 300 000 programs
   * takes a third of the time.
   */
  programSlice(runId: number, slice: Slice): ProgramListing[] {
    return this.records(
      `SELECT ${SUMMARY_COLUMNS}, code, text_feedback FROM programs WHERE id IN
         (SELECT id FROM programs WHERE run_id = ? ORDER BY generation, id LIMIT ? OFFSET ?)
       ORDER BY generation, id`,
      runId,
      slice.limit,
      slice.offset,
    );
  }

  /** The best correct program of the run, or null when none is correct. */
  best(runId: number): ProgramRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM programs WHERE run_id = ? AND correct = 1
         ORDER BY combined_score DESC, id ASC LIMIT 1`,
      )
      .get(runId) as Row | undefined;
    return row ? fromRow<ProgramRecord>(row, this.path) : null;
  }

  /** Record a program's held-out score, replacing any earlier one of the program. */
  recordHeldOut(score: Omit<HeldOutRecord, 'createdAt'>): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM held_out_scores WHERE program_id = ?').run(score.programId);
      this.insert('held_out_scores', { ...score, createdAt: now() });
    })();
  }

  /** The held-out scores recorded for the run's programs, by program id. */
  heldOutScores(runId: number): Map<number, HeldOutRecord> {
    const scores = this.records<HeldOutRecord>(
      'SELECT * FROM held_out_scores WHERE run_id = ? ORDER BY program_id',
      runId,
    );
    return new Map(scores.map((score) => [score.programId, score]));
  }

  /** Keep what a generation chose, before it asks anything (replacing an unusable earlier draft). */
  saveDraft(draft: Draft): void {
    this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM drafts WHERE run_id = ? AND generation = ?')
        .run(draft.runId, draft.generation);
      this.insert('drafts', { ...draft, createdAt: now() });
    })();
  }

  /** Record the turns of a generation's conversation so far in its draft. */
  saveDraftTurns(runId: number, generation: number, turns: Draft['turns']): void {
    this.db
      .prepare('UPDATE drafts SET turns = ? WHERE run_id = ? AND generation = ?')
      .run(toColumn('turns', turns), runId, generation);
  }

  /** The draft of a generation in flight when its run stopped, if any. */
  draft(runId: number, generation: number): Draft | null {
    const row = this.db
      .prepare(
        `SELECT run_id, generation, island, parent_id, second_parent_id, inspiration_ids,
           patch_type, model, temperature, system_prompt, user_prompt, turns
           FROM drafts WHERE run_id = ? AND generation = ?`,
      )
      .get(runId, generation) as Row | undefined;
    return row ? fromRow<Draft>(row, this.path) : null;
  }

  /** Store an LLM reply the moment it arrives, before anything is done with it. */
  recordLlmCall(call: LlmCall): void {
    this.insert('llm_calls', { ...call, createdAt: now() });
  }

  /** The reply already paid for to exactly this request of this generation's turn, if any. */
  llmCall(runId: number, generation: number, attempt: number, requestKey: string): LlmCall | null {
    const row = this.db
      .prepare(
        `SELECT run_id, generation, attempt, request_key, model, reply, input_tokens,
           output_tokens, usd FROM llm_calls WHERE run_id = ? AND generation = ? AND attempt = ?
           AND request_key = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(runId, generation, attempt, requestKey) as Row | undefined;
    return row ? fromRow<LlmCall>(row, this.path) : null;
  }

  /** The embedding stored under `key` (see embeddingKey), if any. */
  embedding(runId: number, key: string): number[] | null {
    const row = this.db
      .prepare('SELECT reply FROM llm_calls WHERE run_id = ? AND request_key = ? LIMIT 1')
      .get(runId, key) as { reply: string } | undefined;
    return row ? (parseColumn(row.reply, 'reply', this.path) as number[]) : null;
  }

  /**
   * USD spent on the run: every LLM call paid (stored ones, whether or not their generation was
   * stored; for programs of databases from before calls were stored, their own figure) and the
   * meta summaries.
   */
  spentUsd(runId: number): number {
    const llm = this.db
      .prepare(
        `SELECT (SELECT coalesce(sum(usd), 0) FROM llm_calls WHERE run_id = @run)
              + (SELECT coalesce(sum(p.usd), 0) FROM programs p WHERE p.run_id = @run
                 AND NOT EXISTS (SELECT 1 FROM llm_calls c
                                 WHERE c.run_id = p.run_id AND c.generation = p.generation))
           AS usd`,
      )
      .get({ run: runId }) as { usd: number };
    const meta = this.db
      .prepare('SELECT coalesce(sum(usd), 0) AS usd FROM meta WHERE run_id = ?')
      .get(runId) as { usd: number };
    return llm.usd + meta.usd;
  }

  addEvent(runId: number, kind: string, message: string, data: unknown = {}): void {
    this.insert('events', { runId, at: now(), kind, message, data });
  }

  events(runId: number, kind?: string): EventRecord[] {
    return kind
      ? this.records(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = ? AND kind = ? ORDER BY id`,
          runId,
          kind,
        )
      : this.records(`SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = ? ORDER BY id`, runId);
  }

  /** How many events the run has. */
  eventCount(runId: number): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM events WHERE run_id = ?').get(runId) as {
        n: number;
      }
    ).n;
  }

  /** `slice` of the run's events, oldest first. */
  eventSlice(runId: number, slice: Slice): EventRecord[] {
    return this.records(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = ? ORDER BY id LIMIT ? OFFSET ?`,
      runId,
      slice.limit,
      slice.offset,
    );
  }

  addMeta(runId: number, meta: Omit<MetaRecord, 'createdAt'>): void {
    this.insert('meta', { ...meta, runId, createdAt: now() });
  }

  latestMeta(runId: number): MetaRecord | null {
    const row = this.db
      .prepare(
        `SELECT after_programs, summaries, insights, recommendations, usd, created_at FROM meta
         WHERE run_id = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(runId) as Row | undefined;
    return row ? fromRow<MetaRecord>(row, this.path) : null;
  }
}
