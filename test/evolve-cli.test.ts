import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { RunStore, WITHOUT_LINEAGE } from '../src/evolve/database/store.js';
import { resolveTask } from '../src/evolve/tasks/index.js';
import { MAIN, ROOT, startEvoplace, type CliRun } from './cli.js';
import { mockConfig, runDir } from './support/evolve-run.js';
import { copyProgram } from './support/ui.js';
import { startMockLlmServer, type MockLlmServer } from './support/mock-llm-server.js';
import { prismScript } from './support/prism-script.js';

let server: MockLlmServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Generations stored in a run database, in order (read-only, safe while a run writes). */
/** LLM replies stored in a run database (0 before it has its tables). */
function storedLlmCalls(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // The file exists a moment before its tables do.
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_calls'")
      .get();
    return table ? (db.prepare('SELECT count(*) AS n FROM llm_calls').get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

function storedGenerations(path: string): number[] {
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare('SELECT generation FROM programs ORDER BY generation').all() as {
        generation: number;
      }[]
    ).map((r) => r.generation);
  } catch {
    return [];
  } finally {
    db.close();
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cliEnv = { PATH: process.env.PATH ?? '', OPENAI_API_KEY: 'sk-test-never-shown' };

function runArgs(db: string, generations: number): string[] {
  return [
    'evolve',
    'run',
    '--task',
    'prism',
    '--db',
    db,
    '--llm',
    `${server!.baseUrl}/v1#mock-coder`,
    '--generations',
    String(generations),
    '--concurrency',
    '1,1',
    '--seed',
    '3',
  ];
}

describe('evoplace evolve (CLI)', () => {
  it('stops cleanly on SIGTERM as on Ctrl-C: exit 0, the generations in flight stored, no lock left', async () => {
    server = await startMockLlmServer(prismScript());
    const db = join(runDir(), 'termed.db');
    const run = startEvoplace(runArgs(db, 400), cliEnv);
    await until(() => storedGenerations(db).length >= 3, 60_000);
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/interrupted: finishing the generations in flight/);
    expect(result.stderr).toMatch(/stopped by interrupt/);
    const stored = storedGenerations(db);
    expect(stored).toEqual(stored.map((_, i) => i));
    expect(stored.length).toBeLessThan(401);
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it('resumes a run killed with SIGKILL mid-generation: every generation once, as many as without the kill', async () => {
    server = await startMockLlmServer(prismScript());
    const dir = runDir();
    const killed = join(dir, 'killed.db');
    const run = startEvoplace(runArgs(killed, 8), cliEnv);
    // Kill while generation 4's child is evaluated: its reply received and kept, the child
    // not yet stored.
    const chats = (): number =>
      server!.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    await until(
      () => storedLlmCalls(killed) === 4 && storedGenerations(killed).length === 4,
      60_000,
    );
    run.child.kill('SIGKILL');
    await run.done;
    // The database still says running; status says its process is gone and how to go on.
    const dead = await startEvoplace(['evolve', 'status', '--db', killed], cliEnv).done;
    expect(dead.stderr).toContain(
      `running (process ${run.child.pid} gone): resume with "evoplace evolve resume --db ${killed}"`,
    );
    const deadJson = await startEvoplace(['evolve', 'status', '--db', killed, '--json'], cliEnv)
      .done;
    expect(JSON.parse(deadJson.stdout)).toMatchObject({
      status: 'running',
      process: { pid: run.child.pid, alive: false },
    });
    const before = storedGenerations(killed);
    expect(before.length).toBeLessThan(9);
    const resumed = await startEvoplace(['evolve', 'resume', '--db', killed], cliEnv).done;
    expect(resumed.code).toBe(0);
    expect(storedGenerations(killed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // Resume reused generation 4's reply: one question per generation, none asked twice.
    expect(chats()).toBe(8);
    expect(storedLlmCalls(killed)).toBe(8);

    const whole = join(dir, 'whole.db');
    const uninterrupted = await startEvoplace([...runArgs(whole, 8), '--json'], cliEnv).done;
    expect(uninterrupted.code).toBe(0);
    expect(storedGenerations(whole)).toEqual(storedGenerations(killed));
    expect(JSON.parse(uninterrupted.stdout)).toMatchObject({
      stoppedBy: 'generations',
      generationsDone: 8,
    });

    const status = await startEvoplace(['evolve', 'status', '--db', killed, '--json'], cliEnv).done;
    expect(JSON.parse(status.stdout)).toMatchObject({
      process: null,
      status: 'finished',
      generationsDone: 8,
      generations: 8,
    });
    const best = join(dir, 'best.ts');
    expect(
      (await startEvoplace(['evolve', 'best', '--db', killed, '--out', best], cliEnv).done).code,
    ).toBe(0);
    expect(readFileSync(best, 'utf8')).toContain('EVOLVE-BLOCK-START');
    const exported = await startEvoplace(['evolve', 'export', '--db', killed], cliEnv).done;
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { generation: number });
    expect(rows.map((r) => r.generation).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(exported.stdout).not.toContain('sk-test-never-shown');
  }, 120_000);

  it('refuses bad input with exit 2 and a message naming the flag, writing no database', async () => {
    server = await startMockLlmServer(prismScript());
    const dir = runDir();
    const db = join(dir, 'bad.db');
    const cases: [string[], RegExp][] = [
      [['evolve', 'run', '--task', 'prism', '--db', db], /--llm/],
      [['evolve', 'run', '--task', 'prism', '--db', db, '--llm', 'nonsense'], /nonsense/],
      [[...runArgs(db, 2).slice(0, -4), '--concurrency', '0,2'], /--concurrency/],
      [[...runArgs(db, 2), '--generations', '-1'], /--generations/],
      [[...runArgs(db, 2), '--wall-clock-sec', '0'], /--wall-clock-sec/],
      [[...runArgs(db, 2), '--wall-clock-sec', 'NaN'], /--wall-clock-sec/],
      [
        ['evolve', 'run', '--task', join(dir, 'missing'), '--db', db, '--llm', 'openai:gpt-4.1'],
        /evolve\.yaml/,
      ],
      [['evolve', 'status', '--db', join(dir, 'absent.db')], /absent\.db/],
      [['evolve', 'run', '--task', 'prism', '--llm', 'openai:gpt-4.1'], /--db/],
      // A budget cannot cap calls it has no price for.
      [
        [...runArgs(db, 2), '--budget-usd', '1'],
        /--budget-usd: .*llm\.prices has none for http:\/\/127\.0\.0\.1:\d+\/v1#mock-coder .*--config FILE\.yaml, e\.g\. "llm: \{ prices:/,
      ],
      // What a run is cannot change on resume.
      [
        ['evolve', 'resume', '--db', db, '--llm', 'openai:gpt-4.1'],
        /--llm is for "evolve run" only: a resumed run keeps the task, LLMs and settings \(--config\) it started with; resume takes --db, --generations, --budget-usd, --wall-clock-sec, --json, --redis, --queue/,
      ],
      [['evolve', 'resume', '--db', db, '--config', 'x.yaml'], /--config is for "evolve run" only/],
    ];
    for (const [args, message] of cases) {
      const result = await startEvoplace(args, cliEnv).done;
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(db)).toBe(false);
    }
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'wallClockSec: -5\n');
    const negative = await startEvoplace([...runArgs(db, 2), '--config', config], cliEnv).done;
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/config\.yaml:1: wallClockSec/);
    writeFileSync(config, 'islands: 100\n');
    const bad = await startEvoplace([...runArgs(db, 2), '--config', config], cliEnv).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/config\.yaml:1: islands/);
    // A mistake deeper in the file is named with its line, and a misspelt provider is caught.
    writeFileSync(config, 'seed: 3\nllm:\n  baseUrls:\n    opnai: http://127.0.0.1:9/v1\n');
    const misspelt = await startEvoplace([...runArgs(db, 2), '--config', config], cliEnv).done;
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(
      /config\.yaml:4: llm\.baseUrls\.opnai: names no provider or model of the run; did you mean "openai"\?/,
    );
    // No key for the model: refused before the database is written.
    const keyless = await startEvoplace(
      ['evolve', 'run', '--task', 'prism', '--db', db, '--llm', 'openai:gpt-4.1'],
      { PATH: process.env.PATH ?? '' },
    ).done;
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/no API key: set the environment variable OPENAI_API_KEY/);
    expect(existsSync(db)).toBe(false);
    const directory = await startEvoplace(runArgs(dir, 2), cliEnv).done;
    expect(directory.stderr).toMatch(/is a directory; name a database file in it/);
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, '');
    const taken = await startEvoplace(runArgs(existing, 2), cliEnv).done;
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/evolve resume/);
  }, 60_000);

  it('resume raises a run’s limits: more budget once it is spent, more generations once it finished', async () => {
    server = await startMockLlmServer(prismScript());
    const dir = runDir();
    const db = join(dir, 'limits.db');
    const prices = join(dir, 'prices.yaml');
    writeFileSync(
      prices,
      `llm:\n  maxTokens: 1000\n  prices:\n    '${server.baseUrl}/v1#mock-coder': { inputPerMTok: 3, outputPerMTok: 15 }\n`,
    );
    const outcome = async (args: string[]) => {
      const result = await startEvoplace([...args, '--json'], cliEnv).done;
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { stoppedBy: string; generationsDone: number };
    };
    const resume = ['evolve', 'resume', '--db', db];
    // A call's worst case here is about $0.045: $0.06 holds one generation, then no more.
    const first = await outcome([...runArgs(db, 6), '--budget-usd', '0.06', '--config', prices]);
    expect(first.stoppedBy).toBe('budget');
    expect(first.generationsDone).toBeGreaterThan(0);
    expect(first.generationsDone).toBeLessThan(6);
    // Without a new limit the budget is still spent: nothing more is done.
    expect(await outcome(resume)).toMatchObject({
      stoppedBy: 'budget',
      generationsDone: first.generationsDone,
    });
    // A budget below what was spent, or fewer generations than the run holds: refused.
    for (const [flag, value] of [
      ['--budget-usd', '0.001'],
      ['--generations', '0'],
    ] as const) {
      const refused = await startEvoplace([...resume, flag, value], cliEnv).done;
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`${flag}: the run (has spent|already holds)`));
    }
    expect(await outcome([...resume, '--budget-usd', '1'])).toMatchObject({
      stoppedBy: 'generations',
      generationsDone: 6,
    });
    // A finished run given more generations evolves on; status shows the new limits.
    expect(await outcome([...resume, '--generations', '8'])).toMatchObject({
      stoppedBy: 'generations',
      generationsDone: 8,
    });
    const status = await startEvoplace(['evolve', 'status', '--db', db, '--json'], cliEnv).done;
    expect(JSON.parse(status.stdout)).toMatchObject({ generations: 8, budgetUsd: 1 });
    const store = RunStore.open(db);
    const events = store.events(store.latestRun()!.id, 'limits').map((e) => e.message);
    // The resume that stopped again at once added no second budget event.
    expect(store.events(store.latestRun()!.id, 'budget')).toHaveLength(1);
    store.close();
    expect(events).toEqual(['resumed with budgetUsd 0.06 → 1', 'resumed with generations 6 → 8']);
  }, 120_000);

  it('resume checks new limits against a run of more programs than a call takes arguments', async () => {
    const db = join(runDir(), 'long.db');
    const store = RunStore.create(db);
    const runId = store.createRun('prism', mockConfig('http://127.0.0.1:9'), 1);
    store.insertProgram(
      {
        ...WITHOUT_LINEAGE,
        runId,
        kind: 'initial',
        generation: 0,
        island: 0,
        language: 'typescript',
        code: '',
        fingerprint: '',
        publicMetrics: {},
        privateMetrics: {},
        combinedScore: 0,
        correct: false,
        textFeedback: '',
        stdout: '',
        stderr: '',
        evalMs: 0,
      },
      1,
    );
    // 200 000 failed proposals, copies of that row: a spread of their generations overflows.
    copyProgram(store, 200_000, { generation: 'n', kind: "'failed'" });
    store.close();
    const refused = await startEvoplace(
      ['evolve', 'resume', '--db', db, '--generations', '10'],
      cliEnv,
    ).done;
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/--generations: the run already holds generation 200000/);
  });

  it('an LLM that cannot be reached stops the run (exit 4, a service failed), stopped and resumable, its generations not counted', async () => {
    const dir = runDir();
    const db = join(dir, 'unreachable.db');
    const config = join(dir, 'no-retries.yaml');
    writeFileSync(config, 'llm:\n  maxRetries: 0\n');
    const args = [
      'evolve',
      'run',
      '--task',
      'prism',
      '--db',
      db,
      '--llm',
      'http://127.0.0.1:1/v1#x',
    ];
    const ran = await startEvoplace([...args, '--generations', '3', '--config', config], cliEnv)
      .done;
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(
      /the LLM cannot be reached: .*how long a reply may take \(llm.timeoutSec, \d+ s\).*evoplace evolve resume --db/,
    );
    expect(ran.stderr).not.toMatch(/\n\s+at /);
    const status = await startEvoplace(['evolve', 'status', '--db', db, '--json'], cliEnv).done;
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'stopped',
      generationsDone: 0,
      failedProposals: 0,
      process: null,
    });
    // Still unreachable: the resume stops the same way, and still counts nothing as done.
    const resumed = await startEvoplace(['evolve', 'resume', '--db', db], cliEnv).done;
    expect(resumed.code).toBe(4);
    expect(resumed.stderr).toMatch(/the LLM cannot be reached/);
    expect(storedGenerations(db)).toEqual([0]);
  }, 60_000);

  it('holdout: the run’s best programs scored again on held-out cases', async () => {
    server = await startMockLlmServer(prismScript());
    const db = join(runDir(), 'holdout.db');
    const ran = await startEvoplace([...runArgs(db, 3), '--held-out-every', '2', '--json'], cliEnv)
      .done;
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/after generation 2, best program \d+: [\d.]+ on held-out cases/);
    // The finished run scored its best program on the held-out cases already.
    const outcome = JSON.parse(ran.stdout) as {
      bestScore: number;
      heldOut: { programId: number; runScore: number; combinedScore: number };
    };
    expect(outcome.heldOut).toMatchObject({ runScore: outcome.bestScore, correct: true });
    expect(ran.stderr).toMatch(/best program \d+: [\d.]+ on held-out cases/);
    const status = await startEvoplace(['evolve', 'status', '--db', db, '--json'], cliEnv).done;
    const statusJson = JSON.parse(status.stdout) as {
      heldOut: unknown;
      heldOutChecks: { generation: number; runScore: number }[];
    };
    expect(statusJson.heldOut).toEqual(outcome.heldOut);
    expect(statusJson.heldOutChecks.map((c) => c.generation)).toEqual([2]);
    const result = await startEvoplace(
      ['evolve', 'holdout', '--db', db, '--top', '10', '--json'],
      cliEnv,
    ).done;
    expect(result.code, result.stderr).toBe(0);
    const { programs } = JSON.parse(result.stdout) as {
      programs: {
        programId: number;
        kind: string;
        runScore: number;
        holdout: { combinedScore: number; correct: boolean };
      }[];
    };
    // Every program of the run is correct and distinct: the initial one and three children.
    expect(programs).toHaveLength(4);
    const scores = programs.map((p) => p.runScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The initial program (the seed greedy) scores on the held-out cases what it scores when
    // evaluated here independently.
    const initial = programs.find((p) => p.kind === 'initial')!;
    const task = resolveTask('prism', 'holdout');
    const limits = { timeoutMs: 20_000, memoryMb: 1024, maxOutputBytes: 1 << 20 };
    expect(initial.holdout.combinedScore).toBe(
      (await task.evaluate(task.initialProgram, limits)).combinedScore,
    );
    expect(initial.holdout.combinedScore).not.toBe(initial.runScore);
    // The scripted improvement holds on cases it never saw.
    const improved = programs.find((p) => p.kind !== 'initial')!;
    expect(improved.holdout.correct).toBe(true);
    expect(improved.holdout.combinedScore).toBeGreaterThan(initial.holdout.combinedScore);
    expect(programs.find((p) => p.programId === outcome.heldOut.programId)!.holdout).toMatchObject({
      combinedScore: outcome.heldOut.combinedScore,
    });
    // Each score is kept in the database, beside its program, for the dashboard.
    const store = RunStore.open(db);
    const kept = store.heldOutScores(store.latestRun()!.id);
    store.close();
    expect(kept.size).toBe(4);
    for (const p of programs)
      expect(kept.get(p.programId)).toMatchObject({
        combinedScore: p.holdout.combinedScore,
        correct: p.holdout.correct,
      });
    const exported = await startEvoplace(['evolve', 'export', '--db', db], cliEnv).done;
    for (const line of exported.stdout.trim().split('\n')) {
      const p = JSON.parse(line) as { id: number; heldOut: { combinedScore: number } | null };
      expect(p.heldOut?.combinedScore).toBe(kept.get(p.id)?.combinedScore);
    }
    const table = await startEvoplace(['evolve', 'holdout', '--db', db, '--top', '1'], cliEnv).done;
    expect(table.stderr).toMatch(/held-out score/);
    // The run has no prices: a budget given on resume could cap nothing.
    const budget = await startEvoplace(
      ['evolve', 'resume', '--db', db, '--generations', '4', '--budget-usd', '1'],
      cliEnv,
    ).done;
    expect(budget.code).toBe(2);
    expect(budget.stderr).toMatch(/keeps the prices it started with: resume without --budget-usd/);
    const events = RunStore.open(db);
    expect(events.events(events.latestRun()!.id, 'limits')).toHaveLength(0);
    events.close();
  }, 60_000);

  it('holdout: an external task without evaluate_holdout has no held-out cases (exit 2)', async () => {
    server = await startMockLlmServer([
      '<<<<<<< SEARCH\n    return 0.0\n=======\n    return 1.0\n>>>>>>> REPLACE',
    ]);
    const db = join(runDir(), 'external.db');
    const task = fileURLToPath(new URL('fixtures/shinka-task', import.meta.url));
    const args = [
      'evolve',
      'run',
      '--task',
      task,
      '--db',
      db,
      '--llm',
      `${server.baseUrl}/v1#mock-coder`,
      '--generations',
      '0',
    ];
    // Held-out checks on a task without held-out cases: refused, nothing written.
    const checks = await startEvoplace([...args, '--held-out-every', '1'], cliEnv).done;
    expect(checks.code).toBe(2);
    expect(checks.stderr).toMatch(/--held-out-every: the task has no held-out cases/);
    expect(existsSync(db)).toBe(false);
    expect((await startEvoplace(args, cliEnv).done).code).toBe(0);
    const result = await startEvoplace(['evolve', 'holdout', '--db', db], cliEnv).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /evolve\.yaml: declares no held-out cases: add "evaluate_holdout/,
    );
  }, 60_000);
});

describe('evolve resume and holdout, experiment run: a database this user cannot write', () => {
  /**
   * The CLI as a user who cannot write what a test made read-only: root may write anything, so
   * where the tests run as root it runs as nobody (whose way in the folders is opened).
   */
  const asUser = (args: string[]): CliRun => {
    const root = process.getuid?.() === 0;
    const command = root
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]
      : [process.execPath];
    const run = spawnSync(command[0]!, [...command.slice(1), MAIN, ...args], {
      encoding: 'utf8',
      env: cliEnv,
    });
    return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
  };

  it.each([
    ['the file', (db: string) => chmodSync(db, 0o444), /run\.db: cannot be written; /],
    [
      'its folder',
      (db: string) => {
        chmodSync(db, 0o666);
        chmodSync(dirname(db), 0o555);
      },
      /run\.db: is in a folder that cannot be written \(.*\); /,
    ],
  ])('%s read-only: refused before anything runs, exit 2', (_, lock, message) => {
    const dir = runDir();
    chmodSync(tmpdir(), 0o711);
    chmodSync(dir, 0o755);
    const db = join(dir, 'run.db');
    const store = RunStore.create(db);
    store.createRun('prism', mockConfig('http://127.0.0.1:9'), 1);
    store.close();
    // An experiment spec of its own (without promotion, which writes beside the spec).
    const specDir = runDir();
    chmodSync(specDir, 0o755);
    const spec = join(specDir, 'spec.yaml');
    const builtIn = readFileSync(join(ROOT, 'experiments/gpu-colocation.yaml'), 'utf8');
    writeFileSync(spec, builtIn.slice(0, builtIn.indexOf('promotion:')));
    lock(db);
    for (const command of [
      ['evolve', 'resume'],
      ['evolve', 'holdout'],
      ['experiment', 'run', spec],
    ]) {
      const result = asUser([...command, '--db', db]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/make (it|its folder) writable, or copy the database/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // Reading needs SQLite's -shm beside the database: where it cannot be made, said so.
    const status = asUser(['evolve', 'status', '--db', db]);
    if (status.code !== 0) {
      expect(status.code, status.stderr).toBe(2);
      expect(status.stderr).toMatch(/run\.db: cannot be opened where it is: SQLite keeps files/);
    }
    chmodSync(dir, 0o755);
  });
});
