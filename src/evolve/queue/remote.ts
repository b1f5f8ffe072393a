import { Queue, QueueEvents, type Job } from 'bullmq';
import type { CaseSet } from '../../core/program-task.js';
import {
  EvaluationWithdrawn,
  type EvaluationLimits,
  type EvaluationRecord,
  type Task,
} from '../task.js';
import { externalTaskContent, type ExternalTaskContent } from '../tasks/external.js';
import { connectionOf, ensureReachable, onceEach } from './connection.js';
import {
  evaluationJobSchema,
  evaluationResultSchema,
  type EvaluationJob,
  type QueueAddress,
} from './protocol.js';
import { TaskShelf } from './task-shelf.js';

/** Finished jobs stay this long in Redis, for whoever inspects the queue (then BullMQ drops them). */
const KEEP_COMPLETED_SECONDS = 3600;
const KEEP_FAILED_SECONDS = 86_400;
/** How often, by default, evaluations in flight check that some worker is there to take them. */
const IDLE_CHECK_MS = 30_000;
/**
 * How often a stopped run tries again to withdraw a job a worker holds: its claim lapses when the
 * worker dies (the worker's `--stall-seconds`), and the job is then withdrawn, not waited for.
 */
const WITHDRAW_RETRY_MS = 1000;

/**
 * The engine's side of distributed evaluation: each evaluation becomes a BullMQ job that any
 * worker (`evoplace evolve worker`) on any machine may take; the engine waits for its result.
 * A job whose worker dies is taken again by another (BullMQ's stalled-job check). When the run
 * stops, its jobs no worker has taken are withdrawn from the queue; those a worker holds finish.
 */
export class EvaluationQueue {
  /** Has the user been told that jobs wait with no worker connected? (Once per stretch.) */
  private toldIdle = false;
  /** Evaluations sent and not yet back. */
  private inFlight = 0;
  /** Checks, while evaluations are in flight, that some worker is there to take them. */
  private readonly idleCheck: NodeJS.Timeout;
  /** External tasks shipped to the workers by this engine, with their references. */
  private readonly shipped = new Map<ExternalTaskContent, Promise<string>>();

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly warn: (message: string) => void,
    private readonly shelf: TaskShelf,
    idleCheckMs: number,
  ) {
    this.idleCheck = setInterval(() => {
      if (this.inFlight > 0) void this.warnIfNoWorker();
    }, idleCheckMs).unref();
  }

  /**
   * Connect to the queue at `address`; a clear error when Redis cannot be reached. Later
   * connection errors go to `warn` (the client reconnects by itself), and so does a job left
   * waiting `idleCheckMs` with no worker connected.
   */
  static async open(
    address: QueueAddress,
    warn: (message: string) => void,
    idleCheckMs = IDLE_CHECK_MS,
  ): Promise<EvaluationQueue> {
    await ensureReachable(address);
    const connection = connectionOf(address);
    const queue = new Queue(address.name, { connection });
    const events = new QueueEvents(address.name, { connection });
    const report = onceEach(warn);
    queue.on('error', report);
    events.on('error', report);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new EvaluationQueue(queue, events, warn, new TaskShelf(address), idleCheckMs);
  }

  /** Workers connected to the queue now. */
  workers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /**
   * `task` with its evaluations done by the queue's workers, scoring on its `cases`. A built-in
   * task travels by its name, `taskRef`; an external task is shipped whole (its files, program
   * and commands, once, before its first job) so that workers need no copy of its directory.
   */
  taskVia(task: Task, taskRef: string, cases: CaseSet = 'run'): Task {
    const content = externalTaskContent(task);
    const reference = (): Promise<string> =>
      content ? this.ship(content) : Promise.resolve(taskRef);
    return {
      name: task.name,
      description: task.description,
      language: task.language,
      programFile: task.programFile,
      initialProgram: task.initialProgram,
      evaluate: async (code: string, limits: EvaluationLimits, signal?: AbortSignal) =>
        this.evaluate({ task: await reference(), cases, code, limits }, signal),
    };
  }

  /** Ship an external task once per content; its reference for jobs. */
  private ship(content: ExternalTaskContent): Promise<string> {
    let ref = this.shipped.get(content);
    if (!ref) {
      ref = this.shelf.ship(content);
      this.shipped.set(content, ref);
    }
    return ref;
  }

  private async evaluate(job: EvaluationJob, signal?: AbortSignal): Promise<EvaluationRecord> {
    if (signal?.aborted) throw withdrawnEvaluation();
    const queued = await this.queue.add('evaluate', evaluationJobSchema.parse(job), {
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
    let result: unknown;
    this.inFlight++;
    try {
      result = await this.resultOf(queued, signal);
    } catch (error) {
      if (error instanceof EvaluationWithdrawn) throw error;
      throw new Error(
        `evaluation job ${queued.id} failed on its worker: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      this.inFlight--;
    }
    const parsed = evaluationResultSchema.safeParse(result);
    if (!parsed.success)
      throw new Error(`evaluation job ${queued.id} came back malformed: ${parsed.error.message}`);
    return parsed.data;
  }

  /**
   * What `job`'s worker sends back. Once `signal` aborts, the job is withdrawn as soon as no
   * worker holds it (at once when none has taken it; when its worker dies, once its claim
   * lapses), rejecting with EvaluationWithdrawn; a job a worker holds is waited for, as an
   * evaluation on this machine is, within its limits.
   */
  private resultOf(job: Job, signal: AbortSignal | undefined): Promise<unknown> {
    const finished = job.waitUntilFinished(this.events);
    if (!signal) return finished;
    return new Promise((resolve, reject) => {
      let over = false;
      let retry: NodeJS.Timeout | undefined;
      const end = (): void => {
        over = true;
        clearTimeout(retry);
        signal.removeEventListener('abort', withdraw);
      };
      const withdraw = (): void => {
        // Redis unreachable for a moment: try again, as for a job a worker holds.
        void this.withdraw(job)
          .catch(() => false)
          .then((gone) => {
            if (over) return;
            if (!gone) retry = setTimeout(withdraw, WITHDRAW_RETRY_MS);
            else {
              end();
              reject(withdrawnEvaluation());
            }
          });
      };
      // A withdrawn job's wait ends only when the queue closes, rejected: unheard by then.
      finished.then(resolve, reject).finally(end);
      if (signal.aborted) withdraw();
      else signal.addEventListener('abort', withdraw, { once: true });
    });
  }

  /** Take `job` off the queue unless a worker holds it or it is done (its result is on its way). */
  private async withdraw(job: Job): Promise<boolean> {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return false;
    return (await this.queue.remove(job.id!)) === 1;
  }

  /** A run whose jobs wait with nobody to take them looks stuck: say why, once until a worker comes. */
  private async warnIfNoWorker(): Promise<void> {
    const workers = await this.workers().catch(() => null);
    if (workers === 0 && !this.toldIdle)
      this.warn(
        `evaluations are waiting and no worker is connected to queue "${this.queue.name}"; start one with "evoplace evolve worker --redis URL --queue ${this.queue.name}"`,
      );
    if (workers !== null) this.toldIdle = workers === 0;
  }

  async close(): Promise<void> {
    clearInterval(this.idleCheck);
    this.shelf.close();
    await this.events.close();
    await this.queue.close();
  }
}

/** The error of an evaluation withdrawn before a worker took it. */
function withdrawnEvaluation(): EvaluationWithdrawn {
  return new EvaluationWithdrawn('the run stopped before a worker took the evaluation');
}
