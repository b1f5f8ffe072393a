import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { BoundedCapture } from './capture.js';

/**
 * After the exit, how long the output pipes may take to drain before we close them: only a
 * descendant that escaped the kill (possible without a PID namespace and a cgroup) can hold
 * them longer.
 */
export const DRAIN_GRACE_MS = 1000;
/** Exit code reported when the program could not be started at all, as shells do. */
export const CANNOT_START_EXIT_CODE = 127;

export interface ChildOptions {
  /** Full command line, wrappers included (see command.ts). */
  command: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /**
   * Kills what the process-group kill cannot reach (the run's cgroup, see cgroup.ts); called
   * with it, at the timeout and after the exit.
   */
  killDescendants?: () => void;
  /** Stops the run: its abort kills the group as the timeout does (the caller gave up on it). */
  signal?: AbortSignal;
}

export interface ChildOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: BoundedCapture;
  stderr: BoundedCapture;
}

/** What kills each child running now (its group and descendants), until it has exited. */
const running = new Set<() => void>();
let exitHooked = false;

/**
 * Have `kill` run if this process exits while the child runs: a child is in its own session, so
 * nothing else would stop it when the engine quits (a second Ctrl-C, process.exit). Node runs
 * 'exit' listeners on process.exit and at a normal end, not when a signal kills it outright,
 * which is why a second Ctrl-C exits through process.exit (cli/signals.ts). Returns the undo.
 */
function killOnExit(kill: () => void): () => void {
  if (!exitHooked) process.on('exit', killRunning);
  exitHooked = true;
  running.add(kill);
  return () => running.delete(kill);
}

function killRunning(): void {
  for (const kill of running) kill();
}

/**
 * Run a command in a new process group (session), capturing bounded output. At the timeout
 * the whole group gets SIGKILL (and `killDescendants` runs); after any exit both happen again,
 * for descendants left behind. Resolves when the process has exited and its output is read;
 * never rejects.
 */
export function runChild(options: ChildOptions): Promise<ChildOutcome> {
  const [program, ...args] = options.command;
  const stdout = new BoundedCapture(options.maxOutputBytes);
  const stderr = new BoundedCapture(options.maxOutputBytes);
  const start = performance.now();
  const child = spawn(program!, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const killAll = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    options.killDescendants?.();
  };
  const forget = killOnExit(killAll);
  options.signal?.addEventListener('abort', killAll);
  if (options.signal?.aborted) killAll();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killAll();
  }, options.timeoutMs);

  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => {
    // The child need not read its input; a closed pipe is not our failure.
  });
  child.stdin.end(options.stdin);

  return new Promise((resolve) => {
    let exit: { exitCode: number | null; signal: string | null; ms: number } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      forget();
      options.signal?.removeEventListener('abort', killAll);
      clearTimeout(timer);
      clearTimeout(drainTimer);
      resolve({ ...exit!, timedOut, stdout, stderr });
    };
    child.on('exit', (exitCode, signal) => {
      exit = { exitCode, signal, ms: performance.now() - start };
      clearTimeout(timer);
      killAll();
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_GRACE_MS);
    });
    child.on('close', () => {
      if (exit) finish();
    });
    child.on('error', (error) => {
      if (exit || child.pid !== undefined) return;
      stderr.push(Buffer.from(`sandbox: cannot start ${program}: ${error.message}\n`));
      exit = { exitCode: CANNOT_START_EXIT_CODE, signal: null, ms: performance.now() - start };
      finish();
    });
  });
}
