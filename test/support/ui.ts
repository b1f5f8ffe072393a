import { RunStore, WITHOUT_LINEAGE, type NewProgram } from '../../src/evolve/database/store.js';
import { startEvoplace, type CliProcess } from '../cli.js';

/** What an LLM might write to break a page: markup in code, prompt and feedback. */
export const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';

/** What the run of `runDatabase` says of its best program on held-out cases. */
export const HELD_OUT_MESSAGE = "best program 2: 22.1 on held-out cases (22.3385 on the run's)";

/** A correct program of run `runId`, the one of its generation, with `extra` fields. */
export function storedProgram(
  runId: number,
  generation: number,
  extra: Partial<NewProgram>,
): NewProgram {
  return {
    ...WITHOUT_LINEAGE,
    runId,
    kind: 'proposal',
    generation,
    island: 0,
    language: 'typescript',
    code: `// generation ${generation}`,
    fingerprint: String(generation),
    publicMetrics: {},
    privateMetrics: {},
    combinedScore: 0,
    correct: true,
    textFeedback: '',
    stdout: '',
    stderr: '',
    evalMs: 1,
    ...extra,
  };
}

/**
 * Store `copies` more copies of the run's one program at once in SQL (a program at a time, a
 * run of 10⁵ takes minutes): the n-th copy (n = 1 … copies) takes, for each column of `columns`,
 * its SQL expression of n (`{ generation: 'n' }`).
 */
export function copyProgram(
  store: RunStore,
  copies: number,
  columns: Record<string, string>,
): void {
  const names = (store.db.pragma('table_info(programs)') as { name: string }[])
    .map((c) => c.name)
    .filter((name) => name !== 'id');
  const values = names.map((name) => columns[name] ?? name);
  store.db.exec(
    `WITH RECURSIVE copy(n) AS (SELECT 1 WHERE ${copies} > 0 UNION ALL
       SELECT n + 1 FROM copy WHERE n < ${copies})
     INSERT INTO programs (${names.join(', ')}) SELECT ${values.join(', ')} FROM programs, copy`,
  );
}

/**
 * A run database with one finished run of `task` (`experiment:NAME` for an experiment's) that
 * has more rows than a page shows: `programs` programs, one a generation, each the parameters
 * `{"n": generation}` and scoring its generation, and `events` events (`event 1`, `event 2`…).
 */
export function longRunDatabase(
  path: string,
  task: string,
  programs: number,
  events: number,
): string {
  const store = RunStore.create(path);
  const runId = store.createRun(task, {}, 1);
  store.setStatus(runId, 'finished');
  store.insertProgram(storedProgram(runId, 0, { code: '{"n":0}', combinedScore: 0 }), 4);
  copyProgram(store, programs - 1, {
    generation: 'n',
    code: "json_object('n', n)",
    fingerprint: 'n',
    combined_score: 'n',
  });
  store.db.transaction(() => {
    for (let e = 1; e <= events; e++) store.addEvent(runId, 'migration', `event ${e}`);
  })();
  store.close();
  return path;
}

/**
 * A run database with a prism run of three programs, one a failure, a warning, a held-out
 * event, and held-out scores of the first two programs (the first broke a rule there).
 */
export function runDatabase(path: string): string {
  const store = RunStore.create(path);
  const runId = store.createRun('prism', { generations: 3 }, 7);
  const program = (generation: number, extra: Partial<NewProgram>): NewProgram =>
    storedProgram(runId, generation, extra);
  store.insertProgram(program(0, { kind: 'initial', combinedScore: 21.89 }), 4);
  store.insertProgram(
    program(1, {
      parentId: 1,
      patchType: 'diff',
      model: 'mock-coder',
      temperature: 0.5,
      code: HOSTILE,
      prompt: HOSTILE,
      textFeedback: `feedback ${HOSTILE}`,
      combinedScore: 22.3385,
      usd: 0.01,
    }),
    4,
  );
  store.insertProgram(program(2, { kind: 'failed', parentId: 2, correct: false }), 4);
  store.addEvent(runId, 'warning', `scores never vary ${HOSTILE}`);
  store.addEvent(runId, 'holdout', HELD_OUT_MESSAGE, { programId: 2, combinedScore: 22.1 });
  store.addEvent(runId, 'holdout-check', 'after generation 1, best program 2: 22.1', {
    generation: 1,
    programId: 2,
    runScore: 22.3385,
    combinedScore: 22.1,
    correct: true,
  });
  const heldOut = { runId, publicMetrics: {} };
  store.recordHeldOut({
    ...heldOut,
    programId: 2,
    combinedScore: 22.1,
    correct: true,
    textFeedback: `held ${HOSTILE}`,
  });
  store.recordHeldOut({
    ...heldOut,
    programId: 1,
    combinedScore: 0,
    correct: false,
    textFeedback: 'case 4: over memory',
  });
  store.close();
  return path;
}

/** Start `evoplace ui` on a free port; resolves with the process and its address. */
export async function startUi(...args: string[]): Promise<{ ui: CliProcess; url: string }> {
  const ui = startEvoplace(['ui', ...args, '--port', '0']);
  const url = await new Promise<string>((found, failed) => {
    let stderr = '';
    ui.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /http:\/\/\S+\//.exec(stderr);
      if (match) found(match[0]);
    });
    ui.child.once('exit', () => failed(new Error(`ui exited: ${stderr}`)));
  });
  return { ui, url };
}
