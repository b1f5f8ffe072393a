import { describe, expect, it } from 'vitest';
import {
  buildCommand,
  memoryLimitBytes,
  NODE_ADDRESS_SPACE_HEADROOM_MB,
  needsNetGuard,
} from './command.js';
import type { SandboxCapabilities, SandboxSpec } from './types.js';

const ALL: SandboxCapabilities = {
  pidNamespace: true,
  networkNamespace: true,
  privateFilesystem: false,
  addressSpaceLimit: true,
  pidsCgroup: '/sys/fs/cgroup/pids',
  memoryCgroup: '/sys/fs/cgroup/memory',
};
const NONE: SandboxCapabilities = {
  pidNamespace: false,
  networkNamespace: false,
  privateFilesystem: false,
  addressSpaceLimit: false,
  pidsCgroup: null,
  memoryCgroup: null,
};
const DIR = '/tmp/evoplace-sandbox-x/work';
const CGROUPS = [
  '/sys/fs/cgroup/pids/evoplace-sandbox-1-x',
  '/sys/fs/cgroup/memory/evoplace-sandbox-1-y',
];
const MB = 1024 * 1024;

/** The python spec below as the innermost wrapper runs it. */
const PYTHON_UNDER_PRLIMIT = [
  'prlimit',
  `--as=${256 * MB}`,
  '--',
  'python3',
  `${DIR}/main.py`,
  `--out=${DIR}/out`,
];

const python: SandboxSpec = {
  argv: ['python3', '{dir}/main.py', '--out={dir}/out'],
  timeoutMs: 1000,
  memoryMb: 256,
  maxOutputBytes: 100,
};
const node: SandboxSpec = {
  ...python,
  argv: [process.execPath, 'main.mjs'],
  node: { readPaths: ['/lib'] },
};

describe('buildCommand', () => {
  it('wraps the program in namespaces and an address-space limit, with {dir} replaced', () => {
    expect(
      buildCommand(python, { dir: DIR, capabilities: ALL, netGuardPath: null, cgroups: [] }),
    ).toEqual([
      'unshare',
      '--user',
      '--map-root-user',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--net',
      ...PYTHON_UNDER_PRLIMIT,
    ]);
  });

  it('joins the cgroups first, so that their first process is an ancestor of all the others', () => {
    const command = buildCommand(python, {
      dir: DIR,
      capabilities: ALL,
      netGuardPath: null,
      cgroups: CGROUPS,
    });
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command.slice(4, 7)).toEqual(['2', ...CGROUPS.map((path) => `${path}/cgroup.procs`)]);
    expect(command.slice(7)).toEqual(
      buildCommand(python, { dir: DIR, capabilities: ALL, netGuardPath: null, cgroups: [] }),
    );
  });

  it('keeps the network namespace out when the spec allows network', () => {
    const command = buildCommand(
      { ...python, network: true },
      { dir: DIR, capabilities: ALL, netGuardPath: null, cgroups: [] },
    );
    expect(command).not.toContain('--net');
    expect(command).toContain('--pid');
  });

  it('runs the bare program when the machine allows no wrapper', () => {
    expect(
      buildCommand(python, { dir: DIR, capabilities: NONE, netGuardPath: null, cgroups: [] }),
    ).toEqual(['python3', `${DIR}/main.py`, `--out=${DIR}/out`]);
  });

  it('gives a node child its heap limit, headroom and the permission model before its script', () => {
    const command = buildCommand(node, {
      dir: DIR,
      capabilities: ALL,
      netGuardPath: null,
      cgroups: [],
    });
    expect(command).toContain(`--as=${(256 + NODE_ADDRESS_SPACE_HEADROOM_MB) * MB}`);
    expect(memoryLimitBytes(node)).toBe((256 + NODE_ADDRESS_SPACE_HEADROOM_MB) * MB);
    expect(memoryLimitBytes(python)).toBe(256 * MB);
    const flags = command.slice(command.indexOf(process.execPath) + 1);
    expect(flags.at(-1)).toBe('main.mjs');
    expect(flags).toContain('--max-old-space-size=256');
    expect(flags).toContain('--experimental-permission');
    expect(flags).toContain(`--allow-fs-read=${DIR}`);
    expect(flags).toContain('--allow-fs-read=/lib');
    expect(flags).toContain(`--allow-fs-write=${DIR}`);
    expect(flags.filter((flag) => flag.startsWith('--allow-fs-write'))).toHaveLength(1);
    expect(flags.some((flag) => flag.startsWith('--allow-child-process'))).toBe(false);
  });

  it('preloads the network guard, readable, when no network namespace is available', () => {
    expect(needsNetGuard(node, NONE)).toBe(true);
    expect(needsNetGuard(node, ALL)).toBe(false);
    expect(needsNetGuard({ ...node, network: true }, NONE)).toBe(false);
    expect(needsNetGuard(python, NONE)).toBe(false);
    const command = buildCommand(node, {
      dir: DIR,
      capabilities: NONE,
      netGuardPath: '/tmp/g/net-guard.mjs',
      cgroups: [],
    });
    expect(command).toContain('--allow-fs-read=/tmp/g/net-guard.mjs');
    expect(command[command.indexOf('--import') + 1]).toBe('file:///tmp/g/net-guard.mjs');
  });

  it('uses bubblewrap for a private file system, which brings its own namespaces', () => {
    const bwrap = { ...ALL, privateFilesystem: true };
    const context = { dir: DIR, capabilities: bwrap, netGuardPath: null, cgroups: [] };
    const command = buildCommand(python, context);
    expect(command.slice(0, 2)).toEqual(['bwrap', '--die-with-parent']);
    expect(command).toContain('--unshare-net');
    expect(command).not.toContain('unshare');
    expect(command.join(' ')).toContain(`--bind ${DIR} ${DIR} --chdir ${DIR} --`);
    expect(command.join(' ')).toContain('--ro-bind /usr /usr');
    expect(command.slice(-PYTHON_UNDER_PRLIMIT.length)).toEqual(PYTHON_UNDER_PRLIMIT);
    expect(buildCommand({ ...python, network: true }, context)).not.toContain('--unshare-net');
    expect(buildCommand({ ...python, filesystem: 'host' }, context)[0]).toBe('unshare');
    // The node spec's read paths are shown read-only.
    expect(buildCommand(node, context).join(' ')).toMatch(/--(ro-bind|symlink) \S+ \/lib/);
  });
});
