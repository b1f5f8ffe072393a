import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCapabilities } from './capabilities.js';
import { DEFAULT_MAX_PROCESSES, RunCgroup } from './cgroup.js';
import { runChild, type ChildOutcome } from './child.js';
import { buildCommand, needsNetGuard } from './command.js';
import { sandboxEnv } from './env.js';
import { diedOfMemory } from './memory.js';
import { NET_GUARD_FILE, NET_GUARD_SOURCE } from './net-guard.js';
import { validateSpec } from './spec.js';
import type { SandboxCapabilities, SandboxResult, SandboxSpec } from './types.js';
import {
  createWorkdir,
  readBackFiles,
  removeWorkdir,
  writeFiles,
  type Workdir,
} from './workdir.js';

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
  const workdir = createWorkdir();
  let cgroup: RunCgroup | null = null;
  try {
    if (capabilities.pidsCgroup !== null) {
      cgroup = RunCgroup.create(
        capabilities.pidsCgroup,
        valid.maxProcesses ?? DEFAULT_MAX_PROCESSES,
      );
    }
    return await runIn(valid, capabilities, workdir, cgroup);
  } finally {
    await cgroup?.remove();
    removeWorkdir(workdir.root);
  }
}

/** The run itself, in its workdir and cgroup (both made, and removed afterwards, by the caller). */
async function runIn(
  spec: SandboxSpec,
  capabilities: SandboxCapabilities,
  { root, dir }: Workdir,
  cgroup: RunCgroup | null,
): Promise<SandboxResult> {
  writeFiles(dir, spec.files ?? {});
  let netGuardPath: string | null = null;
  if (needsNetGuard(spec, capabilities)) {
    netGuardPath = join(root, NET_GUARD_FILE);
    writeFileSync(netGuardPath, NET_GUARD_SOURCE);
  }
  const outcome = await runChild({
    command: buildCommand(spec, { dir, capabilities, netGuardPath, cgroup: cgroup?.path ?? null }),
    cwd: dir,
    env: sandboxEnv(dir, spec.env),
    stdin: spec.stdin ?? '',
    timeoutMs: spec.timeoutMs,
    maxOutputBytes: spec.maxOutputBytes,
    killDescendants: cgroup ? () => cgroup.killAll() : undefined,
  });
  const readBack = readBackFiles(dir, spec.readBack ?? [], spec.maxOutputBytes);
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    killedReason: killedReason(outcome, cgroup?.limitHit() ?? false),
    stdout: outcome.stdout.text(),
    stderr: outcome.stderr.text(),
    stdoutTruncated: outcome.stdout.truncated,
    stderrTruncated: outcome.stderr.truncated,
    ms: outcome.ms,
    files: readBack.files,
    truncatedFiles: readBack.truncated,
  };
}

/** See SandboxResult.killedReason: a refused fork explains a failure or timeout best. */
function killedReason(
  outcome: ChildOutcome,
  processLimitHit: boolean,
): SandboxResult['killedReason'] {
  if (processLimitHit && outcome.exitCode !== 0) return 'processes';
  if (outcome.timedOut) return 'timeout';
  return diedOfMemory(outcome.exitCode, outcome.signal, outcome.stderr.tailText())
    ? 'memory'
    : null;
}
