import type Database from 'better-sqlite3';
import { UserError } from '../../core/errors.js';
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

type Row = Record<string, unknown>;

function toProgram(row: Row): ProgramRecord {
  return {
    ...toSummary(row),
    runId: row.run_id as number,
    slot: row.slot as number,
    secondParentId: row.second_parent_id as number | null,
    inspirationIds: JSON.parse(row.inspiration_ids as string) as number[],
    language: row.language as string,
    code: row.code as string,
    diff: row.diff as string,
    patchAttempts: row.patch_attempts as number,
    temperature: row.temperature as number | null,
    prompt: row.prompt as string | null,
    response: row.response as string | null,
    publicMetrics: JSON.parse(row.public_metrics as string) as Record<string, unknown>,
    privateMetrics: JSON.parse(row.private_metrics as string) as Record<string, unknown>,
    textFeedback: row.text_feedback as string,
    stdout: row.stdout as string,
    stderr: row.stderr as string,
    evalMs: row.eval_ms as number,
    llmMs: row.llm_ms as number,
    inputTokens: row.input_tokens as number,
    outputTokens: row.output_tokens as number,
    createdAt: row.created_at as string,
  };
}

function toRun(row: Row): RunRecord {
  return {
    id: row.id as number,
    task: row.task as string,
    config: JSON.parse(row.config as string),
    seed: row.seed as number,
    status: row.status as RunRecord['status'],
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

function toSummary(row: Row): ProgramSummary {
  return {
    id: row.id as number,
    kind: row.kind as ProgramKind,
    generation: row.generation as number,
    island: row.island as number,
    parentId: row.parent_id as number | null,
    combinedScore: row.combined_score as number,
    correct: row.correct === 1,
    usd: row.usd as number,
    model: row.model as string | null,
    patchType: row.patch_type as string | null,
    fingerprint: row.fingerprint as string,
  };
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

  /** Open an existing database and its latest run; none is a user error ending in `hint`. */
  static openLatest(path: string, hint: string): { store: RunStore; run: RunRecord } {
    const store = RunStore.open(path);
    const run = store.latestRun();
    if (!run) {
      store.close();
      throw new UserError(`holds no run; ${hint}`, path);
    }
    return { store, run };
  }

  close(): void {
    this.db.close();
  }

  createRun(task: string, config: unknown, seed: number): number {
    const at = now();
    const info = this.db
      .prepare(
        'INSERT INTO runs (task, config, seed, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(task, JSON.stringify(config), seed, 'running', at, at);
    return Number(info.lastInsertRowid);
  }

  /** The most recent run, or null for an empty database. */
  latestRun(): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get() as
      Row | undefined;
    return row ? toRun(row) : null;
  }

  /** Every run, newest first. */
  runs(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as Row[]).map(toRun);
  }

  /** Run `id`, or null when the database has none such. */
  run(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRun(row) : null;
  }

  /** Program `id` of run `runId`, or null when the run has none such. */
  programOfRun(runId: number, id: number): ProgramRecord | null {
    const row = this.db
      .prepare('SELECT * FROM programs WHERE id = ? AND run_id = ?')
      .get(id, runId) as Row | undefined;
    return row ? toProgram(row) : null;
  }

  setStatus(runId: number, status: RunRecord['status']): void {
    this.db
      .prepare('UPDATE runs SET status = ?, updated_at = ? WHERE id = ?')
      .run(status, now(), runId);
  }

  /** Insert a program (logs clipped) and refresh the elite archive, atomically. */
  insertProgram(program: NewProgram, archiveSize: number): number {
    const insert = this.db.prepare(`INSERT INTO programs (
      run_id, kind, generation, slot, island, parent_id, second_parent_id, inspiration_ids, language,
      code, fingerprint, diff, patch_type, patch_attempts, model, temperature, prompt, response,
      public_metrics, private_metrics, combined_score, correct, text_feedback, stdout, stderr,
      eval_ms, llm_ms, input_tokens, output_tokens, usd, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const write = this.db.transaction((p: NewProgram): number => {
      const info = insert.run(
        p.runId,
        p.kind,
        p.generation,
        p.slot ?? 0,
        p.island,
        p.parentId,
        p.secondParentId,
        JSON.stringify(p.inspirationIds),
        p.language,
        p.code,
        p.fingerprint,
        p.diff,
        p.patchType,
        p.patchAttempts,
        p.model,
        p.temperature,
        p.prompt,
        p.response,
        JSON.stringify(p.publicMetrics),
        JSON.stringify(p.privateMetrics),
        p.combinedScore,
        p.correct ? 1 : 0,
        p.textFeedback,
        clip(p.stdout),
        clip(p.stderr),
        p.evalMs,
        p.llmMs,
        p.inputTokens,
        p.outputTokens,
        p.usd,
        now(),
      );
      this.refreshArchive(p.runId, archiveSize);
      return Number(info.lastInsertRowid);
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
    return toProgram(row);
  }

  programs(runId: number): ProgramRecord[] {
    return (
      this.db.prepare('SELECT * FROM programs WHERE run_id = ? ORDER BY id').all(runId) as Row[]
    ).map(toProgram);
  }

  summaries(runId: number): ProgramSummary[] {
    return (
      this.db
        .prepare(
          `SELECT id, kind, generation, island, parent_id, combined_score, correct, usd, model,
           patch_type, fingerprint FROM programs WHERE run_id = ? ORDER BY id`,
        )
        .all(runId) as Row[]
    ).map(toSummary);
  }

  /** The best correct program of the run, or null when none is correct. */
  best(runId: number): ProgramRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM programs WHERE run_id = ? AND correct = 1
         ORDER BY combined_score DESC, id ASC LIMIT 1`,
      )
      .get(runId) as Row | undefined;
    return row ? toProgram(row) : null;
  }

  /** Store an LLM reply the moment it arrives, before anything is done with it. */
  recordLlmCall(call: LlmCall): void {
    this.db
      .prepare(
        `INSERT INTO llm_calls (run_id, generation, attempt, request_key, model, reply,
           input_tokens, output_tokens, usd, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        call.runId,
        call.generation,
        call.attempt,
        call.requestKey,
        call.model,
        call.reply,
        call.inputTokens,
        call.outputTokens,
        call.usd,
        new Date().toISOString(),
      );
  }

  /** The reply already paid for to exactly this request of this generation's turn, if any. */
  llmCall(runId: number, generation: number, attempt: number, requestKey: string): LlmCall | null {
    const row = this.db
      .prepare(
        `SELECT * FROM llm_calls WHERE run_id = ? AND generation = ? AND attempt = ?
           AND request_key = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(runId, generation, attempt, requestKey) as Row | undefined;
    if (!row) return null;
    return {
      runId: row.run_id as number,
      generation: row.generation as number,
      attempt: row.attempt as number,
      requestKey: row.request_key as string,
      model: row.model as string,
      reply: row.reply as string,
      inputTokens: row.input_tokens as number,
      outputTokens: row.output_tokens as number,
      usd: row.usd as number,
    };
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
    this.db
      .prepare('INSERT INTO events (run_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)')
      .run(runId, now(), kind, message, JSON.stringify(data));
  }

  events(runId: number, kind?: string): EventRecord[] {
    const rows = (
      kind
        ? this.db
            .prepare('SELECT * FROM events WHERE run_id = ? AND kind = ? ORDER BY id')
            .all(runId, kind)
        : this.db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId)
    ) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as string,
      kind: r.kind as string,
      message: r.message as string,
      data: JSON.parse(r.data as string),
    }));
  }

  addMeta(runId: number, meta: Omit<MetaRecord, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO meta (run_id, after_programs, summaries, insights, recommendations, usd, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        meta.afterPrograms,
        meta.summaries,
        meta.insights,
        meta.recommendations,
        meta.usd,
        now(),
      );
  }

  latestMeta(runId: number): MetaRecord | null {
    const row = this.db
      .prepare('SELECT * FROM meta WHERE run_id = ? ORDER BY id DESC LIMIT 1')
      .get(runId) as Row | undefined;
    if (!row) return null;
    return {
      afterPrograms: row.after_programs as number,
      summaries: row.summaries as string,
      insights: row.insights as string,
      recommendations: row.recommendations as string,
      usd: row.usd as number,
      createdAt: row.created_at as string,
    };
  }
}
