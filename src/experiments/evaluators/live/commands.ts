import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFrom } from './read-from.js';

/** Bytes of each output stream of a command kept for the log. */
const OUTPUT_TAIL_BYTES = 64 * 1024;

export interface CommandRun {
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
 * Runs shell commands in `cwd`, each as the leader of a new process group, so that killing it
 * (at its time limit, or when the evaluation stops) kills everything it started that is still
 * in the group. A command that exits normally leaves its background processes running: that
 * is how an apply command starts a service. Output goes to files in a private folder (a
 * background service may keep writing to them, which a pipe would not survive), read back
 * bounded.
 */
export class CommandRunner {
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
export function commandProblem(run: CommandRun, limit: string): string | null {
  if (run.killed) return `did not finish within ${limit} and was killed`;
  if (run.signal) return `was killed by ${run.signal}`;
  if (run.exitCode !== 0) return `exited with code ${run.exitCode}`;
  return null;
}
