import { spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { Semaphore } from '../../core/semaphore.js';
import { quantile } from '../../core/timing.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import { fillShellTemplate, tail } from './command.js';
import {
  COMPUTE_APPS_ARGS,
  GPU_QUERY_ARGS,
  parseComputeApps,
  parseGpuQuery,
  summariseGpu,
  type GpuSample,
} from './nvidia-smi.js';
import type { EvaluationContext, Evaluator, Measurement } from './types.js';

// ---------------------------------------------------------------------------------------------
// Settings

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL');
const atLeastOne = (max: number) => z.number().int().min(1).max(max);

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** How to tell that a service is up: GET `url` until it answers 200. */
const healthSchema = z
  .object({
    /** e.g. `http://127.0.0.1:8000/health` (vLLM's). */
    url: httpUrl,
    /** How long a (re)started service may take to answer 200: loading a model takes minutes. */
    timeoutSec: z.number().positive().max(86_400).default(300),
    /** Pause between two polls. */
    intervalMs: z.number().int().min(10).max(60_000).default(1000),
  })
  .strict();

/** Where and how to send requests to an OpenAI-compatible server. */
const endpointFields = {
  /** The server's base URL (`http://host:8000`; a trailing `/v1` is accepted too). */
  url: httpUrl,
  /** The `model` field of each request. */
  model: z.string().min(1),
  /** How many requests in all. */
  requests: atLeastOne(1_000_000),
  /** How many are in flight at once. */
  concurrency: atLeastOne(10_000),
  /** Name of an environment variable holding the server's API key (sent as a bearer token). */
  apiKeyEnv: z.string().min(1).optional(),
};

/** Chat load: POST {url}/v1/chat/completions with one user message. */
const chatSchema = z
  .object({
    ...endpointFields,
    prompt: z.string().min(1).default('Write one sentence about GPUs.'),
    maxTokens: atLeastOne(1_000_000).default(64),
    requests: endpointFields.requests.default(20),
    concurrency: endpointFields.concurrency.default(4),
  })
  .strict();

/** Transcription load: multipart POST {url}/v1/audio/transcriptions of one audio file. */
const transcriptionSchema = z
  .object({
    ...endpointFields,
    /** The audio sent with every request; relative to the spec's folder. */
    audioFile: z.string().min(1),
    requests: endpointFields.requests.default(10),
    concurrency: endpointFields.concurrency.default(2),
  })
  .strict();

/** How to run nvidia-smi, and which GPU the services share. */
const nvidiaSmiSchema = z
  .object({
    /** A shell command line: `nvidia-smi`, a path, or `ssh gpu-box nvidia-smi`; the query is appended. */
    command: z.string().min(1).default('nvidia-smi'),
    gpuIndex: z.number().int().min(0).max(1023).default(0),
    /** Pause between two probes while the load runs. */
    sampleIntervalMs: z.number().int().min(100).max(600_000).default(1000),
  })
  .strict();

/** Case-insensitive regular expressions of an out-of-memory event in a service or kernel log. */
export const DEFAULT_OOM_PATTERNS = [
  'CUDA out of memory',
  'CUDA error: out of memory',
  'torch\\.OutOfMemoryError',
  'OutOfMemoryError',
  'oom-kill',
  'Out of memory: Killed process',
];

/**
 * The `live` evaluator's settings. Per candidate: `apply` puts it in place, the service must
 * answer `health`, then the `chat` and `transcription` loads run together while `nvidiaSmi`
 * probes the GPU, and finally `restore` brings the baseline back (always, also after a failure
 * or a timeout) and the baseline must answer `health` again.
 *
 * `apply` and `restore` are shell templates (command.ts's fillShellTemplate: `{param}` becomes
 * the candidate's value, quoted for the shell). They run one after another with /bin/sh in the
 * spec's folder, each in its own process group, with our environment plus `env` and
 * EVOPLACE_SPEC_DIR: they are the operator's own commands, not untrusted code. A command that
 * starts a service in the background should redirect the service's output (`> svc.log 2>&1 &`).
 */
export const liveEvaluatorSchema = z
  .object({
    kind: z.literal('live'),
    apply: z.array(z.string().min(1)).min(1, 'needs at least one command that applies a candidate'),
    restore: z
      .array(z.string().min(1))
      .min(1, 'needs at least one command that restores the baseline'),
    env: z.record(z.string(), z.string()).optional(),
    health: healthSchema,
    /** Bound on restoring: the restore commands and the baseline's health check together. */
    restoreTimeoutSec: z.number().positive().max(86_400).default(600),
    chat: chatSchema.optional(),
    transcription: transcriptionSchema.optional(),
    nvidiaSmi: nvidiaSmiSchema.optional(),
    /** Service logs (relative to the spec's folder) scanned for OOM; only new lines count. */
    logFiles: z.array(z.string().min(1)).default([]),
    /** Replaces DEFAULT_OOM_PATTERNS: regular expressions, matched case-insensitively. */
    oomPatterns: z
      .array(z.string().min(1).refine(isRegExp, 'must be a valid regular expression'))
      .min(1)
      .default(DEFAULT_OOM_PATTERNS),
    /** Also scan the kernel log (/dev/kmsg) for OOM kills; skipped when it is not readable. */
    kernelLog: z.boolean().default(true),
  })
  .strict();
export type LiveEvaluatorSettings = z.infer<typeof liveEvaluatorSchema>;

/** Bounds of what one command may cost us: time for nvidia-smi, bytes of output kept. */
const NVIDIA_SMI_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_BYTES = 64 * 1024;
/** Bytes of one log read per poll; more new bytes than this are skipped, keeping the end. */
const LOG_READ_BYTES = 4 * 1024 * 1024;
/** Kernel records read per poll, against a flood. */
const KERNEL_RECORDS_PER_POLL = 100_000;
/** Wait for one health answer at most this long. */
const HEALTH_REQUEST_TIMEOUT_MS = 5000;
/** OOM lines kept for the log. */
const OOM_LINES_KEPT = 20;
/** The measurement's log is cut to its last this many characters. */
const LOG_CHARS = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Commands, each in its own process group

interface CommandRun {
  exitCode: number | null;
  signal: string | null;
  /** We killed its process group: its time ran out or the evaluation was stopped. */
  killed: boolean;
  ms: number;
  /** The last OUTPUT_TAIL_BYTES of each stream. */
  stdout: string;
  stderr: string;
}

/**
 * Bytes of `path` from offset `from` to its end (at most `maxBytes`, keeping the end), and the
 * offset after them; null when the file cannot be read.
 */
function readFrom(
  path: string,
  from: number,
  maxBytes: number,
): { bytes: Buffer; end: number } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - maxBytes);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, start + length);
      if (read === 0) break;
      length += read;
    }
    return { bytes: buffer.subarray(0, length), end: start + length };
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs shell commands in `cwd`, each as the leader of a new process group, so that killing it
 * (at its time limit, or when the evaluation stops) kills everything it started that is still
 * in the group. A command that exits normally leaves its background processes running: that
 * is how an apply command starts a service. Output goes to files in a private folder (a
 * background service may keep writing to them, which a pipe would not survive), read back
 * bounded.
 */
class CommandRunner {
  private readonly dir = mkdtempSync(join(tmpdir(), 'evoplace-live-'));
  private runs = 0;

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  run(command: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandRun> {
    const number = ++this.runs;
    const paths = [join(this.dir, `${number}.out`), join(this.dir, `${number}.err`)] as const;
    const fds = paths.map((path) => openSync(path, 'w'));
    const started = performance.now();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('/bin/sh', ['-c', command], {
        cwd: this.cwd,
        env: this.env,
        detached: true,
        stdio: ['ignore', fds[0]!, fds[1]!],
      });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    return new Promise((resolve) => {
      let killed = false;
      let done = false;
      const kill = (): void => {
        killed = true;
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const timer = setTimeout(kill, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', kill, { once: true });
      if (signal?.aborted) kill();
      const finish = (exitCode: number | null, exitSignal: string | null, note = ''): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', kill);
        const [stdout, stderr] = paths.map(
          (path) => readFrom(path, 0, OUTPUT_TAIL_BYTES)?.bytes.toString('utf8') ?? '',
        );
        for (const path of paths) rmSync(path, { force: true });
        resolve({
          exitCode,
          signal: exitSignal,
          killed,
          ms: performance.now() - started,
          stdout: stdout!,
          stderr: `${stderr!}${note}`,
        });
      };
      child.on('exit', (code, exitSignal) => finish(code, exitSignal));
      child.on('error', (error) => finish(null, null, `cannot run /bin/sh: ${error.message}`));
    });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** How a command ended, in words, or null for a clean exit. */
function commandProblem(run: CommandRun, limit: string): string | null {
  if (run.killed) return `did not finish within ${limit} and was killed`;
  if (run.signal) return `was killed by ${run.signal}`;
  if (run.exitCode !== 0) return `exited with code ${run.exitCode}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// OOM evidence: new lines in service logs and in the kernel log

/** A file's size and inode, or null when it is missing or cannot be seen. */
function statOrNull(path: string): { size: number; ino: number } | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** One log file followed from where it ended when the candidate started. */
interface FollowedLog {
  path: string;
  position: number;
  inode: number | null;
  /** An unfinished last line, completed by the next read. */
  partial: string;
}

/** The message of a /dev/kmsg record (`priority,sequence,time,flags;message`). */
export function kernelMessage(record: string): string {
  const start = record.indexOf(';');
  const message = start < 0 ? record : record.slice(start + 1);
  return message.split('\n', 1)[0]!;
}

/**
 * Watches service logs and the kernel log for OOM messages written since it was made: a log
 * replaced (new inode) or truncated is read from its start. The kernel log is read through a
 * non-blocking /dev/kmsg handle opened (and read to its end) at the start, so only later
 * records count; where /dev/kmsg cannot be read it is skipped. Note that the kernel log is
 * machine-wide: an OOM kill of any process during the candidate counts against it.
 */
class OomWatch {
  /** Matching lines, prefixed by where they were found (the first OOM_LINES_KEPT). */
  readonly found: string[] = [];
  private matched = 0;
  private readonly logs: FollowedLog[];
  private kmsg: number | null = null;

  constructor(
    paths: string[],
    private readonly patterns: RegExp[],
    kernelLog: boolean,
  ) {
    this.logs = paths.map((path) => {
      const stat = statOrNull(path);
      return { path, position: stat?.size ?? 0, inode: stat?.ino ?? null, partial: '' };
    });
    if (kernelLog) {
      try {
        this.kmsg = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
        this.readKernel(() => {});
      } catch {
        this.close();
      }
    }
  }

  /** Read what is new; true when any OOM message has been seen so far. */
  poll(): boolean {
    for (const log of this.logs) this.readLog(log);
    this.readKernel((message) => this.check('kernel', message));
    return this.matched > 0;
  }

  close(): void {
    if (this.kmsg !== null) closeSync(this.kmsg);
    this.kmsg = null;
  }

  private check(where: string, line: string): void {
    if (!this.patterns.some((pattern) => pattern.test(line))) return;
    this.matched++;
    if (this.found.length < OOM_LINES_KEPT) this.found.push(`${where}: ${line.trim()}`);
  }

  private readLog(log: FollowedLog): void {
    const stat = statOrNull(log.path);
    if (!stat) return;
    if (stat.ino !== log.inode || stat.size < log.position) {
      log.position = 0;
      log.partial = '';
      log.inode = stat.ino;
    }
    const read = readFrom(log.path, log.position, LOG_READ_BYTES);
    if (read === null || read.bytes.length === 0) return;
    log.position = read.end;
    const lines = (log.partial + read.bytes.toString('utf8')).split('\n');
    log.partial = lines.pop()!;
    for (const line of lines) this.check(log.path, line);
    if (this.patterns.some((pattern) => pattern.test(log.partial))) {
      this.check(log.path, log.partial);
      log.partial = '';
    }
  }

  private readKernel(onMessage: (message: string) => void): void {
    if (this.kmsg === null) return;
    const buffer = Buffer.alloc(8192);
    for (let i = 0; i < KERNEL_RECORDS_PER_POLL; i++) {
      let length: number;
      try {
        length = readSync(this.kmsg, buffer, 0, buffer.length, null);
      } catch (error) {
        // EPIPE: records were overwritten before we read them; the next read goes on.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') continue;
        return; // EAGAIN: nothing more for now.
      }
      if (length === 0) return;
      onMessage(kernelMessage(buffer.subarray(0, length).toString('utf8')));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP: health and load

/** `url` without a trailing slash or `/v1`, then `path`. */
function endpoint(url: string, path: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '') + path;
}

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

interface HealthResult {
  healthy: boolean;
  /** Why not, when not healthy. */
  problem: string | null;
}

/**
 * GET `url` every `intervalMs` until it answers 200, for at most `timeoutMs`. `stopEarly` is
 * asked before each poll and ends the wait with its answer (an OOM in the logs, say).
 */
async function waitHealthy(
  url: string,
  timeoutMs: number,
  intervalMs: number,
  signal: AbortSignal | undefined,
  stopEarly: () => string | null = () => null,
): Promise<HealthResult> {
  const end = performance.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (signal?.aborted) return { healthy: false, problem: `stopped (last answer: ${last})` };
    const reason = stopEarly();
    if (reason) return { healthy: false, problem: reason };
    const left = end - performance.now();
    if (left <= 0)
      return {
        healthy: false,
        problem: `${url} did not answer 200 within ${(timeoutMs / 1000).toFixed(1)} s (last answer: ${last})`,
      };
    try {
      const limit = AbortSignal.timeout(Math.ceil(Math.min(HEALTH_REQUEST_TIMEOUT_MS, left)));
      const response = await fetch(url, {
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
      await response.arrayBuffer();
      if (response.status === 200) return { healthy: true, problem: null };
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = describeFailure(error);
    }
    await sleep(Math.max(0, Math.min(intervalMs, end - performance.now())), undefined, {
      signal,
    }).catch(() => {});
  }
}

/** One load's outcome: latencies of the successful requests and the failures. */
interface LoadResult {
  latenciesMs: number[];
  errors: number;
  firstError: string | null;
  /** From the first request's start to the last one's end. */
  wallMs: number;
  /** Sum of every request's duration, failed ones included. */
  busyMs: number;
  /** Completion tokens the server reported (chat). */
  tokens: number;
}

/**
 * Send `requests` requests, at most `concurrency` at a time; `send` resolves to the tokens the
 * answer reports, and throws for a failed request. Stops starting requests once `signal` aborts.
 */
async function runLoad(
  requests: number,
  concurrency: number,
  send: (signal: AbortSignal | undefined) => Promise<number>,
  signal: AbortSignal | undefined,
): Promise<LoadResult> {
  const result: LoadResult = {
    latenciesMs: [],
    errors: 0,
    firstError: null,
    wallMs: 0,
    busyMs: 0,
    tokens: 0,
  };
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests && !signal?.aborted) {
      next++;
      const start = performance.now();
      try {
        const tokens = await send(signal);
        result.tokens += tokens;
        result.latenciesMs.push(performance.now() - start);
      } catch (error) {
        result.errors++;
        result.firstError ??= describeFailure(error);
      }
      result.busyMs += performance.now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  result.wallMs = performance.now() - started;
  return result;
}

/** POST and read a JSON answer; a non-2xx status or a non-JSON body throws. */
async function postJson(
  url: string,
  body: string | FormData,
  apiKeyEnv: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  const key = apiKeyEnv ? process.env[apiKeyEnv] : undefined;
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method: 'POST', headers, body, signal });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${tail(text, 200)}`);
  const payload: unknown = JSON.parse(text);
  if (typeof payload !== 'object' || payload === null) throw new Error('the answer is not JSON');
  return payload as Record<string, unknown>;
}

type ChatSettings = NonNullable<LiveEvaluatorSettings['chat']>;
type TranscriptionSettings = NonNullable<LiveEvaluatorSettings['transcription']>;

function chatLoad(chat: ChatSettings, signal: AbortSignal | undefined): Promise<LoadResult> {
  const body = JSON.stringify({
    model: chat.model,
    messages: [{ role: 'user', content: chat.prompt }],
    max_tokens: chat.maxTokens,
    temperature: 0,
  });
  const url = endpoint(chat.url, '/v1/chat/completions');
  return runLoad(
    chat.requests,
    chat.concurrency,
    async (requestSignal) => {
      const answer = await postJson(url, body, chat.apiKeyEnv, requestSignal);
      if (!Array.isArray(answer.choices)) throw new Error('the answer has no choices');
      const usage = answer.usage as { completion_tokens?: unknown } | undefined;
      return typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : 0;
    },
    signal,
  );
}

function transcriptionLoad(
  transcription: TranscriptionSettings,
  audio: { name: string; bytes: Buffer },
  signal: AbortSignal | undefined,
): Promise<LoadResult> {
  const url = endpoint(transcription.url, '/v1/audio/transcriptions');
  const file = new Blob([audio.bytes]);
  return runLoad(
    transcription.requests,
    transcription.concurrency,
    async (requestSignal) => {
      const form = new FormData();
      form.append('file', file, audio.name);
      form.append('model', transcription.model);
      form.append('response_format', 'json');
      const answer = await postJson(url, form, transcription.apiKeyEnv, requestSignal);
      if (typeof answer.text !== 'string') throw new Error('the answer has no text');
      return 0;
    },
    signal,
  );
}

/**
 * A load's metrics, named `<prefix>P50Ms`, `P95Ms` (successful requests only), `Errors`,
 * `Concurrency` (achieved: the mean number of requests in flight), `RequestsPerSec`
 * (successful) and, for chat, `chatTokensPerSec` (completion tokens).
 */
function loadMetrics(prefix: string, load: LoadResult): Record<string, number> {
  const metrics: Record<string, number> = { [`${prefix}Errors`]: load.errors };
  if (load.latenciesMs.length > 0) {
    metrics[`${prefix}P50Ms`] = quantile(load.latenciesMs, 0.5);
    metrics[`${prefix}P95Ms`] = quantile(load.latenciesMs, 0.95);
  }
  if (load.wallMs > 0) {
    metrics[`${prefix}Concurrency`] = load.busyMs / load.wallMs;
    metrics[`${prefix}RequestsPerSec`] = (1000 * load.latenciesMs.length) / load.wallMs;
    if (load.tokens > 0) metrics[`${prefix}TokensPerSec`] = (1000 * load.tokens) / load.wallMs;
  }
  return metrics;
}

// ---------------------------------------------------------------------------------------------
// One candidate

/** A candidate's commands, filled in before anything runs, and the audio it will send. */
interface Plan {
  apply: string[];
  restore: string[];
  audio: { name: string; bytes: Buffer } | null;
}

function planFor(settings: LiveEvaluatorSettings, specDir: string, params: Params): Plan {
  const fill = (templates: string[]) => templates.map((t) => fillShellTemplate(t, params));
  let audio: Plan['audio'] = null;
  if (settings.transcription) {
    const path = resolve(specDir, settings.transcription.audioFile);
    try {
      audio = { name: basename(path), bytes: readFileSync(path) };
    } catch (error) {
      throw new Error(`cannot read the transcription audio file: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { apply: fill(settings.apply), restore: fill(settings.restore), audio };
}

/** The candidate's time: ends at its deadline or when the caller stops the evaluation. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onStop = (): void => this.controller.abort('stopped');

  constructor(
    private readonly end: number,
    private readonly stop: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(
      () => this.controller.abort('timeout'),
      Math.max(0, end - performance.now()),
    );
    stop?.addEventListener('abort', this.onStop, { once: true });
    if (stop?.aborted) this.onStop();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  leftMs(): number {
    return Math.max(0, this.end - performance.now());
  }

  /** Why the time ended, in words, or null while it has not. */
  reason(timeoutMs: number): string | null {
    if (!this.signal.aborted) return null;
    return this.signal.reason === 'timeout'
      ? `the candidate's ${(timeoutMs / 1000).toFixed(1)} s timeout passed`
      : 'the evaluation was stopped';
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.stop?.removeEventListener('abort', this.onStop);
  }
}

/** Lines of the measurement's log. */
class Journal {
  private readonly lines: string[] = [];

  note(line: string): void {
    this.lines.push(line);
  }

  command(phase: string, command: string, run: CommandRun): void {
    this.note(
      `${phase}: $ ${command} -> ${run.killed ? 'killed' : (run.signal ?? `exit ${run.exitCode}`)} ` +
        `after ${(run.ms / 1000).toFixed(2)} s`,
    );
    for (const [name, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
    ] as const)
      if (text.trim()) this.note(`  ${name}: ${tail(text)}`);
  }

  text(): string {
    return tail(this.lines.join('\n'), LOG_CHARS);
  }
}

/** What the candidate phase found, before the restore. */
interface CandidateOutcome {
  metrics: Record<string, number>;
  error: string | null;
  /** Why the candidate counts as out of memory (empty when it does not). */
  oom: string[];
}

/** Everything one evaluation works with. */
interface Session {
  settings: LiveEvaluatorSettings;
  plan: Plan;
  runner: CommandRunner;
  watch: OomWatch;
  deadline: Deadline;
  timeoutMs: number;
  journal: Journal;
}

async function probeGpu(session: Session, phase: GpuSample['phase']): Promise<GpuSample | null> {
  const { nvidiaSmi } = session.settings;
  if (!nvidiaSmi || session.deadline.signal.aborted) return null;
  const query = async (args: readonly string[]): Promise<string | null> => {
    const command = `${nvidiaSmi.command} ${args.join(' ')}`;
    const timeout = Math.min(NVIDIA_SMI_TIMEOUT_MS, session.deadline.leftMs());
    const run = await session.runner.run(command, timeout, session.deadline.signal);
    const problem = commandProblem(run, `${(timeout / 1000).toFixed(1)} s`);
    if (problem === null) return run.stdout;
    session.journal.command(`nvidia-smi (${phase})`, command, run);
    return null;
  };
  const gpus = await query(GPU_QUERY_ARGS);
  const gpu =
    gpus === null ? undefined : parseGpuQuery(gpus).find((g) => g.index === nvidiaSmi.gpuIndex);
  if (!gpu) {
    if (gpus !== null)
      session.journal.note(
        `nvidia-smi (${phase}): no GPU ${nvidiaSmi.gpuIndex} in: ${tail(gpus, 500)}`,
      );
    return null;
  }
  const apps = await query(COMPUTE_APPS_ARGS);
  const sample: GpuSample = { phase, gpu, apps: apps === null ? null : parseComputeApps(apps) };
  session.journal.note(
    `nvidia-smi (${phase}): ${gpu.memoryUsedMib ?? '?'} of ${gpu.memoryTotalMib ?? '?'} MiB, ` +
      `${gpu.utilizationPercent ?? '?'} %, ${sample.apps?.length ?? '?'} processes`,
  );
  return sample;
}

/** Run both loads together while probing the GPU every `sampleIntervalMs`. */
async function measureLoad(
  session: Session,
  samples: GpuSample[],
): Promise<Record<string, number>> {
  const { settings, plan, deadline } = session;
  const finished = new AbortController();
  const sampler = (async () => {
    const interval = settings.nvidiaSmi?.sampleIntervalMs ?? 0;
    if (!settings.nvidiaSmi) return;
    for (;;) {
      try {
        await sleep(interval, undefined, {
          signal: AbortSignal.any([finished.signal, deadline.signal]),
        });
      } catch {
        return;
      }
      const sample = await probeGpu(session, 'load');
      if (sample) samples.push(sample);
    }
  })();
  const [chat, transcription] = await Promise.all([
    settings.chat ? chatLoad(settings.chat, deadline.signal) : null,
    settings.transcription && plan.audio
      ? transcriptionLoad(settings.transcription, plan.audio, deadline.signal)
      : null,
  ]);
  finished.abort();
  await sampler;
  const metrics: Record<string, number> = {};
  for (const [prefix, load] of [
    ['chat', chat],
    ['transcription', transcription],
  ] as const) {
    if (!load) continue;
    Object.assign(metrics, loadMetrics(prefix, load));
    session.journal.note(
      `${prefix}: ${load.latenciesMs.length} answered, ${load.errors} failed` +
        (load.firstError ? ` (first failure: ${load.firstError})` : '') +
        ` in ${(load.wallMs / 1000).toFixed(2)} s`,
    );
  }
  return metrics;
}

/**
 * Apply the candidate, wait for health (ending early on an OOM message), probe the GPU, run
 * the load, probe again and check that the service still answers. Returns at the first failure.
 */
async function measureCandidate(session: Session): Promise<CandidateOutcome> {
  const { settings, plan, runner, watch, deadline, journal } = session;
  const outcome: CandidateOutcome = { metrics: {}, error: null, oom: [] };
  const fail = (what: string): CandidateOutcome => {
    const late = deadline.reason(session.timeoutMs);
    outcome.error = late ? `${late}: ${what}` : what;
    return outcome;
  };
  const started = performance.now();
  for (const [i, command] of plan.apply.entries()) {
    const run = await runner.run(command, deadline.leftMs(), deadline.signal);
    journal.command('apply', command, run);
    const problem = commandProblem(run, 'the candidate timeout');
    if (problem) {
      const stderr = tail(run.stderr, 500);
      return fail(`apply command ${i + 1} ${problem}${stderr ? ` (stderr: ${stderr})` : ''}`);
    }
  }
  const health = await waitHealthy(
    settings.health.url,
    Math.min(settings.health.timeoutSec * 1000, deadline.leftMs()),
    settings.health.intervalMs,
    deadline.signal,
    () => (watch.poll() ? 'the service logged an out-of-memory error' : null),
  );
  if (!health.healthy) return fail(`the candidate did not become healthy: ${health.problem}`);
  outcome.metrics.healthyAfterMs = performance.now() - started;
  journal.note(`healthy after ${(outcome.metrics.healthyAfterMs / 1000).toFixed(2)} s`);

  const samples: GpuSample[] = [];
  const before = await probeGpu(session, 'before');
  if (before) samples.push(before);
  Object.assign(outcome.metrics, await measureLoad(session, samples));
  const after = await probeGpu(session, 'after');
  if (after) samples.push(after);
  const gpu = summariseGpu(samples);
  Object.assign(outcome.metrics, gpu.metrics);
  if (gpu.full) outcome.oom.push('nvidia-smi showed the GPU memory full');

  if (deadline.signal.aborted) return fail('the load did not finish');
  const still = await waitHealthy(
    settings.health.url,
    Math.min(HEALTH_REQUEST_TIMEOUT_MS, deadline.leftMs()),
    settings.health.intervalMs,
    deadline.signal,
  );
  if (!still.healthy) return fail(`the service stopped answering after the load: ${still.problem}`);
  return outcome;
}

/**
 * Run every restore command (also after one fails), then wait for the baseline's health, all
 * within `restoreTimeoutSec`. Returns what went wrong, or null.
 */
async function restoreBaseline(session: Session): Promise<string | null> {
  const { settings, plan, runner, journal } = session;
  const limitMs = settings.restoreTimeoutSec * 1000;
  const end = performance.now() + limitMs;
  const problems: string[] = [];
  for (const [i, command] of plan.restore.entries()) {
    const left = end - performance.now();
    if (left <= 0) {
      problems.push(
        `restore command ${i + 1} was not run: the ${settings.restoreTimeoutSec} s restore timeout passed`,
      );
      continue;
    }
    const run = await runner.run(command, left, undefined);
    journal.command('restore', command, run);
    const problem = commandProblem(run, 'the restore timeout');
    if (problem) problems.push(`restore command ${i + 1} ${problem}`);
  }
  const health = await waitHealthy(
    settings.health.url,
    Math.min(settings.health.timeoutSec * 1000, Math.max(0, end - performance.now())),
    settings.health.intervalMs,
    undefined,
  );
  if (health.healthy) journal.note('baseline healthy');
  else problems.push(`the baseline did not become healthy: ${health.problem}`);
  return problems.length > 0 ? `restoring the baseline failed: ${problems.join('; ')}` : null;
}

function failed(error: string): Measurement {
  return { metrics: {}, oom: false, error, log: '' };
}

async function evaluateLive(
  settings: LiveEvaluatorSettings,
  specDir: string,
  patterns: RegExp[],
  params: Params,
  context: EvaluationContext,
  end: number,
): Promise<Measurement> {
  let plan: Plan;
  try {
    plan = planFor(settings, specDir, params);
  } catch (error) {
    return failed((error as Error).message);
  }
  if (context.signal?.aborted) return failed('the evaluation was stopped before it started');
  if (end <= performance.now())
    return failed(
      "the candidate's timeout passed while the previous candidate's baseline was being restored",
    );
  let runner: CommandRunner;
  try {
    runner = new CommandRunner(specDir, {
      ...process.env,
      ...settings.env,
      EVOPLACE_SPEC_DIR: specDir,
    });
  } catch (error) {
    return failed(`cannot prepare the evaluation: ${(error as Error).message}`);
  }
  const session: Session = {
    settings,
    plan,
    runner,
    watch: new OomWatch(
      settings.logFiles.map((path) => resolve(specDir, path)),
      patterns,
      settings.kernelLog,
    ),
    deadline: new Deadline(end, context.signal),
    timeoutMs: context.timeoutMs,
    journal: new Journal(),
  };
  let outcome: CandidateOutcome = { metrics: {}, error: null, oom: [] };
  let restoreProblem: string | null;
  try {
    outcome = await measureCandidate(session);
  } catch (error) {
    outcome.error = `the live evaluation failed: ${(error as Error).message}`;
  } finally {
    session.deadline.dispose();
    session.watch.poll();
    session.watch.close();
    restoreProblem = await restoreBaseline(session).catch(
      (error: unknown) => `restoring the baseline failed: ${(error as Error).message}`,
    );
    session.runner.dispose();
  }
  const oom = [...outcome.oom, ...session.watch.found];
  for (const line of oom) session.journal.note(`OOM: ${line}`);
  const error = [outcome.error, restoreProblem].filter((e) => e !== null).join('; ');
  return {
    metrics: outcome.metrics,
    oom: oom.length > 0,
    error: error || null,
    log: session.journal.text(),
  };
}

/**
 * The `live` evaluator (see liveEvaluatorSchema for what it does per candidate). `specDir` is
 * the spec's folder: commands start there and relative paths resolve against it.
 *
 * Time: the candidate phase (apply, health, load) ends at `context.timeoutMs` after the call,
 * when a command still running is killed with its process group; the restore then has its own
 * `restoreTimeoutSec`. Evaluations of one evaluator run one at a time, since candidates share
 * the machine: a call waits for the previous restore to finish, and that wait counts against
 * its own timeout. Never throws: failures come back as `error`, OOM evidence as `oom`.
 */
export function liveEvaluator(settings: LiveEvaluatorSettings, specDir: string): Evaluator {
  const patterns = settings.oomPatterns.map((source) => new RegExp(source, 'i'));
  const oneAtATime = new Semaphore(1);
  return {
    kind: 'live',
    enforcesDeadline: true,
    evaluate(params: Params, context: EvaluationContext): Promise<Measurement> {
      const end = performance.now() + context.timeoutMs;
      return oneAtATime.run(() => evaluateLive(settings, specDir, patterns, params, context, end));
    },
  };
}
