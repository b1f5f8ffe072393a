import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../src/evolve/database/store.js';
import { runEvolution } from '../src/evolve/engine.js';
import { externalTask } from '../src/evolve/tasks/external.js';
import type { EvaluationRecord } from '../src/evolve/task.js';
import { heldOutTask, resolveTask } from '../src/evolve/tasks/index.js';
import type { MockChatRequest } from './support/mock-llm-server.js';
import { userErrorText } from './helpers.js';
import { mockConfig, runDir, runTask, useRunResources } from './support/evolve-run.js';
import { parentCode, prismScript } from './support/prism-script.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

const DIFF_ONLY = { diff: 1, full: 0, cross: 0 };

const running = useRunResources();

/** A scripted LLM that moves `return X` of the Python program to the next value of `xs`. */
function pythonScript(xs: number[]): (request: MockChatRequest) => string {
  let k = 0;
  return (request) => {
    const line = /^ {4}return .*$/m.exec(parentCode(request))![0];
    const x = xs[Math.min(k++, xs.length - 1)]!;
    return `Move x.\n<<<<<<< SEARCH\n${line}\n=======\n    return ${x}  # step ${k}\n>>>>>>> REPLACE`;
  };
}

describe('evolve: external ShinkaEvolve-style tasks', () => {
  it('runs a Python program and evaluate.py writing metrics.json and correct.json, unchanged', async () => {
    const server = await running.server(pythonScript([1, 2, 2.5, 3]));
    const task = externalTask(fixture('shinka-task'));
    expect(task.language).toBe('python');
    const run = await runTask(
      task,
      mockConfig(server.baseUrl, { generations: 4, islands: 1, patchTypes: DIFF_ONLY }),
    );
    const store = running.keep(run.store);
    const programs = store.programs(run.runId);
    expect(programs.find((p) => p.kind === 'initial')!.combinedScore).toBe(-9);
    const best = store.best(run.runId)!;
    expect(best.combinedScore).toBe(0);
    expect(best.publicMetrics).toEqual({ x: 3 });
    expect(best.privateMetrics).toEqual({ secret: 42 });
    expect(best.textFeedback).toBe('x = 3.0');
    expect(best.code).toContain('# EVOLVE-BLOCK-START');
  });

  it('an external task with evaluate_holdout: its best program is scored on the held-out cases', async () => {
    const server = await running.server(pythonScript([3]));
    const dir = fixture('holdout-task');
    const run = await runTask(
      externalTask(dir),
      mockConfig(server.baseUrl, { generations: 1, islands: 1, patchTypes: DIFF_ONLY }),
      undefined,
      heldOutTask(dir)!,
    );
    running.keep(run.store);
    // x = 3 is optimal on the run's target (score 0) and 1 off the held-out one (4): −1, where
    // the initial x = 0 scores −16.
    expect(run.outcome.heldOut).toMatchObject({
      runScore: 0,
      combinedScore: -1,
      correct: true,
      initialScore: -16,
    });
    expect(heldOutTask(fixture('shinka-task'))).toBeNull();
  });

  it('scores the best so far on the held-out cases every N generations, once per best', async () => {
    const server = await running.server(pythonScript([1, 3, 5]));
    const dir = fixture('holdout-task');
    const heldOut = heldOutTask(dir)!;
    let heldOutEvaluations = 0;
    const counted = {
      ...heldOut,
      evaluate: (code: string, limits: Parameters<typeof heldOut.evaluate>[1]) => {
        heldOutEvaluations++;
        return heldOut.evaluate(code, limits);
      },
    };
    const config = mockConfig(server.baseUrl, {
      generations: 3,
      islands: 1,
      patchTypes: DIFF_ONLY,
      evaluation: { heldOutEvery: 1 },
    });
    const run = await runTask(externalTask(dir), config, undefined, counted);
    const store = running.keep(run.store);
    const checks = () => store.events(run.runId, 'holdout-check').map((e) => e.data);
    const byGeneration = new Map(store.programs(run.runId).map((p) => [p.generation, p.id]));
    // x = 1, 3, 5 against the run's target 3 and the held-out 4: the best so far after each
    // generation is x = 1 (−4 here, −9 there), then x = 3 (0, −1) twice.
    expect(checks()).toEqual([
      {
        generation: 1,
        programId: byGeneration.get(1),
        runScore: -4,
        combinedScore: -9,
        correct: true,
      },
      {
        generation: 2,
        programId: byGeneration.get(2),
        runScore: 0,
        combinedScore: -1,
        correct: true,
      },
      {
        generation: 3,
        programId: byGeneration.get(2),
        runScore: 0,
        combinedScore: -1,
        correct: true,
      },
    ]);
    // Two checks evaluated (the third's best was scored already); the end scores the initial
    // program, its best being scored too.
    expect(heldOutEvaluations).toBe(3);
    expect(run.outcome.heldOut).toMatchObject({
      programId: byGeneration.get(2),
      combinedScore: -1,
      initialScore: -16,
    });
    await runEvolution({
      task: externalTask(dir),
      store,
      runId: run.runId,
      config,
      heldOut: counted,
      env: {},
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(checks()).toHaveLength(3);
  });

  it('reports a crashing Python program as incorrect, with the reason', async () => {
    const server = await running.server([
      '<<<<<<< SEARCH\n    return 0.0\n=======\n    raise ValueError("no x")\n>>>>>>> REPLACE',
    ]);
    const run = await runTask(
      externalTask(fixture('shinka-task')),
      mockConfig(server.baseUrl, { generations: 1, islands: 1, patchTypes: DIFF_ONLY }),
    );
    const store = running.keep(run.store);
    const child = store.programs(run.runId).find((p) => p.kind === 'proposal')!;
    expect(child.correct).toBe(false);
    expect(child.combinedScore).toBe(0);
    expect(child.textFeedback).toContain('ValueError: no x');
  });
});

describe('evolve: the built-in problem tasks through the engine', () => {
  it('llm: a patch that mixes GPU types in two-stage pipelines is kept as the best', async () => {
    const server = await running.server([readFileSync(fixture('llm-two-type-patch.txt'), 'utf8')]);
    const run = await runTask(
      resolveTask('llm'),
      mockConfig(server.baseUrl, { generations: 1, islands: 1, patchTypes: DIFF_ONLY }),
    );
    const store = running.keep(run.store);
    const [initial, mixed] = store.programs(run.runId);
    expect(initial!.publicMetrics).toMatchObject({ bestCases: 33, declinedCases: 4 });
    expect(mixed).toMatchObject({ correct: true });
    // Three of the four pools only a mix fits take two stages, as does the one pool the initial
    // program answered above the optimum: 37 optimal, the 2 infeasible pools declined rightly,
    // and 1 declined that needs three stages.
    expect(mixed!.publicMetrics).toMatchObject({ bestCases: 37, declinedCases: 1 });
    expect(mixed!.combinedScore).toBeCloseTo(39 / 40, 12);
    expect(store.best(run.runId)!.id).toBe(mixed!.id);
  });

  it('colocate: a patch that learns vLLM needs less slack than guessed is kept as the best', async () => {
    // First 2 GiB of slack, then none, each from whatever the parent guessed.
    const guesses = ['2', '0'];
    const server = await running.server((request) => {
      const line = /^const VLLM_OVERHEAD_GIB = .*;$/m.exec(parentCode(request))![0];
      const guess = guesses.shift()!;
      return `Guess vLLM's overheads anew.\n<<<<<<< SEARCH\n${line}\n=======\nconst VLLM_OVERHEAD_GIB = ${guess};\n>>>>>>> REPLACE`;
    });
    const run = await runTask(
      resolveTask('colocate'),
      mockConfig(server.baseUrl, { generations: 2, islands: 1, patchTypes: DIFF_ONLY }),
    );
    const store = running.keep(run.store);
    const [initial, tighter, reckless] = store.programs(run.runId);
    expect(initial!.combinedScore).toBeCloseTo(0.8881, 4);
    expect(tighter).toMatchObject({ correct: true });
    expect(tighter!.combinedScore).toBeCloseTo(0.9229, 4);
    // No slack: some configuration runs out of memory or misses its capacity, and says which.
    expect(reckless).toMatchObject({ correct: false, combinedScore: 0 });
    expect(reckless!.textFeedback).toMatch(/^case \d+: .* at utilization [\d.]+ and Whisper /);
    expect(store.best(run.runId)!.id).toBe(tighter!.id);
  });
});

describe('evolve: warnings that save money', () => {
  it('warns once when the evaluator ignores the program (constant score)', async () => {
    const server = await running.server(pythonScript([1, 2, 3, 4, 5, 6, 7]));
    const run = await runTask(
      externalTask(fixture('constant-task')),
      mockConfig(server.baseUrl, {
        generations: 6,
        islands: 1,
        patchTypes: DIFF_ONLY,
        warnings: { constantScoreAfter: 4 },
      }),
    );
    const store = running.keep(run.store);
    expect(run.warnings.filter((w) => /may ignore the program/.test(w))).toHaveLength(1);
    expect(store.events(run.runId, 'warning').map((e) => e.data)).toContainEqual({
      code: 'constant-score',
    });
  });

  it('does not warn when scores vary', async () => {
    const server = await running.server(pythonScript([1, 2, 2.5, 3]));
    const run = await runTask(
      externalTask(fixture('shinka-task')),
      mockConfig(server.baseUrl, {
        generations: 4,
        islands: 1,
        patchTypes: DIFF_ONLY,
        warnings: { constantScoreAfter: 3 },
      }),
    );
    running.keep(run.store);
    expect(run.warnings).toEqual([]);
  });
});

describe('evolve: the budget', () => {
  it('starts a call only when its worst case fits: spent + held never passes the budget', async () => {
    const server = await running.server(prismScript());
    // Each scripted proposal costs 1000·3 + 200·15 (diff) or 2000·3 + 900·15 (rewrites) µUSD;
    // a call's worst case is a token per prompt byte and all of maxTokens.
    const config = mockConfig(server.baseUrl, {
      generations: 50,
      budgetUsd: 0.2,
      patchTypes: { diff: 1, full: 1, cross: 0 },
      llm: { maxTokens: 1000, prices: { 'mock-coder': { inputPerMTok: 3, outputPerMTok: 15 } } },
    });
    const run = await runTask(resolveTask('prism'), config);
    const store = running.keep(run.store);
    expect(run.outcome.stoppedBy).toBe('budget');
    expect(run.outcome.generationsDone).toBeLessThan(50);
    expect(run.outcome.generationsDone).toBeGreaterThan(1);
    expect(run.outcome.spentUsd).toBeLessThanOrEqual(0.2);
    expect(store.events(run.runId, 'budget')).toHaveLength(1);
    expect(store.latestRun()!.status).toBe('stopped');
  });

  it('holds even when every reply is costly and fails to patch, at any concurrency', async () => {
    // Every reply is unusable and reports 8000 output tokens at $1000 per million: $8 a turn,
    // and each failed patch goes back for another turn. A budget of $10 holds one turn only.
    for (const concurrency of [1, 4]) {
      const server = await running.server(() => ({
        text: 'no patch here',
        inputTokens: 100,
        outputTokens: 8000,
      }));
      const config = mockConfig(server.baseUrl, {
        generations: 10,
        budgetUsd: 10,
        concurrency: { proposals: concurrency, evaluations: concurrency },
        llm: {
          maxTokens: 8192,
          prices: { 'mock-coder': { inputPerMTok: 1, outputPerMTok: 1000 } },
        },
      });
      const run = await runTask(resolveTask('prism'), config);
      running.keep(run.store);
      expect(run.outcome.stoppedBy).toBe('budget');
      expect(run.outcome.spentUsd).toBeLessThanOrEqual(10);
      expect(server.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    }
  });

  it('starts no generation after the wall-clock limit; a resume gets the limit afresh', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 6,
      wallClockSec: 25,
      concurrency: { proposals: 1, evaluations: 1 },
    });
    const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
    const runId = store.createRun('prism', config, config.seed);
    // A clock that moves 10 s with each finished generation: generations start at 0, 10 and
    // 20 s; at 30 s the limit has passed.
    const invocation = () => {
      let now = 0;
      const warnings: string[] = [];
      const hooks = { progress: () => void (now += 10_000), warn: (m: string) => warnings.push(m) };
      return runEvolution({
        task: resolveTask('prism'),
        store,
        runId,
        config,
        env: {},
        clock: () => now,
        hooks,
      }).then((outcome) => ({ outcome, warnings }));
    };
    const first = await invocation();
    expect(first.outcome).toMatchObject({ stoppedBy: 'wall-clock', generationsDone: 3 });
    expect(first.warnings).toEqual([
      'the wall-clock limit of 25 s is reached: 3 generations not run (evolve resume continues)',
    ]);
    expect(store.events(runId, 'wall-clock')).toHaveLength(1);
    expect(store.latestRun()!.status).toBe('stopped');
    const second = await invocation();
    expect(second.outcome).toMatchObject({ stoppedBy: 'generations', generationsDone: 6 });
    expect(store.summaries(runId).map((p) => p.generation)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('counts the initial program’s evaluation against the wall-clock limit', async () => {
    const server = await running.server(prismScript());
    const config = mockConfig(server.baseUrl, {
      generations: 2,
      wallClockSec: 25,
      concurrency: { proposals: 1, evaluations: 1 },
    });
    const store = running.keep(RunStore.create(join(runDir(), 'run.db')));
    const runId = store.createRun('prism', config, config.seed);
    // Each evaluation takes 30 s by this clock: the initial one alone outlasts the limit.
    let now = 0;
    const prism = resolveTask('prism');
    const outcome = await runEvolution({
      task: { ...prism, evaluate: (...args) => ((now += 30_000), prism.evaluate(...args)) },
      store,
      runId,
      config,
      env: {},
      clock: () => now,
      hooks: { progress: () => undefined, warn: () => undefined },
    });
    expect(outcome).toMatchObject({ stoppedBy: 'wall-clock', generationsDone: 0 });
    expect(server.requests).toHaveLength(0);
  });
});

/**
 * The shinka fixture's initial program evaluated by an evaluate.py of `lines` (run as
 * `python3 evaluate.py RESULTS_DIR`), with `files` added to the task directory.
 */
async function evaluateWith(
  lines: string[],
  files: Record<string, Buffer> = {},
): Promise<EvaluationRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-task-'));
  cpSync(fixture('shinka-task'), dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'evaluate.py'), ['import json, os, sys', ...lines].join('\n'));
  appendFileSync(join(dir, 'evolve.yaml'), 'evaluate: python3 evaluate.py {results}\n');
  const task = externalTask(dir);
  return task.evaluate(task.initialProgram, {
    timeoutMs: 20_000,
    memoryMb: 512,
    maxOutputBytes: 64 * 1024,
  });
}

describe('evolve: a task directory reaches the evaluator as it is', () => {
  it('copies a data file that is not text byte for byte', async () => {
    const data = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7919) % 256));
    const record = await evaluateWith(
      [
        'data = open("weights.bin", "rb").read()',
        'os.makedirs(sys.argv[1], exist_ok=True)',
        'json.dump({"combined_score": sum(data), "public": {"bytes": len(data)}}, open(os.path.join(sys.argv[1], "metrics.json"), "w"))',
        'json.dump({"correct": True}, open(os.path.join(sys.argv[1], "correct.json"), "w"))',
      ],
      { 'weights.bin': data },
    );
    expect(record.correct).toBe(true);
    expect(record.public).toEqual({ bytes: 1024 });
    expect(record.combinedScore).toBe(data.reduce((sum, byte) => sum + byte, 0));
  });
});

describe('evolve: an evaluator whose result files are malformed', () => {
  it.each([
    [
      '{"combined_score": "5"}',
      '{"correct": true}',
      "the evaluator's results are malformed: results/metrics.json: combined_score: expected combined_score as a finite number",
    ],
    [
      '{"combined_score": 1e400}',
      '{"correct": true}',
      'results/metrics.json: combined_score: expected combined_score as a finite number',
    ],
    [
      '{"combined_score": 1,}',
      '{"correct": true}',
      'results/metrics.json: invalid JSON at line 1, column 22',
    ],
    [
      '{"combined_score": 1}',
      '{"correct": "yes"}',
      'results/correct.json: correct: expected correct as true or false',
    ],
  ])('%s / %s: one line naming the file and the field', async (metrics, correct, reason) => {
    const record = await evaluateWith([
      'os.makedirs(sys.argv[1], exist_ok=True)',
      `open(os.path.join(sys.argv[1], "metrics.json"), "w").write(${JSON.stringify(metrics)})`,
      `open(os.path.join(sys.argv[1], "correct.json"), "w").write(${JSON.stringify(correct)})`,
    ]);
    expect(record.correct).toBe(false);
    expect(record.textFeedback).toContain(reason);
    expect(record.textFeedback.split('\n')).toHaveLength(1);
  });

  it('a metrics.json over the output limit is said to be, not read as malformed', async () => {
    const record = await evaluateWith([
      'os.makedirs(sys.argv[1], exist_ok=True)',
      'json.dump({"combined_score": 1, "text_feedback": "x" * 70000}, open(os.path.join(sys.argv[1], "metrics.json"), "w"))',
    ]);
    expect(record.correct).toBe(false);
    expect(record.textFeedback).toBe(
      "the evaluator's results do not fit: results/metrics.json is larger than the output limit of 64 KiB (evaluation.maxOutputKb)",
    );
  });
});

describe('evolve: a task directory evolution could not use is refused before a run starts', () => {
  /** A copy of the shinka fixture with `change` applied. */
  const taskWith = (change: (dir: string) => void): string => {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-task-'));
    cpSync(fixture('shinka-task'), dir, { recursive: true });
    change(dir);
    return dir;
  };
  const refusal = (dir: string): string => userErrorText(() => externalTask(dir));

  it('accepts the fixture as it is', () => {
    expect(refusal(taskWith(() => {}))).toBe('accepted');
  });

  it('an initial program linked from outside the folder (it would be sent to the LLM)', () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'evoplace-secret-')), 'secret.py');
    writeFileSync(outside, '# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n');
    const dir = taskWith((d) => {
      rmSync(join(d, 'initial.py'));
      symlinkSync(outside, join(d, 'initial.py'));
    });
    expect(refusal(dir)).toMatch(/evolve\.yaml.*initial_program.*symbolic link.*outside/s);
  });

  it('a symbolic link in the folder that leads out of it, to a folder, or nowhere', () => {
    const outside = mkdtempSync(join(tmpdir(), 'evoplace-secret-'));
    writeFileSync(join(outside, 'key'), 'secret');
    const cases: [(d: string) => void, RegExp][] = [
      [
        (d) => symlinkSync(join(outside, 'key'), join(d, 'data')),
        /data is a symbolic link to .*key, outside the task directory/,
      ],
      [(d) => symlinkSync(d, join(d, 'loop')), /loop is a symbolic link to a folder/],
      [
        (d) => symlinkSync(join(d, 'gone'), join(d, 'dangling')),
        /dangling is a symbolic link that leads nowhere/,
      ],
    ];
    for (const [change, message] of cases) expect(refusal(taskWith(change))).toMatch(message);
    // A link to a file of the task is its content.
    const linked = taskWith((d) => symlinkSync(join(d, 'evaluate.py'), join(d, 'copy.py')));
    expect(refusal(linked)).toBe('accepted');
  });

  it('an empty evolve.yaml', () => {
    const dir = taskWith((d) => writeFileSync(join(d, 'evolve.yaml'), ''));
    expect(refusal(dir)).toMatch(
      /evolve\.yaml: holds nothing; a task names at least its description/,
    );
  });

  it('a description or initial program missing or empty, said in words', () => {
    const withYaml = (text: string): string =>
      refusal(taskWith((d) => writeFileSync(join(d, 'evolve.yaml'), text)));
    expect(withYaml('initial_program: initial.py\n')).toMatch(
      /evolve\.yaml: description: missing; describe the problem for the LLM/,
    );
    expect(withYaml('description: ""\ninitial_program: initial.py\n')).toMatch(
      /description: is empty; describe the problem/,
    );
    expect(withYaml('description: sort\n')).toMatch(
      /initial_program: missing; name the program to start from/,
    );
    const empty = taskWith((d) => writeFileSync(join(d, 'initial.py'), '\n \n'));
    expect(refusal(empty)).toMatch(/initial_program: \S*initial\.py is empty; write the program/);
  });

  it('no evaluate.py for the default evaluate command', () => {
    const dir = taskWith((d) => rmSync(join(d, 'evaluate.py')));
    expect(refusal(dir)).toMatch(/evolve\.yaml.*evaluate.*no evaluate\.py/s);
    // With a command of its own, evaluate.py is not needed.
    appendFileSync(join(dir, 'evolve.yaml'), 'evaluate: python3 -c pass\n');
    expect(refusal(dir)).toBe('accepted');
  });

  it('an initial program that is missing, or not UTF-8', () => {
    const missing = taskWith((d) => rmSync(join(d, 'initial.py')));
    expect(refusal(missing)).toMatch(
      /evolve\.yaml: initial_program: \S*initial\.py does not exist/,
    );
    const latin1 = taskWith((d) =>
      writeFileSync(
        join(d, 'initial.py'),
        Buffer.concat([
          Buffer.from('# EVOLVE-BLOCK-START\nname = "caf'),
          Buffer.from([0xe9]),
          Buffer.from('"\n# EVOLVE-BLOCK-END\n'),
        ]),
      ),
    );
    expect(refusal(latin1)).toMatch(
      /evolve\.yaml: initial_program: \S*initial\.py is not UTF-8 text \(line 2\); save it as UTF-8/,
    );
  });

  it.each([
    [
      'no EVOLVE-BLOCK',
      'def solve():\n    return 0.0\n',
      /has no EVOLVE-BLOCK.*"# EVOLVE-BLOCK-START"/,
    ],
    ['an empty file', '', /is empty; write the program to start from/],
    [
      'an unclosed block',
      '# EVOLVE-BLOCK-START\nx = 1\n',
      /invalid EVOLVE-BLOCK markers.*never closed/,
    ],
    ['NUL bytes', '# EVOLVE-BLOCK-START\n\0\0\n# EVOLVE-BLOCK-END\n', /not a text file/],
  ])('an initial program with %s', (_, code, message) => {
    const dir = taskWith((d) => writeFileSync(join(d, 'initial.py'), code));
    expect(refusal(dir)).toMatch(/initial_program/);
    expect(refusal(dir)).toMatch(message);
  });
});
