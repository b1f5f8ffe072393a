import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinCgroupWrapper, pidsCgroupParents, RunCgroup } from './cgroup.js';
import { privateFilesystemWrapper } from './filesystem.js';
import type { SandboxCapabilities } from './types.js';

/** unshare flags for a PID namespace whose init is the child: when it dies, all of it dies. */
export const PID_NAMESPACE_FLAGS = ['--pid', '--fork', '--kill-child', '--mount-proc'] as const;
/** unshare flags that map our user to root inside, so no privilege is needed outside. */
export const USER_NAMESPACE_FLAGS = ['--user', '--map-root-user'] as const;
/** unshare flag for a fresh network namespace: loopback only, and down. */
export const NETWORK_NAMESPACE_FLAG = '--net';

const PROBE_TIMEOUT_MS = 5000;

function exitStatus(command: string, args: readonly string[]): number | null {
  const probe = spawnSync(command, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  return probe.error === undefined ? probe.status : null;
}

function succeeds(command: string, args: readonly string[]): boolean {
  return exitStatus(command, args) === 0;
}

/**
 * The first folder (see pidsCgroupParents) where a run's cgroup can be made and really limits:
 * a cgroup allowing one task, joined as a run joins it, must refuse the shell's fork.
 */
function probePidsCgroup(): string | null {
  let parents: string[];
  try {
    parents = pidsCgroupParents(
      readFileSync('/proc/self/mounts', 'utf8'),
      readFileSync('/proc/self/cgroup', 'utf8'),
    );
  } catch {
    return null;
  }
  return parents.find(limitsForks) ?? null;
}

function limitsForks(parent: string): boolean {
  let cgroup: RunCgroup;
  try {
    cgroup = RunCgroup.create(parent, 1);
  } catch {
    return false;
  }
  try {
    const [shell, ...args] = joinCgroupWrapper(cgroup.path);
    const status = exitStatus(shell!, [...args, '/bin/sh', '-c', 'true & wait']);
    return status !== null && status !== 0 && cgroup.limitHit();
  } finally {
    cgroup.tryRemove();
  }
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
  return {
    pidNamespace: succeeds('unshare', [...USER_NAMESPACE_FLAGS, ...PID_NAMESPACE_FLAGS, 'true']),
    networkNamespace: succeeds('unshare', [
      ...USER_NAMESPACE_FLAGS,
      NETWORK_NAMESPACE_FLAG,
      'true',
    ]),
    privateFilesystem: probePrivateFilesystem(),
    addressSpaceLimit: succeeds('prlimit', [`--as=${1024 * 1024 * 1024}`, '--', 'true']),
    pidsCgroup: probePidsCgroup(),
  };
}

let probed: SandboxCapabilities | undefined;

/**
 * What this machine allows, probed on the first call and remembered. Containers often forbid
 * user namespaces; runs then fall back to process-group kills and, for Node children, to the
 * permission model plus a network guard (see command.ts). Without a writable pids cgroup
 * (`pidsCgroup` null: no pids controller, or not ours to write) runs have no process-count
 * limit: a fork bomb is stopped only at the timeout, and a daemonised descendant only by the
 * PID namespace.
 */
export function sandboxCapabilities(): SandboxCapabilities {
  probed ??= probeCapabilities();
  return { ...probed };
}
