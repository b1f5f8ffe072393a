import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationQueue } from '../src/evolve/queue/remote.js';
import { queueAddress, type QueueAddress } from '../src/evolve/queue/protocol.js';
import { TaskShelf } from '../src/evolve/queue/task-shelf.js';
import { RunStore } from '../src/evolve/database/store.js';
import { EvaluationWithdrawn, type EvaluationRecord } from '../src/evolve/task.js';
import { externalTasks, readExternalTask } from '../src/evolve/tasks/external.js';
import { resolveTask } from '../src/evolve/tasks/index.js';
import { evoplace, startEvoplace, type CliProcess } from './cli.js';
import { mockConfig, runTask, useRunResources } from './support/evolve-run.js';
import { prismScript } from './support/prism-script.js';
import { HAS_REDIS, startRedis, type RedisServer } from './support/redis.js';

const running = useRunResources();
const fixture = (name: string): string =>
  fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
let redis: RedisServer;

beforeAll(async () => {
  if (HAS_REDIS) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Start `count` worker processes on the queue and wait until they are all connected. */
async function startWorkers(
  address: QueueAddress,
  count: number,
  flags: string[] = [],
): Promise<CliProcess[]> {
  const workers = Array.from({ length: count }, () =>
    startEvoplace(['evolve', 'worker', '--redis', address.url, '--queue', address.name, ...flags]),
  );
  const queue = await EvaluationQueue.open(address, () => undefined);
  try {
    while ((await queue.workers()) < count) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await queue.close();
  }
  return workers;
}

/** Stop workers as Ctrl-C would; each must finish cleanly. Returns what each printed. */
async function stopWorkers(workers: CliProcess[]): Promise<string[]> {
  for (const w of workers) w.child.kill('SIGTERM');
  const runs = await Promise.all(workers.map((w) => w.done));
  for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
  return runs.map((run) => run.stderr);
}

/** Wait until `count` jobs of the queue at `address` are in `state`. */
async function untilJobs(address: QueueAddress, state: 'waiting' | 'active', count = 1) {
  const inspect = new Queue(address.name, { connection: { url: address.url } });
  try {
    while ((await inspect.getJobCountByTypes(state)) < count)
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    await inspect.close();
  }
}

/** How many jobs of the queue at `address` are waiting for a worker or held by one. */
async function unfinishedJobs(address: QueueAddress): Promise<number> {
  const inspect = new Queue(address.name, { connection: { url: address.url } });
  try {
    return await inspect.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active');
  } finally {
    await inspect.close();
  }
}

/** A prism program that keeps its worker busy for 3 s on its first case, then answers wrongly. */
const SLOW_PROGRAM = [
  'let first = true;',
  'export function place(instance: { models: unknown[] }): number[] {',
  '  const until = Date.now() + (first ? 3000 : 0);',
  '  first = false;',
  '  while (Date.now() < until);',
  '  return instance.models.map(() => 0);',
  '}',
].join('\n');

const LIMITS = { timeoutMs: 20_000, memoryMb: 1024, maxOutputBytes: 1 << 20 };

/** What a run stored of each program, without timings. */
function stored(run: Awaited<ReturnType<typeof runTask>>) {
  return running
    .keep(run.store)
    .programs(run.runId)
    .map((p) => ({
      generation: p.generation,
      island: p.island,
      kind: p.kind,
      code: p.code,
      correct: p.correct,
      combinedScore: p.combinedScore,
      textFeedback: p.textFeedback,
      publicMetrics: { ...p.publicMetrics, ms: undefined, msPerCall: undefined },
    }));
}

describe.skipIf(!HAS_REDIS)('evolve: evaluations on the workers of a Redis queue (BullMQ)', () => {
  it('two worker processes evaluate a run exactly as this machine would', async () => {
    const address = queueAddress(redis.url, 'same-as-local');
    const config = (url: string) => mockConfig(url, { generations: 5 });
    const local = await runTask(
      resolveTask('prism'),
      config((await running.server(prismScript())).baseUrl),
    );
    const workers = await startWorkers(address, 2);
    const queue = await EvaluationQueue.open(address, () => undefined);
    let remote: Awaited<ReturnType<typeof runTask>>;
    try {
      remote = await runTask(
        queue.taskVia(resolveTask('prism'), 'prism'),
        config((await running.server(prismScript())).baseUrl),
      );
    } finally {
      await queue.close();
    }
    const logs = await stopWorkers(workers);
    const programs = stored(remote);
    expect(programs).toEqual(stored(local));
    expect(Math.max(...programs.map((p) => p.combinedScore))).toBeGreaterThan(22.3);
    // Every evaluated program was a job some worker did; none was evaluated here.
    const evaluated = programs.filter((p) => p.kind !== 'failed').length;
    const jobLines = logs.join('\n').match(/^job \d+ \(prism\): score/gm) ?? [];
    expect(jobLines).toHaveLength(evaluated);
  });

  it('a job carries the program, the task’s name and case set, and the limits: no key, no environment', async () => {
    const address = queueAddress(redis.url, 'job-content');
    const workers = await startWorkers(address, 1);
    const queue = await EvaluationQueue.open(address, () => undefined);
    try {
      const task = queue.taskVia(resolveTask('prism'), 'prism');
      const result = await task.evaluate(task.initialProgram, LIMITS);
      expect(result).toMatchObject({ correct: true });
      expect(result.combinedScore).toBeCloseTo(21.8916, 4);
      // The held-out cases travel as a case set: the worker scores on them, not the run's.
      const local = resolveTask('prism', 'holdout');
      const heldOut = queue.taskVia(local, 'prism', 'holdout');
      expect((await heldOut.evaluate(heldOut.initialProgram, LIMITS)).combinedScore).toBe(
        (await local.evaluate(local.initialProgram, LIMITS)).combinedScore,
      );
    } finally {
      await queue.close();
    }
    await stopWorkers(workers);
    const inspect = new Queue(address.name, { connection: { url: redis.url } });
    try {
      const jobs = await inspect.getJobs(['completed']);
      expect(jobs).toHaveLength(2);
      expect(Object.keys(jobs[0]!.data as object).sort()).toEqual([
        'cases',
        'code',
        'limits',
        'task',
      ]);
    } finally {
      await inspect.close();
    }
  });

  it('a worker killed mid-evaluation: its job is taken by another and the engine gets the result', async () => {
    const address = queueAddress(redis.url, 'stalled');
    const stall = ['--stall-seconds', '1'];
    const [doomed] = await startWorkers(address, 1, stall);
    const queue = await EvaluationQueue.open(address, () => undefined);
    try {
      const task = queue.taskVia(resolveTask('prism'), 'prism');
      const result = task.evaluate(SLOW_PROGRAM, LIMITS);
      // The only worker has the job; kill it (no goodbye), then start another.
      await new Promise((r) => setTimeout(r, 1000));
      doomed!.child.kill('SIGKILL');
      await doomed!.done;
      const [rescuer] = await startWorkers(address, 1, stall);
      expect(await result).toMatchObject({ correct: false });
      expect((await result).textFeedback).toMatch(/invalid placement/);
      const [log] = await stopWorkers([rescuer!]);
      expect(log).toMatch(/^job 1 \(prism\): incorrect/m);
    } finally {
      await queue.close();
    }
  });

  it('jobs waiting with no worker connected are reported once, and taken when one comes', async () => {
    const address = queueAddress(redis.url, 'no-worker-yet');
    const warnings: string[] = [];
    const queue = await EvaluationQueue.open(address, (m) => warnings.push(m), 100);
    try {
      const task = queue.taskVia(resolveTask('prism'), 'prism');
      const result = task.evaluate(task.initialProgram, LIMITS);
      while (warnings.length === 0) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      expect(warnings).toEqual([
        expect.stringMatching(/no worker is connected to queue "no-worker-yet"; start one with/),
      ]);
      const workers = await startWorkers(address, 1);
      expect(await result).toMatchObject({ correct: true });
      await stopWorkers(workers);
    } finally {
      await queue.close();
    }
  });

  it('a stopped run withdraws the jobs no worker has taken, and never queues new ones', async () => {
    const address = queueAddress(redis.url, 'withdrawn');
    const queue = await EvaluationQueue.open(address, () => undefined);
    try {
      const task = queue.taskVia(resolveTask('prism'), 'prism');
      const stop = new AbortController();
      const result = task.evaluate(task.initialProgram, LIMITS, stop.signal);
      await untilJobs(address, 'waiting');
      stop.abort();
      await expect(result).rejects.toBeInstanceOf(EvaluationWithdrawn);
      await expect(task.evaluate(task.initialProgram, LIMITS, stop.signal)).rejects.toBeInstanceOf(
        EvaluationWithdrawn,
      );
      expect(await unfinishedJobs(address)).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('a job a worker holds when the run stops is waited for; withdrawn if its worker dies', async () => {
    const address = queueAddress(redis.url, 'held-at-stop');
    const stall = ['--stall-seconds', '1'];
    const [worker] = await startWorkers(address, 1, stall);
    const queue = await EvaluationQueue.open(address, () => undefined);
    try {
      const task = queue.taskVia(resolveTask('prism'), 'prism');
      const finishing = new AbortController();
      const finished = task.evaluate(SLOW_PROGRAM, LIMITS, finishing.signal);
      await untilJobs(address, 'active');
      finishing.abort();
      expect((await finished).textFeedback).toMatch(/invalid placement/);
      // The worker dies holding the next job: once its claim lapses, the job is withdrawn.
      const orphaned = new AbortController();
      const orphan = task.evaluate(SLOW_PROGRAM, LIMITS, orphaned.signal);
      await untilJobs(address, 'active');
      orphaned.abort();
      worker!.child.kill('SIGKILL');
      await worker!.done;
      await expect(orphan).rejects.toBeInstanceOf(EvaluationWithdrawn);
      expect(await unfinishedJobs(address)).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('an external task travels to the workers whole: they need no copy of its directory', async () => {
    const address = queueAddress(redis.url, 'shipped-task');
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-shipped-'));
    cpSync(fixture('holdout-task'), dir, { recursive: true, dereference: true });
    const local = externalTasks(dir);
    // Gone before any job runs: a worker that needed the directory would fail.
    rmSync(dir, { recursive: true });
    const workers = await startWorkers(address, 1);
    const queue = await EvaluationQueue.open(address, () => undefined);
    const withoutTiming = ({ evalMs: _, ...rest }: EvaluationRecord) => rest;
    try {
      for (const cases of ['run', 'holdout'] as const) {
        const task = local[cases]!;
        const remote = queue.taskVia(task, dir, cases);
        const there = await remote.evaluate(task.initialProgram, LIMITS);
        expect(there.correct, there.textFeedback).toBe(true);
        expect(withoutTiming(there)).toEqual(
          withoutTiming(await task.evaluate(task.initialProgram, LIMITS)),
        );
      }
    } finally {
      await queue.close();
    }
    const [log] = await stopWorkers(workers);
    expect(log).toContain(`(${dir}, held-out cases): score`);
    const inspect = new Queue(address.name, { connection: { url: redis.url } });
    try {
      const jobs = await inspect.getJobs(['completed']);
      expect(jobs).toHaveLength(2);
      // Both case sets name the same shipped content, by its hash.
      const refs = new Set(jobs.map((job) => (job.data as { task: string }).task));
      expect([...refs]).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    } finally {
      await inspect.close();
    }
  });

  it('a shipped task that does not match its hash, or is gone, is refused', async () => {
    const address = queueAddress(redis.url, 'tampered-task');
    const shelf = new TaskShelf(address);
    const client = new Redis(redis.url);
    try {
      const content = readExternalTask(fixture('shinka-task'));
      const ref = await shelf.ship(content);
      expect(await shelf.fetch(ref)).toEqual(content);
      const key = `evoplace:${address.name}:task:${ref.slice('sha256:'.length)}`;
      await client.set(key, JSON.stringify({ ...content, evaluate: 'cat /etc/passwd' }));
      await expect(shelf.fetch(ref)).rejects.toThrow(/does not match its hash/);
      await client.del(key);
      await expect(shelf.fetch(ref)).rejects.toThrow(/not in queue "tampered-task"/);
    } finally {
      shelf.close();
      client.disconnect();
    }
  });

  it('a job no worker can do fails the run with the worker’s reason', async () => {
    const address = queueAddress(redis.url, 'unknown-task');
    const workers = await startWorkers(address, 1);
    const queue = await EvaluationQueue.open(address, () => undefined);
    try {
      const server = await running.server(prismScript());
      const task = queue.taskVia(resolveTask('prism'), '/no/such/task-directory');
      await expect(runTask(task, mockConfig(server.baseUrl))).rejects.toThrow(
        /failed on its worker: .*neither a built-in task .* nor a directory with evolve\.yaml/,
      );
    } finally {
      await queue.close();
    }
    const [log] = await stopWorkers(workers);
    expect(log).toMatch(/job \d+ failed: .*no\/such\/task-directory/);
  });
});

describe.skipIf(!HAS_REDIS)('evolve --redis (CLI)', () => {
  it('an unreachable Redis is refused with exit 2 before any database is written', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'evoplace-queue-')), 'run.db');
    // A model on loopback needs no API key, so Redis is the only thing missing.
    const args = [
      'evolve',
      'run',
      '--task',
      'prism',
      '--db',
      db,
      '--llm',
      'http://127.0.0.1:9/v1#m',
    ];
    const unreachable = evoplace([...args, '--redis', 'redis://127.0.0.1:1']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /--redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED/,
    );
    expect(existsSync(db)).toBe(false);
    const notRedis = evoplace([...args, '--redis', 'http://127.0.0.1:6379']);
    expect(notRedis).toMatchObject({ code: 2 });
    expect(notRedis.stderr).toMatch(/"http:" is not a Redis URL scheme/);
    expect(evoplace([...args, '--queue', 'q']).stderr).toMatch(/--queue: .*give --redis too/);
    const badName = evoplace(['evolve', 'worker', '--redis', redis.url, '--queue', 'a:b']);
    expect(badName).toMatchObject({ code: 2 });
    expect(badName.stderr).toMatch(/"a:b" is not a queue name/);
    expect(evoplace(['evolve', 'worker']).stderr).toMatch(/--redis URL is required/);
    for (const run of [unreachable, notRedis, badName]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('evolve run --redis: the workers evaluate, the database holds the run', async () => {
    const address = queueAddress(redis.url, 'cli-run');
    const workers = await startWorkers(address, 1);
    const server = await running.server(prismScript());
    const db = join(mkdtempSync(join(tmpdir(), 'evoplace-queue-')), 'run.db');
    const url = `${server.baseUrl}/v1#mock-coder`;
    const run = startEvoplace(
      `evolve run --task prism --db ${db} --llm ${url} --generations 2 --json`
        .split(' ')
        .concat(['--redis', redis.url, '--queue', address.name]),
    );
    const result = await run.done;
    const [log] = await stopWorkers(workers);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /evaluating on the workers of queue "cli-run" .*\(1 connected now\)/,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      stoppedBy: 'generations',
      generationsDone: 2,
    });
    expect(log).toMatch(/^job \d+ \(prism\): score 21\.89/m);
    // Resumed without --redis: it evaluates here, and says so.
    const resumed = startEvoplace(['evolve', 'resume', '--db', db, '--generations', '3']);
    const again = await resumed.done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      'note: this run evaluated on the workers of queue "cli-run" at redis://',
    );
    expect(again.stderr).toContain('it now evaluates on this machine');
  });

  it('Ctrl-C with no worker connected withdraws the queued evaluation; resume with a worker finishes', async () => {
    const address = queueAddress(redis.url, 'cli-stop');
    const server = await running.server(prismScript());
    const db = join(mkdtempSync(join(tmpdir(), 'evoplace-queue-')), 'run.db');
    const queueFlags = ['--redis', redis.url, '--queue', address.name];
    /** Start `evolve ARGS` with no worker connected, and Ctrl-C it once a job waits. */
    const interrupted = async (args: string[]) => {
      const run = startEvoplace(['evolve', ...args, '--json', ...queueFlags]);
      await untilJobs(address, 'waiting');
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toContain('withdrew 1 queued evaluation that no worker had taken');
      expect(await unfinishedJobs(address)).toBe(0);
      return JSON.parse(stopped.stdout) as unknown;
    };
    /** `evolve resume` with a worker connected, to the end. */
    const resumed = async () => {
      const workers = await startWorkers(address, 1);
      const run = await startEvoplace(['evolve', 'resume', '--db', db, '--json', ...queueFlags])
        .done;
      await stopWorkers(workers);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as unknown;
    };
    /** The status of the run and the generations of the programs it stored. */
    const storedRun = () => {
      const { store, run } = RunStore.openLatest(db, 'evolve', '');
      try {
        return { status: run.status, generations: store.programs(run.id).map((p) => p.generation) };
      } finally {
        store.close();
      }
    };
    // The initial program's evaluation waits: withdrawn, nothing stored.
    const llm = `${server.baseUrl}/v1#mock-coder`;
    expect(
      await interrupted(
        `run --task prism --db ${db} --llm ${llm} --generations 1 --concurrency 1,1`.split(' '),
      ),
    ).toMatchObject({ stoppedBy: 'interrupted', generationsDone: 0 });
    expect(storedRun()).toEqual({ status: 'stopped', generations: [] });
    expect(await resumed()).toMatchObject({ stoppedBy: 'generations', generationsDone: 1 });
    // Generation 2's evaluation waits: withdrawn, generation 2 not stored.
    expect(await interrupted(['resume', '--db', db, '--generations', '3'])).toMatchObject({
      stoppedBy: 'interrupted',
      generationsDone: 1,
    });
    expect(storedRun()).toEqual({ status: 'stopped', generations: [0, 1] });
    const asked = server.requests.length;
    expect(await resumed()).toMatchObject({ stoppedBy: 'generations', generationsDone: 3 });
    // Generation 2's reply was stored when it came: only generation 3 asks the LLM.
    expect(server.requests.length).toBe(asked + 1);
  });
});
