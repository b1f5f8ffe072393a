import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { processAlive } from '../src/core/process-alive.js';

/** A process that runs a long child in its own session, as the sandbox does, under onStopSignal. */
const SCRIPT = `
const { runChild } = await import(${JSON.stringify(join(ROOT, 'dist/evolve/sandbox/child.js'))});
const { onStopSignal } = await import(${JSON.stringify(join(ROOT, 'dist/cli/signals.js'))});
onStopSignal(() => process.stderr.write('stopping\\n'));
await runChild({
  command: ['sh', '-c', 'echo $$ > "$PID_FILE"; exec sleep 100'],
  cwd: process.cwd(),
  env: { PATH: process.env.PATH, PID_FILE: process.env.PID_FILE },
  stdin: '',
  timeoutMs: 100000,
  maxOutputBytes: 1024,
});
`;

describe('stop signals', () => {
  it('a second Ctrl-C quits with 130 and takes the evaluations in flight with it', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'evoplace-signals-')), 'pid');
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      env: { ...process.env, PID_FILE: pidFile },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(20);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(grandchild)).toBe(true);
    child.kill('SIGINT');
    while (!stderr.includes('stopping')) await sleep(20);
    // The first signal asks the work to stop; the child is still running.
    expect(processAlive(grandchild)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    for (let i = 0; i < 100 && processAlive(grandchild); i++) await sleep(20);
    expect(processAlive(grandchild)).toBe(false);
  });
});
