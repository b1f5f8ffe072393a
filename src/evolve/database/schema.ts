import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { makeFolders } from '../../core/atomic.js';
import { UserError } from '../../core/errors.js';

/**
 * Bumped when the tables change. A database of an older version that MIGRATIONS can bring up
 * to date is migrated when opened; any other version is refused.
 */
export const SCHEMA_VERSION = 4;

/**
 * Every LLM reply as soon as it arrives (version 2): a run killed while the child is evaluated
 * reuses the reply on resume instead of paying for it twice, and what was spent on generations
 * that never got stored still counts against the budget.
 */
const LLM_CALLS_DDL = `
CREATE TABLE IF NOT EXISTS llm_calls (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  generation INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  request_key TEXT NOT NULL,
  model TEXT NOT NULL,
  reply TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  usd REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS llm_calls_by_generation ON llm_calls(run_id, generation, attempt);
`;

/**
 * Programs scored again on the task's held-out cases (version 3): by `evolve holdout`, and by a
 * run that finished (its best and its initial program). One row per program, the latest.
 */
const HELD_OUT_DDL = `
CREATE TABLE IF NOT EXISTS held_out_scores (
  program_id INTEGER PRIMARY KEY REFERENCES programs(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  combined_score REAL NOT NULL,
  correct INTEGER NOT NULL,
  public_metrics TEXT NOT NULL,
  text_feedback TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

/**
 * What a generation chose before it asked anything (version 4): its island, parent,
 * inspirations, patch type, model and prompt, and the turns of its conversation so far (each
 * reply that failed and the retry prompt sent back), kept until its program is stored. A run
 * killed with generations in flight redoes them from these on resume, so each asks exactly what
 * it asked before and gets its stored replies back: drawn afresh, the choices would see the
 * programs stored since (other generations finished meanwhile), and a retry's reason (a twin of
 * a program in flight) could read differently, asking and paying for another question.
 */
const DRAFTS_DDL = `
CREATE TABLE IF NOT EXISTS drafts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  generation INTEGER NOT NULL,
  island INTEGER NOT NULL,
  parent_id INTEGER NOT NULL REFERENCES programs(id),
  second_parent_id INTEGER REFERENCES programs(id),
  inspiration_ids TEXT NOT NULL,
  patch_type TEXT NOT NULL,
  model TEXT NOT NULL,
  temperature REAL NOT NULL,
  system_prompt TEXT NOT NULL,
  user_prompt TEXT NOT NULL,
  turns TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, generation)
);
`;

/** From version k to k + 1, by k. */
const MIGRATIONS: Record<number, string> = { 1: LLM_CALLS_DDL, 2: HELD_OUT_DDL, 3: DRAFTS_DDL };

const DDL = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  task TEXT NOT NULL,
  config TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS programs (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  kind TEXT NOT NULL,
  generation INTEGER NOT NULL,
  slot INTEGER NOT NULL DEFAULT 0,
  island INTEGER NOT NULL,
  parent_id INTEGER REFERENCES programs(id),
  second_parent_id INTEGER REFERENCES programs(id),
  inspiration_ids TEXT NOT NULL,
  language TEXT NOT NULL,
  code TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  diff TEXT NOT NULL,
  patch_type TEXT,
  patch_attempts INTEGER NOT NULL,
  model TEXT,
  temperature REAL,
  prompt TEXT,
  response TEXT,
  public_metrics TEXT NOT NULL,
  private_metrics TEXT NOT NULL,
  combined_score REAL NOT NULL,
  correct INTEGER NOT NULL,
  text_feedback TEXT NOT NULL,
  stdout TEXT NOT NULL,
  stderr TEXT NOT NULL,
  eval_ms REAL NOT NULL,
  llm_ms REAL NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  usd REAL NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS programs_generation
  ON programs(run_id, generation, slot);
CREATE INDEX IF NOT EXISTS programs_island ON programs(run_id, island, correct, combined_score);
CREATE TABLE IF NOT EXISTS archive (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  program_id INTEGER NOT NULL REFERENCES programs(id),
  PRIMARY KEY (run_id, program_id)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT NOT NULL
);
${LLM_CALLS_DDL}
${HELD_OUT_DDL}
${DRAFTS_DDL}
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  after_programs INTEGER NOT NULL,
  summaries TEXT NOT NULL,
  insights TEXT NOT NULL,
  recommendations TEXT NOT NULL,
  usd REAL NOT NULL,
  created_at TEXT NOT NULL
);
`;

/**
 * Open (creating when asked, with its folder) a run database in WAL mode. Refuses a file that
 * is not an evoplace database, naming the file.
 */
export function openDatabase(path: string, create: boolean): Database.Database {
  let db: Database.Database;
  try {
    if (create) makeFolders(dirname(path));
    db = new Database(path, { fileMustExist: !create });
  } catch (error) {
    throw new UserError(
      `${path}: cannot open the run database (${(error as Error).message}); ` +
        (create ? 'check its folder can be written' : 'start a run with `evolve run`'),
    );
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
      .get() as {
      n: number;
    };
    if (version === 0 && tables.n > 0)
      throw new UserError(`${path}: not an evoplace run database (it has other tables)`);
    // Opening to read must not turn an empty file into a database.
    if (version === 0 && !create)
      throw new UserError(`${path}: holds no run database (empty); start a run first`);
    if (version > SCHEMA_VERSION || (version !== 0 && !upgradable(version)))
      throw new UserError(
        `${path}: run database version ${version}, this evoplace reads version ${SCHEMA_VERSION}` +
          (version > SCHEMA_VERSION
            ? '; a newer evoplace made it (upgrade evoplace to read it), or its header is damaged'
            : '; it is too old to migrate: start a new run'),
      );
    // Only now, with the file known to be ours (or ours to make), is anything written to it.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (version === 0) {
      db.exec(DDL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } else migrate(db, version);
    const missing = missingColumn(db);
    if (missing)
      throw new UserError(
        `${path}: not a usable run database: ${missing} is missing (edited or damaged); start a new run`,
      );
    return db;
  } catch (error) {
    db.close();
    if (error instanceof UserError) throw error;
    if ((error as { code?: string }).code?.startsWith('SQLITE_READONLY'))
      throw new UserError(
        `${path}: cannot be opened where it is: SQLite keeps files beside a run database (-wal, -shm), even to read it, and the database or its folder cannot be written; make them writable, or copy the database somewhere that is`,
      );
    throw new UserError(`${path}: not a usable SQLite database (${(error as Error).message})`);
  }
}

/** Each table of DDL and its columns, as SQLite reports them. */
type Tables = Map<string, Set<string>>;

function tablesOf(db: Database.Database): Tables {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all() as string[];
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
  return new Map(names.map((name) => [name, new Set(columns.all(name) as string[])]));
}

/** The tables of this version, made once from DDL itself, so the check cannot drift from it. */
let expectedTables: Tables | null = null;

/**
 * The first table or column (`table runs`, `column events.data`) this version's queries need
 * and the database lacks, or null: a table dropped or altered by hand would otherwise fail
 * the first query that reads it, in SQLite's words and mid-command.
 */
function missingColumn(db: Database.Database): string | null {
  if (!expectedTables) {
    const model = new Database(':memory:');
    model.exec(DDL);
    expectedTables = tablesOf(model);
    model.close();
  }
  const actual = tablesOf(db);
  for (const [table, columns] of expectedTables) {
    const found = actual.get(table);
    if (!found) return `table ${table}`;
    for (const column of columns) if (!found.has(column)) return `column ${table}.${column}`;
  }
  return null;
}

/** Whether MIGRATIONS lead from `version` to SCHEMA_VERSION. */
function upgradable(version: number): boolean {
  for (let v = version; v < SCHEMA_VERSION; v++) if (MIGRATIONS[v] === undefined) return false;
  return true;
}

/** Bring a database of `version` up to SCHEMA_VERSION, one version per transaction. */
function migrate(db: Database.Database, version: number): void {
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
