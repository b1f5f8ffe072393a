import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cgroupParents,
  isUnified,
  joinCgroupWrapper,
  RunCgroup,
  type CgroupController,
  type CgroupLimits,
} from './cgroup.js';
import { privateFilesystemWrapper } from './filesystem.js';
import type { SandboxCapabilities } from './types.js';

/** unshare flags for a PID namespace whose init is the child: when it dies, all of it dies. */
export const PID_NAMESPACE_FLAGS = ['--pid', '--fork', '--kill-child', '--mount-proc'] as const;
/** unshare flags that map our user to root inside, so no privilege is needed outside. */
export const USER_NAMESPACE_FLAGS = ['--user', '--map-root-user'] as const;
/** unshare flag for a fresh network namespace: loopback only, and down. */
export const NETWORK_NAMESPACE_FLAG = '--net';

const PROBE_TIMEOUT_MS = 5000;
const PROBE_MEMORY_LIMIT_BYTES = 16 * 1024 * 1024;

/** How a probe ended: 'ok', 'failed' (an exit code other than 0, or a signal) or 'not run' (or too slow). */
function probeOutcome(command: string, args: readonly string[]): 'ok' | 'failed' | 'not run' {
  const probe = spawnSync(command, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  if (probe.error !== undefined) return 'not run';
  return probe.status === 0 ? 'ok' : 'failed';
}

function succeeds(command: string, args: readonly string[]): boolean {
  return probeOutcome(command, args) === 'ok';
}

/** Folders where a run's cgroup might be made for `controller` (see cgroupParents). */
function parentsFor(controller: CgroupController): string[] {
  try {
    return cgroupParents(
      controller,
      readFileSync('/proc/self/mounts', 'utf8'),
      readFileSync('/proc/self/cgroup', 'utf8'),
    );
  } catch {
    return [];
  }
}

/**
 * Whether a cgroup made under `parent` with `limits` stops `command` (run as a run's first
 * process) as `hit` says it should.
 */
function cgroupStops(
  parent: string,
  limits: CgroupLimits,
  command: readonly string[],
  hit: (cgroup: RunCgroup) => boolean,
): boolean {
  let cgroup: RunCgroup;
  try {
    cgroup = RunCgroup.create(parent, limits);
  } catch {
    return false;
  }
  try {
    const [shell, ...args] = joinCgroupWrapper([cgroup.path]);
    return probeOutcome(shell!, [...args, ...command]) === 'failed' && hit(cgroup);
  } finally {
    cgroup.tryRemove();
  }
}

/** The first folder where a run's cgroup really limits forks: allowing one task, it refuses the shell's fork. */
function probePidsCgroup(): string | null {
  return (
    parentsFor('pids').find((parent) =>
      cgroupStops(parent, { maxProcesses: 1 }, ['/bin/sh', '-c', 'true & wait'], (cgroup) =>
        cgroup.processLimitHit(),
      ),
    ) ?? null
  );
}

/**
 * The first folder where a run's cgroup really limits memory: at 16 MiB, the kernel kills a
 * `dd` that fills a 64 MiB buffer. In the unified hierarchy it must be the pids cgroup's own
 * folder when that is unified too, since a run's first process can be in only one of its cgroups.
 */
function probeMemoryCgroup(pidsCgroup: string | null): string | null {
  const unifiedPids = pidsCgroup !== null && isUnified(pidsCgroup);
  return (
    parentsFor('memory').find(
      (parent) =>
        !(unifiedPids && parent !== pidsCgroup && isUnified(parent)) &&
        cgroupStops(
          parent,
          { memoryBytes: PROBE_MEMORY_LIMIT_BYTES },
          ['dd', 'if=/dev/zero', 'of=/dev/null', `bs=${4 * PROBE_MEMORY_LIMIT_BYTES}`, 'count=1'],
          (cgroup) => cgroup.memoryLimitHit(),
        ),
    ) ?? null
  );
}

/** bwrap runs `true` in a private file system made as a run's is. */
function probePrivateFilesystem(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-probe-'));
  try {
    const [program, ...args] = privateFilesystemWrapper(dir, [], false);
    return succeeds(program!, [...args, 'true']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Try each isolation tool once, exactly as a run will use it. */
export function probeCapabilities(): SandboxCapabilities {
  const pidsCgroup = probePidsCgroup();
  return {
    pidNamespace: succeeds('unshare', [...USER_NAMESPACE_FLAGS, ...PID_NAMESPACE_FLAGS, 'true']),
    networkNamespace: succeeds('unshare', [
      ...USER_NAMESPACE_FLAGS,
      NETWORK_NAMESPACE_FLAG,
      'true',
    ]),
    privateFilesystem: probePrivateFilesystem(),
    addressSpaceLimit: succeeds('prlimit', [`--as=${1024 * 1024 * 1024}`, '--', 'true']),
    pidsCgroup,
    memoryCgroup: probeMemoryCgroup(pidsCgroup),
  };
}

let probed: SandboxCapabilities | undefined;

/**
 * What this machine allows, probed on the first call and remembered. Containers often forbid
 * user namespaces; runs then fall back to process-group kills and, for Node children, to the
 * permission model plus a network guard (see command.ts). Without a writable pids cgroup
 * (`pidsCgroup` null: no pids controller, or not ours to write) runs have no process-count
 * limit: a fork bomb is stopped only at the timeout, and a daemonised descendant only by the
 * PID namespace. Without a writable memory cgroup (`memoryCgroup` null) memory is limited per
 * process only, so a run's processes together can use more.
 */
export function sandboxCapabilities(): SandboxCapabilities {
  probed ??= probeCapabilities();
  return { ...probed };
}
