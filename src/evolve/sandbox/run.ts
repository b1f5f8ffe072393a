import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCapabilities } from './capabilities.js';
import { createRunCgroups, DEFAULT_MAX_PROCESSES, type RunCgroup } from './cgroup.js';
import { runChild, type ChildOutcome } from './child.js';
import { buildCommand, memoryLimitBytes, needsNetGuard } from './command.js';
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
export function runSandboxed(spec: SandboxSpec, signal?: AbortSignal): Promise<SandboxResult> {
  return runSandboxedWith(spec, sandboxCapabilities(), signal);
}

/** runSandboxed with given capabilities: tests use it to exercise the fallbacks. */
export async function runSandboxedWith(
  spec: SandboxSpec,
  capabilities: SandboxCapabilities,
  signal?: AbortSignal,
): Promise<SandboxResult> {
  const valid = validateSpec(spec);
  const workdir = createWorkdir();
  let cgroups: RunCgroup[] = [];
  try {
    cgroups = createRunCgroups(capabilities.pidsCgroup, capabilities.memoryCgroup, {
      maxProcesses: valid.maxProcesses ?? DEFAULT_MAX_PROCESSES,
      memoryBytes: memoryLimitBytes(valid),
    });
    return await runIn(valid, capabilities, workdir, cgroups, signal);
  } finally {
    await Promise.all(cgroups.map((cgroup) => cgroup.remove()));
    removeWorkdir(workdir.root);
  }
}

/** The run itself, in its workdir and cgroups (made, and removed afterwards, by the caller). */
async function runIn(
  spec: SandboxSpec,
  capabilities: SandboxCapabilities,
  { root, dir }: Workdir,
  cgroups: readonly RunCgroup[],
  signal: AbortSignal | undefined,
): Promise<SandboxResult> {
  writeFiles(dir, spec.files ?? {});
  let netGuardPath: string | null = null;
  if (needsNetGuard(spec, capabilities)) {
    netGuardPath = join(root, NET_GUARD_FILE);
    writeFileSync(netGuardPath, NET_GUARD_SOURCE);
  }
  const outcome = await runChild({
    command: buildCommand(spec, {
      dir,
      capabilities,
      netGuardPath,
      cgroups: cgroups.map((cgroup) => cgroup.path),
    }),
    cwd: dir,
    env: sandboxEnv(dir, spec.env),
    stdin: spec.stdin ?? '',
    timeoutMs: spec.timeoutMs,
    maxOutputBytes: spec.maxOutputBytes,
    killDescendants:
      cgroups.length > 0 ? () => cgroups.forEach((cgroup) => cgroup.killAll()) : undefined,
    ...(signal ? { signal } : {}),
  });
  const readBack = readBackFiles(dir, spec.readBack ?? [], spec.maxOutputBytes);
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    killedReason: killedReason(outcome, {
      processes: cgroups.some((cgroup) => cgroup.processLimitHit()),
      memory: cgroups.some((cgroup) => cgroup.memoryLimitHit()),
    }),
    stdout: outcome.stdout.text(),
    stderr: outcome.stderr.text(),
    stdoutTruncated: outcome.stdout.truncated,
    stderrTruncated: outcome.stderr.truncated,
    ms: outcome.ms,
    files: readBack.files,
    truncatedFiles: readBack.truncated,
  };
}

/**
 * See SandboxResult.killedReason: a refused fork explains a failure or timeout best, then the
 * timeout, then the memory limit (`limitHit`: what the run's cgroups counted).
 */
function killedReason(
  outcome: ChildOutcome,
  limitHit: { processes: boolean; memory: boolean },
): SandboxResult['killedReason'] {
  if (limitHit.processes && outcome.exitCode !== 0) return 'processes';
  if (outcome.timedOut) return 'timeout';
  if (outcome.exitCode === 0) return null;
  return limitHit.memory ||
    diedOfMemory(outcome.exitCode, outcome.signal, outcome.stderr.tailText())
    ? 'memory'
    : null;
}
