import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { RunStore, type NewProgram } from './store.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'evoplace-store-'));

function newProgram(runId: number, generation: number, score: number, correct = true): NewProgram {
  return {
    runId,
    kind: generation === 0 ? 'initial' : 'proposal',
    generation,
    island: generation % 2,
    parentId: generation === 0 ? null : 1,
    secondParentId: null,
    inspirationIds: [],
    language: 'typescript',
    code: `// ${generation}`,
    fingerprint: String(generation),
    diff: '',
    patchType: generation === 0 ? null : 'diff',
    patchAttempts: 1,
    model: 'm',
    temperature: 0.5,
    prompt: null,
    response: null,
    publicMetrics: { a: generation },
    privateMetrics: {},
    combinedScore: score,
    correct,
    textFeedback: '',
    stdout: 'x'.repeat(100_000),
    stderr: '',
    evalMs: 1,
    llmMs: 2,
    inputTokens: 3,
    outputTokens: 4,
    usd: 0.25,
  };
}

describe('RunStore', () => {
  it('round-trips programs, keeps the archive to the best correct ones, sums costs', () => {
    const path = join(dir(), 'run.db');
    const store = RunStore.create(path);
    const runId = store.createRun('prism', { generations: 3 }, 1);
    store.insertProgram(newProgram(runId, 0, 1), 2);
    store.insertProgram(newProgram(runId, 1, 5), 2);
    store.insertProgram(newProgram(runId, 2, 9, false), 2);
    store.insertProgram(newProgram(runId, 3, 3), 2);
    expect(store.archive(runId)).toEqual([2, 4]);
    expect(store.best(runId)!.id).toBe(2);
    expect(store.program(2).publicMetrics).toEqual({ a: 1 });
    expect(store.program(2).stdout.length).toBeLessThan(100_000);
    expect(store.spentUsd(runId)).toBe(1);
    store.close();
    const reopened = RunStore.open(path);
    expect(reopened.latestRun()).toMatchObject({
      task: 'prism',
      config: { generations: 3 },
      seed: 1,
    });
    expect(reopened.summaries(runId).map((p) => p.generation)).toEqual([0, 1, 2, 3]);
    expect(() => reopened.insertProgram(newProgram(runId, 3, 4), 2)).toThrow(/UNIQUE/);
    reopened.close();
  });

  it('reads a page of a run: its programs in generation order, its events oldest first', () => {
    const store = RunStore.create(join(dir(), 'run.db'));
    const [a, b] = [store.createRun('prism', {}, 1), store.createRun('prism', {}, 2)];
    // Stored out of generation order (resumed workers), the two runs interleaved.
    for (const generation of [3, 0, 4, 1, 2]) {
      store.insertProgram(newProgram(a, generation, generation), 2);
      store.insertProgram(newProgram(b, generation, 0), 2);
      store.addEvent(a, 'warning', `a ${generation}`);
      store.addEvent(b, 'warning', `b ${generation}`);
    }
    const slice = store.programSlice(a, { offset: 1, limit: 3 });
    // Run a's programs are the odd ids: generation 3 the first, 1 and 2 the last ones stored.
    expect(slice.map((p) => [p.generation, p.id])).toEqual([
      [1, 7],
      [2, 9],
      [3, 1],
    ]);
    expect(slice[0]).toMatchObject({
      code: '// 1',
      textFeedback: '',
      combinedScore: 1,
      correct: true,
    });
    expect(slice[0]).not.toHaveProperty('stdout');
    expect(store.programSlice(a, { offset: 4, limit: 3 }).map((p) => p.generation)).toEqual([4]);
    expect(store.programSlice(a, { offset: 5, limit: 3 })).toEqual([]);
    expect(store.eventCount(a)).toBe(5);
    expect(store.eventSlice(a, { offset: 3, limit: 10 }).map((e) => e.message)).toEqual([
      'a 1',
      'a 2',
    ]);
    store.close();
  });

  it('uses WAL and refuses files that are not run databases', () => {
    const d = dir();
    const store = RunStore.create(join(d, 'run.db'));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    const other = join(d, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => RunStore.open(other)).toThrow(UserError);
    const text = join(d, 'text.db');
    writeFileSync(text, 'hello, not sqlite at all, just text that is long enough to be a header');
    expect(() => RunStore.open(text)).toThrow(UserError);
    expect(() => RunStore.open(join(d, 'absent.db'))).toThrow(/evolve run/);
    // A new database gets its folder; a path through a file is the user's to fix.
    RunStore.create(join(d, 'runs', 'prism', 'run.db')).close();
    expect(() => RunStore.create(join(text, 'run.db'))).toThrow(
      /cannot open the run database .*check its folder can be written/,
    );
  });

  it('keeps every LLM reply: found again by its request, counted once in what was spent', () => {
    const path = join(dir(), 'run.db');
    const store = RunStore.create(path);
    const runId = store.createRun('prism', {}, 1);
    store.insertProgram({ ...newProgram(runId, 0, 1), usd: 0 }, 2);
    const call = {
      runId,
      generation: 1,
      attempt: 1,
      requestKey: 'k1',
      model: 'm',
      reply: 'SEARCH/REPLACE',
      inputTokens: 10,
      outputTokens: 20,
      usd: 0.5,
    };
    store.recordLlmCall(call);
    store.recordLlmCall({ ...call, generation: 2, usd: 0.25 });
    expect(store.llmCall(runId, 1, 1, 'k1')).toEqual(call);
    expect(store.llmCall(runId, 1, 1, 'other request')).toBeNull();
    expect(store.llmCall(runId, 1, 2, 'k1')).toBeNull();
    // Generation 2 was paid for but never stored (the run was killed): it still counts.
    expect(store.spentUsd(runId)).toBe(0.75);
    // Generation 1 stored, its program carrying the cost of its call: counted once.
    store.insertProgram({ ...newProgram(runId, 1, 2), usd: 0.5 }, 2);
    expect(store.spentUsd(runId)).toBe(0.75);
    store.close();
  });

  it('opening an empty file to read leaves it empty', () => {
    const path = join(dir(), 'empty.db');
    writeFileSync(path, '');
    expect(() => RunStore.open(path)).toThrow(/holds no run database \(empty\)/);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('refuses a database whose JSON columns were broken, naming the file (a user error)', () => {
    const path = join(dir(), 'run.db');
    const store = RunStore.create(path);
    store.createRun('prism', {}, 1);
    store.db.prepare("UPDATE runs SET config = '[[['").run();
    expect(() => store.runs()).toThrow(UserError);
    expect(() => store.latestRun()).toThrow(
      /not a usable run database: a row's config is not JSON/,
    );
    // Nesting no run writes is refused before anything walks it (it once overflowed the stack).
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    store.db.prepare('UPDATE runs SET config = ?').run(deep);
    expect(() => store.latestRun()).toThrow(/a row's config .*nests 100000 levels deep/);
    store.close();
  });

  it('finds damage that SQLite would otherwise find only on a write, before one', () => {
    const path = join(dir(), 'run.db');
    const store = RunStore.create(path);
    store.createRun('prism', {}, 1);
    store.requireIntact();
    store.close();
    // The header's count of free pages (bytes 36-39), as a flipped bit would leave it.
    const bytes = readFileSync(path);
    bytes[39] = 0xff;
    writeFileSync(path, bytes);
    const damaged = RunStore.open(path);
    expect(damaged.runs()).toHaveLength(1);
    expect(() => damaged.requireIntact()).toThrow(
      /^is damaged \(SQLite's check: .*[Ff]reelist.*\); recover what it holds with "sqlite3 FILE \.recover"/,
    );
    damaged.close();
  });

  it('refuses a database missing a table or column of its version, naming which', () => {
    const path = join(dir(), 'run.db');
    RunStore.create(path).close();
    for (const [sql, missing] of [
      ['ALTER TABLE events DROP COLUMN data', 'column events.data'],
      ['DROP TABLE runs', 'table runs'],
    ]) {
      const db = new Database(path);
      db.exec(sql!);
      db.close();
      expect(() => RunStore.open(path)).toThrow(
        `not a usable run database: ${missing} is missing (edited or damaged); start a new run`,
      );
    }
  });

  it('keeps the latest held-out score of each program, per run', () => {
    const store = RunStore.create(join(dir(), 'run.db'));
    const runId = store.createRun('prism', {}, 1);
    const other = store.createRun('prism', {}, 2);
    store.insertProgram(newProgram(runId, 0, 1), 2);
    store.insertProgram(newProgram(runId, 1, 5), 2);
    store.insertProgram(newProgram(other, 0, 1), 2);
    const score = (programId: number, combinedScore: number, correct = true) => ({
      programId,
      runId: programId === 3 ? other : runId,
      combinedScore,
      correct,
      publicMetrics: { cases: 50 },
      textFeedback: correct ? '' : 'case 3: over memory',
    });
    store.recordHeldOut(score(1, 0.5));
    store.recordHeldOut(score(2, 0.75));
    store.recordHeldOut(score(2, 0, false));
    store.recordHeldOut(score(3, 0.25));
    const held = store.heldOutScores(runId);
    expect([...held.keys()]).toEqual([1, 2]);
    expect(held.get(1)).toMatchObject(score(1, 0.5));
    expect(held.get(2)).toMatchObject(score(2, 0, false));
    expect(store.heldOutScores(other).get(3)!.combinedScore).toBe(0.25);
    store.close();
  });

  it("keeps a generation's draft until its program is stored", () => {
    const store = RunStore.create(join(dir(), 'run.db'));
    const runId = store.createRun('prism', {}, 1);
    const parentId = store.insertProgram(newProgram(runId, 0, 1), 2);
    const draft = {
      runId,
      generation: 1,
      island: 1,
      parentId,
      secondParentId: null,
      inspirationIds: [parentId],
      patchType: 'diff',
      model: 'mock',
      temperature: 0.7,
      systemPrompt: 'system',
      userPrompt: 'user',
      turns: [],
    };
    store.saveDraft(draft);
    expect(store.draft(runId, 1)).toEqual(draft);
    const turns = [
      { role: 'assistant' as const, content: 'a reply' },
      { role: 'user' as const, content: 'why it failed' },
    ];
    store.saveDraftTurns(runId, 1, turns);
    expect(store.draft(runId, 1)!.turns).toEqual(turns);
    store.saveDraft({ ...draft, model: 'other' });
    expect(store.draft(runId, 1)!.model).toBe('other');
    expect(store.draft(runId, 2)).toBeNull();
    store.insertProgram(newProgram(runId, 1, 2), 2);
    expect(store.draft(runId, 1)).toBeNull();
    store.close();
  });

  it('migrates a version 1 database (before LLM replies were kept), keeping its costs', () => {
    const path = join(dir(), 'run.db');
    const store = RunStore.create(path);
    const runId = store.createRun('prism', {}, 1);
    store.insertProgram(newProgram(runId, 1, 2), 2);
    store.close();
    const db = new Database(path);
    db.exec('DROP TABLE llm_calls; DROP TABLE held_out_scores; DROP TABLE drafts');
    db.pragma('user_version = 1');
    db.close();
    const migrated = RunStore.open(path);
    expect(migrated.db.pragma('user_version', { simple: true })).toBe(4);
    expect(migrated.spentUsd(runId)).toBe(0.25);
    expect(migrated.llmCall(runId, 1, 1, 'k')).toBeNull();
    expect(migrated.heldOutScores(runId).size).toBe(0);
    expect(migrated.draft(runId, 2)).toBeNull();
    migrated.close();
    const future = new Database(path);
    future.pragma('user_version = 99');
    future.close();
    expect(() => RunStore.open(path)).toThrow(
      /version 99, .*a newer evoplace made it \(upgrade evoplace to read it\), or its header is damaged/,
    );
    const negative = new Database(path);
    negative.pragma('user_version = -1');
    negative.close();
    expect(() => RunStore.open(path)).toThrow(/version -1, .* too old to migrate/);
  });
});
