import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (`npm run build` first; `npm test` does) as a user would. */
export function evoplace(args: string[], input?: string): CliRun {
  const run = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}
