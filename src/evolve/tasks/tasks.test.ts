import { describe, expect, it } from 'vitest';
import { BUILTIN_TASKS, resolveTask } from './index.js';
import { candidateToJavaScript } from './node-candidate.js';

const LIMITS = { timeoutMs: 20_000, memoryMb: 1024, maxOutputBytes: 1 << 20 };

describe('built-in tasks: initial programs run in the sandbox and scored by their problem', () => {
  it('prism: the initial program is the seed greedy (21.89)', async () => {
    const task = resolveTask('prism');
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    expect(result.combinedScore).toBeCloseTo(21.8916, 4);
  });

  it('eplb: the initial program (DeepSeek EPLB) is correct', async () => {
    const task = resolveTask('eplb');
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    expect(result.combinedScore).toBeGreaterThan(0.5);
    expect(result.combinedScore).toBeLessThanOrEqual(1);
  });

  it('llm: the initial program (one GPU type per pipeline) is correct, short of the optimum', async () => {
    const task = resolveTask('llm');
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    // Pools where only a mix of GPU types fits are missed; elsewhere it is often optimal.
    expect(result.public).toMatchObject({ bestCases: 33, declinedCases: 4 });
    expect(result.combinedScore).toBeGreaterThan(0.8);
    expect(result.combinedScore).toBeLessThan(1);
  });

  it('colocate: the initial program (a cautious rule) never runs out of memory, short of the best', async () => {
    const task = resolveTask('colocate');
    const result = await task.evaluate(task.initialProgram, LIMITS);
    expect(result.correct).toBe(true);
    expect(result.public).toMatchObject({ bestCases: 44, declinedCases: 9 });
    expect(result.combinedScore).toBeGreaterThan(0.8);
    expect(result.combinedScore).toBeLessThan(1);
  });

  it('a program that rewrites the harness’s output.json is incorrect, not a crash', async () => {
    const task = resolveTask('prism');
    const forge = (json: string) =>
      `${task.initialProgram}\nimport { writeFileSync as forge } from 'node:fs';\n` +
      `process.on('exit', () => forge('output.json', ${JSON.stringify(json)}));\n`;
    for (const json of [
      JSON.stringify({ outputs: Array(50).fill(null), ms: 0 }),
      JSON.stringify({ outputs: [], ms: [] }),
      JSON.stringify({ outputs: Array(50).fill(null), ms: Array(50).fill(-1) }),
    ]) {
      const result = await task.evaluate(forge(json), LIMITS);
      expect(result.correct, json).toBe(false);
      expect(result.textFeedback).toMatch(/output\.json is not what the harness writes/);
    }
  });

  it('answers over the output limit are said to be, not read as an unreadable output.json', async () => {
    const task = resolveTask('prism');
    const result = await task.evaluate(task.initialProgram, { ...LIMITS, maxOutputBytes: 1024 });
    expect(result.correct).toBe(false);
    expect(result.textFeedback).toBe(
      "the program's answers do not fit: output.json is larger than the output limit of 1 KiB (evaluation.maxOutputKb)",
    );
  });

  it('every problem is a built-in task, each with its own initial program', () => {
    expect(Object.keys(BUILTIN_TASKS).sort()).toEqual(['colocate', 'eplb', 'llm', 'prism']);
    const programs = Object.keys(BUILTIN_TASKS).map((name) => resolveTask(name).initialProgram);
    expect(new Set(programs).size).toBe(programs.length);
  });

  it('every built-in task has held-out cases of its own, on which its initial program is correct', async () => {
    for (const name of Object.keys(BUILTIN_TASKS)) {
      const run = await resolveTask(name).evaluate(resolveTask(name).initialProgram, LIMITS);
      const task = resolveTask(name, 'holdout');
      const heldOut = await task.evaluate(task.initialProgram, LIMITS);
      expect(heldOut, name).toMatchObject({ correct: true });
      expect(heldOut.combinedScore, name).not.toBe(run.combinedScore);
    }
  });

  it('a name that is not built in is read as a task directory', () => {
    expect(() => resolveTask('toString')).toThrow(
      /neither a built-in task \(prism, eplb, llm, colocate\) nor a directory with evolve\.yaml$/,
    );
    expect(() => resolveTask('/nowhere/prsim')).toThrow(/evolve\.yaml; did you mean "prism"\?$/);
  });

  it('a candidate that does not compile comes back with the line and reason', async () => {
    const result = await candidateToJavaScript('export function place( {\n  return 1;\n}\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/line \d+/);
  });
});
