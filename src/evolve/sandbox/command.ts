import { pathToFileURL } from 'node:url';
import { joinCgroupWrapper } from './cgroup.js';
import {
  NETWORK_NAMESPACE_FLAG,
  PID_NAMESPACE_FLAGS,
  USER_NAMESPACE_FLAGS,
} from './capabilities.js';
import { privateFilesystemWrapper } from './filesystem.js';
import type { SandboxCapabilities, SandboxSpec } from './types.js';

/**
 * Address space a Node child gets beyond its heap limit: V8 reserves code space, young
 * generation, thread stacks and malloc arenas up front (about 0.9 GB with the pool below).
 */
export const NODE_ADDRESS_SPACE_HEADROOM_MB = 1536;
/**
 * V8's worker pool otherwise has one thread per core, each with a stack and a malloc arena,
 * which would make the address space a Node child needs depend on the machine.
 */
export const NODE_V8_POOL_SIZE = 2;

const MB = 1024 * 1024;

/**
 * Where a run happens: its temp directory, its cgroups and the network guard file when it has
 * them.
 */
export interface CommandContext {
  dir: string;
  capabilities: SandboxCapabilities;
  /** Path of the preloaded network guard (net-guard.ts), or null when none is needed. */
  netGuardPath: string | null;
  /** Folders of the run's cgroups (cgroup.ts); none when the machine has none. */
  cgroups: readonly string[];
}

/** Whether the spec runs this Node binary, whose flags we know. */
export function isNodeChild(spec: SandboxSpec): boolean {
  return spec.argv[0] === process.execPath;
}

/**
 * Whether a Node child needs the preloaded network guard: network is off and no network
 * namespace can enforce it. Other programs then have network access (a documented gap).
 */
export function needsNetGuard(spec: SandboxSpec, capabilities: SandboxCapabilities): boolean {
  return (
    isNodeChild(spec) &&
    !spec.network &&
    !capabilities.networkNamespace &&
    !usesPrivateFilesystem(spec, capabilities)
  );
}

/** Whether the run gets a private file system (which brings its own namespaces). */
function usesPrivateFilesystem(spec: SandboxSpec, capabilities: SandboxCapabilities): boolean {
  return spec.filesystem !== 'host' && capabilities.privateFilesystem;
}

/**
 * The full command line of a run, outermost first: `/bin/sh -c <join the cgroup> …
 * bwrap <private file system and namespaces> | unshare <namespaces>,
 * prlimit --as=<bytes> -- <program> [node flags] <arguments>`.
 * The cgroup comes first so that its first process is an ancestor of all the others.
 * Each wrapper is left out when the machine does not allow it (see capabilities.ts).
 */
export function buildCommand(spec: SandboxSpec, context: CommandContext): string[] {
  const [program, ...args] = spec.argv.map((arg) => arg.replaceAll('{dir}', context.dir));
  const node = isNodeChild(spec);
  const command = [program!, ...(node ? nodeFlags(spec, context) : []), ...args];
  return [
    ...(context.cgroups.length === 0 ? [] : joinCgroupWrapper(context.cgroups)),
    ...(usesPrivateFilesystem(spec, context.capabilities)
      ? privateFilesystemWrapper(context.dir, spec.node?.readPaths ?? [], spec.network ?? false)
      : namespaceWrapper(spec, context.capabilities)),
    ...memoryWrapper(spec, context.capabilities),
    ...command,
  ];
}

function nodeFlags(spec: SandboxSpec, context: CommandContext): string[] {
  const flags = [`--max-old-space-size=${spec.memoryMb}`, `--v8-pool-size=${NODE_V8_POOL_SIZE}`];
  if (spec.node) {
    const readable = [context.dir, ...(spec.node.readPaths ?? [])];
    if (context.netGuardPath) readable.push(context.netGuardPath);
    flags.push(
      '--experimental-permission',
      '--disable-warning=ExperimentalWarning',
      ...readable.map((path) => `--allow-fs-read=${path}`),
      `--allow-fs-write=${context.dir}`,
    );
  }
  if (context.netGuardPath) flags.push('--import', pathToFileURL(context.netGuardPath).href);
  return flags;
}

/** The memory limit of each process and of the whole run, in bytes (see SandboxSpec.memoryMb). */
export function memoryLimitBytes(spec: SandboxSpec): number {
  return (spec.memoryMb + (isNodeChild(spec) ? NODE_ADDRESS_SPACE_HEADROOM_MB : 0)) * MB;
}

function memoryWrapper(spec: SandboxSpec, capabilities: SandboxCapabilities): string[] {
  return capabilities.addressSpaceLimit ? ['prlimit', `--as=${memoryLimitBytes(spec)}`, '--'] : [];
}

function namespaceWrapper(spec: SandboxSpec, capabilities: SandboxCapabilities): string[] {
  const flags: string[] = [];
  if (capabilities.pidNamespace) flags.push(...PID_NAMESPACE_FLAGS);
  if (!spec.network && capabilities.networkNamespace) flags.push(NETWORK_NAMESPACE_FLAG);
  return flags.length > 0 ? ['unshare', ...USER_NAMESPACE_FLAGS, ...flags] : [];
}
