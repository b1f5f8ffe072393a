import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (`npm run build` first; `npm test` does) as a user would. */
export function evoplace(args: string[], input?: string, cwd = ROOT): CliRun {
  const run = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A CLI process still running: for tests that talk to it (a mock server here) or kill it. */
export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** Start the built CLI without blocking this process's event loop. */
export function startEvoplace(args: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? -1 : -2), stdout, stderr }),
    ),
  );
  return { child, done };
}
