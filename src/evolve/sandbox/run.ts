import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCapabilities } from './capabilities.js';
import { runChild } from './child.js';
import { buildCommand, needsNetGuard } from './command.js';
import { sandboxEnv } from './env.js';
import { diedOfMemory } from './memory.js';
import { NET_GUARD_FILE, NET_GUARD_SOURCE } from './net-guard.js';
import { validateSpec } from './spec.js';
import type { SandboxCapabilities, SandboxResult, SandboxSpec } from './types.js';
import { createWorkdir, readBackFiles, removeWorkdir, writeFiles } from './workdir.js';

/**
 * Run an untrusted program once, isolated as far as this machine allows (see index.ts), and
 * report how it ended. Throws only for a bad spec (UserError) or a fault of ours; whatever the
 * program does (crash, loop, fork bomb, flood of output) comes back as a result.
 */
export function runSandboxed(spec: SandboxSpec): Promise<SandboxResult> {
  return runSandboxedWith(spec, sandboxCapabilities());
}

/** runSandboxed with given capabilities: tests use it to exercise the fallbacks. */
export async function runSandboxedWith(
  spec: SandboxSpec,
  capabilities: SandboxCapabilities,
): Promise<SandboxResult> {
  const valid = validateSpec(spec);
  const { root, dir } = createWorkdir();
  try {
    writeFiles(dir, valid.files ?? {});
    let netGuardPath: string | null = null;
    if (needsNetGuard(valid, capabilities)) {
      netGuardPath = join(root, NET_GUARD_FILE);
      writeFileSync(netGuardPath, NET_GUARD_SOURCE);
    }
    const outcome = await runChild({
      command: buildCommand(valid, { dir, capabilities, netGuardPath }),
      cwd: dir,
      env: sandboxEnv(dir, valid.env),
      stdin: valid.stdin ?? '',
      timeoutMs: valid.timeoutMs,
      maxOutputBytes: valid.maxOutputBytes,
    });
    const readBack = readBackFiles(dir, valid.readBack ?? [], valid.maxOutputBytes);
    const killedReason = outcome.timedOut
      ? 'timeout'
      : diedOfMemory(outcome.exitCode, outcome.signal, outcome.stderr.tailText())
        ? 'memory'
        : null;
    return {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      killedReason,
      stdout: outcome.stdout.text(),
      stderr: outcome.stderr.text(),
      stdoutTruncated: outcome.stdout.truncated,
      stderrTruncated: outcome.stderr.truncated,
      ms: outcome.ms,
      files: readBack.files,
      truncatedFiles: readBack.truncated,
    };
  } finally {
    removeWorkdir(root);
  }
}
