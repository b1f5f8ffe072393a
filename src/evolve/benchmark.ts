import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../core/table.js';
import { evolveConfigSchema } from './config.js';
import { RunStore } from './database/store.js';
import { runEvolution } from './engine.js';
import { runSandboxed, sandboxCapabilities, type SandboxCapabilities } from './sandbox/index.js';
import { BUILTIN_TASK_NAMES } from './tasks/names.js';
import { resolveTask } from './tasks/index.js';

/** Median and 95th percentile of some durations, in ms. */
export interface Durations {
  runs: number;
  medianMs: number;
  p95Ms: number;
}

function durations(ms: number[]): Durations {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { runs: ms.length, medianMs: at(0.5), p95Ms: at(0.95) };
}

/** The sandbox's own cost: a program that does nothing, start to finish. */
export interface SandboxRow extends Durations {
  program: string;
}

/** One built-in task's initial program, evaluated whole in the sandbox. */
export interface TaskRow extends Durations {
  task: string;
  /** The task's own figure: the program's time per call, as its public metrics report it. */
  msPerCall: number | null;
}

/** A run of the engine with an LLM that answers at once: what evolution itself costs. */
export interface EngineRow {
  concurrency: string;
  generations: number;
  seconds: number;
  msPerGeneration: number;
  /** The engine process's peak resident memory during the run (includes what came before). */
  maxRssMb: number;
}

export interface EvolveBenchmark {
  sandbox: { capabilities: SandboxCapabilities; rows: SandboxRow[] };
  tasks: TaskRow[];
  engine: EngineRow[];
}

const LIMITS = { timeoutMs: 60_000, memoryMb: 2048, maxOutputBytes: 1 << 20 };

/** Run `measure` `runs` times, one after another; each one's wall time in ms. */
async function timed(runs: number, measure: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    await measure();
    ms.push(performance.now() - start);
  }
  return ms;
}

/** An empty Node program and an empty Python one, each `runs` times in the sandbox. */
export async function sandboxOverhead(runs: number): Promise<EvolveBenchmark['sandbox']> {
  const programs: [string, string[]][] = [
    ['node (empty program)', [process.execPath, '-e', '']],
    ['python3 (empty program)', ['python3', '-c', 'pass']],
  ];
  const rows: SandboxRow[] = [];
  for (const [program, argv] of programs) {
    const ms = await timed(runs, () => runSandboxed({ argv, ...LIMITS }));
    rows.push({ program, ...durations(ms) });
  }
  return { capabilities: sandboxCapabilities(), rows };
}

/** Each built-in task's initial program, evaluated `runs` times as a run would. */
export async function taskEvaluations(runs: number): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  for (const name of BUILTIN_TASK_NAMES) {
    const task = resolveTask(name);
    let msPerCall: number | null = null;
    const ms = await timed(runs, async () => {
      const e = await task.evaluate(task.initialProgram, LIMITS);
      if (!e.correct) throw new Error(`${name}: the initial program failed: ${e.textFeedback}`);
      msPerCall = typeof e.public.msPerCall === 'number' ? e.public.msPerCall : null;
    });
    rows.push({ task: name, msPerCall, ...durations(ms) });
  }
  return rows;
}

/**
 * `generations` generations of the prism task at each concurrency (proposals, evaluations),
 * against the OpenAI-compatible server at `llmBaseUrl` (a local one that answers at once, so
 * that what is measured is the engine: prompts, patching, the database, the sandbox).
 */
export async function engineThroughput(
  llmBaseUrl: string,
  generations: number,
  concurrencies: readonly [number, number][],
): Promise<EngineRow[]> {
  const rows: EngineRow[] = [];
  for (const [proposals, evaluations] of concurrencies) {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-bench-'));
    const store = RunStore.create(join(dir, 'run.db'));
    try {
      const config = evolveConfigSchema.parse({
        generations,
        seed: 1,
        concurrency: { proposals, evaluations },
        llm: { models: [`${llmBaseUrl}/v1#mock-coder`] },
      });
      const runId = store.createRun('prism', config, config.seed);
      const start = performance.now();
      const outcome = await runEvolution({
        task: resolveTask('prism'),
        store,
        runId,
        config,
        env: {},
        hooks: { progress: () => undefined, warn: () => undefined },
      });
      const seconds = (performance.now() - start) / 1000;
      if (outcome.generationsDone !== generations)
        throw new Error(`the run stopped after ${outcome.generationsDone} generations`);
      rows.push({
        concurrency: `${proposals},${evaluations}`,
        generations,
        seconds,
        msPerGeneration: (seconds * 1000) / generations,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

const ms = (value: number | null): string => (value === null ? '—' : value.toFixed(1));

/** The benchmark's tables, on stderr. */
export function printEvolveBenchmark(report: EvolveBenchmark): void {
  const { pidNamespace, privateFilesystem, pidsCgroup, memoryCgroup } = report.sandbox.capabilities;
  const yes = (on: boolean): string => (on ? 'yes' : 'no');
  console.error(
    `\nevolve / sandbox (PID namespace: ${yes(pidNamespace)}, private file system: ` +
      `${yes(privateFilesystem)}, pids cgroup: ${yes(pidsCgroup !== null)}, ` +
      `memory cgroup: ${yes(memoryCgroup !== null)})`,
  );
  console.error(
    formatTable(
      ['program', 'runs', 'median ms', 'p95 ms'],
      report.sandbox.rows.map((r) => [r.program, String(r.runs), ms(r.medianMs), ms(r.p95Ms)]),
    ),
  );
  console.error('\nevolve / one evaluation of each built-in task (initial program)');
  console.error(
    formatTable(
      ['task', 'runs', 'median ms', 'p95 ms', 'ms per call'],
      report.tasks.map((r) => [
        r.task,
        String(r.runs),
        ms(r.medianMs),
        ms(r.p95Ms),
        r.msPerCall === null ? '—' : r.msPerCall.toPrecision(3),
      ]),
    ),
  );
  console.error('\nevolve / the engine, prism task, an LLM that answers at once');
  console.error(
    formatTable(
      ['concurrency', 'generations', 'seconds', 'ms per generation', 'max RSS MB'],
      report.engine.map((r) => [
        r.concurrency,
        String(r.generations),
        r.seconds.toFixed(1),
        ms(r.msPerGeneration),
        r.maxRssMb.toFixed(0),
      ]),
    ),
  );
}
