import { spawnSync } from 'node:child_process';
import type { SandboxCapabilities } from './types.js';

/** unshare flags for a PID namespace whose init is the child: when it dies, all of it dies. */
export const PID_NAMESPACE_FLAGS = ['--pid', '--fork', '--kill-child', '--mount-proc'] as const;
/** unshare flags that map our user to root inside, so no privilege is needed outside. */
export const USER_NAMESPACE_FLAGS = ['--user', '--map-root-user'] as const;
/** unshare flag for a fresh network namespace: loopback only, and down. */
export const NETWORK_NAMESPACE_FLAG = '--net';

const PROBE_TIMEOUT_MS = 5000;

function succeeds(command: string, args: readonly string[]): boolean {
  const probe = spawnSync(command, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  return probe.error === undefined && probe.status === 0;
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
    addressSpaceLimit: succeeds('prlimit', [`--as=${1024 * 1024 * 1024}`, '--', 'true']),
  };
}

let probed: SandboxCapabilities | undefined;

/**
 * What this machine allows, probed on the first call and remembered. Containers often forbid
 * user namespaces; runs then fall back to process-group kills and, for Node children, to the
 * permission model plus a network guard (see command.ts).
 */
export function sandboxCapabilities(): SandboxCapabilities {
  probed ??= probeCapabilities();
  return { ...probed };
}
