import { UserError } from '../../core/errors.js';
import { Worker, type Job } from 'bullmq';
import type { CaseSet } from '../../core/program-task.js';
import type { Task } from '../task.js';
import { connectionOf, ensureReachable, onceEach } from './connection.js';
import { externalTasksOf } from '../tasks/external.js';
import { evaluationJobSchema, type QueueAddress } from './protocol.js';
import { isShippedTask, TaskShelf } from './task-shelf.js';

/** A running worker: `close` lets the evaluations in hand finish, then disconnects. */
export interface EvaluationWorker {
  close(): Promise<void>;
}

/**
 * Take evaluation jobs from the queue at `address`, `concurrency` at a time, and run each in this
 * machine's sandbox exactly as the engine would: the worker resolves the job's task by name
 * (`resolveTask`) or, for an external task the engine shipped, fetches it from Redis, once per
 * task, and never sees the engine's environment or keys. A job the worker cannot do (malformed,
 * an unknown task) fails with the reason, which the engine reports.
 */
export async function startEvaluationWorker(args: {
  address: QueueAddress;
  concurrency: number;
  /**
   * How long a job stays claimed by a worker that stopped answering (killed, cut off) before
   * another worker takes it again; also how often this worker checks for such jobs.
   */
  stallMs: number;
  resolveTask: (ref: string, cases: CaseSet) => Task;
  log: (line: string) => void;
}): Promise<EvaluationWorker> {
  const { address, resolveTask, log } = args;
  const shelf = new TaskShelf(address);
  const tasks = new Map<string, Promise<Task>>();
  const findTask = async (ref: string, cases: CaseSet): Promise<Task> => {
    if (isShippedTask(ref)) {
      const content = await shelf.fetch(ref);
      const task = externalTasksOf(content)[cases];
      if (!task) throw new Error(`${content.directory} declares no held-out cases`);
      return task;
    }
    try {
      return resolveTask(ref, cases);
    } catch (error) {
      // The job's failure reason travels as a message: keep the file and field it names.
      if (error instanceof UserError) throw new Error(error.format(), { cause: error });
      throw error;
    }
  };
  const taskOf = (ref: string, cases: CaseSet): Promise<Task> => {
    const key = `${cases} ${ref}`;
    let task = tasks.get(key);
    if (!task) {
      task = findTask(ref, cases);
      // A task that could not be had is tried again by the next job (Redis may be back).
      task.catch(() => tasks.delete(key));
      tasks.set(key, task);
    }
    return task;
  };
  await ensureReachable(address);
  const worker = new Worker(
    address.name,
    async (job: Job) => {
      const data = evaluationJobSchema.parse(job.data);
      const task = await taskOf(data.task, data.cases);
      const record = await task.evaluate(data.code, data.limits);
      log(
        `job ${job.id} (${task.name}${data.cases === 'holdout' ? ', held-out cases' : ''}): ` +
          (record.correct ? `score ${record.combinedScore}` : 'incorrect') +
          ` in ${Math.round(record.evalMs)} ms`,
      );
      return record;
    },
    {
      connection: connectionOf(address),
      concurrency: args.concurrency,
      lockDuration: args.stallMs,
      stalledInterval: args.stallMs,
    },
  );
  worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
  // Redis going away is reported, not fatal: the client reconnects and the worker goes on.
  worker.on('error', onceEach(log));
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      shelf.close();
    },
  };
}
