import { describe, expect, it } from 'vitest';
import { buildCommand, NODE_ADDRESS_SPACE_HEADROOM_MB, needsNetGuard } from './command.js';
import type { SandboxCapabilities, SandboxSpec } from './types.js';

const ALL: SandboxCapabilities = {
  pidNamespace: true,
  networkNamespace: true,
  addressSpaceLimit: true,
  pidsCgroup: '/sys/fs/cgroup/pids',
};
const NONE: SandboxCapabilities = {
  pidNamespace: false,
  networkNamespace: false,
  addressSpaceLimit: false,
  pidsCgroup: null,
};
const DIR = '/tmp/evoplace-sandbox-x/work';
const CGROUP = '/sys/fs/cgroup/pids/evoplace-sandbox-1-x';
const MB = 1024 * 1024;

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
      buildCommand(python, { dir: DIR, capabilities: ALL, netGuardPath: null, cgroup: null }),
    ).toEqual([
      'unshare',
      '--user',
      '--map-root-user',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--net',
      'prlimit',
      `--as=${256 * MB}`,
      '--',
      'python3',
      `${DIR}/main.py`,
      `--out=${DIR}/out`,
    ]);
  });

  it('joins the cgroup first, so that its first process is an ancestor of all the others', () => {
    const command = buildCommand(python, {
      dir: DIR,
      capabilities: ALL,
      netGuardPath: null,
      cgroup: CGROUP,
    });
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command[4]).toBe(`${CGROUP}/cgroup.procs`);
    expect(command.slice(5)).toEqual(
      buildCommand(python, { dir: DIR, capabilities: ALL, netGuardPath: null, cgroup: null }),
    );
  });

  it('keeps the network namespace out when the spec allows network', () => {
    const command = buildCommand(
      { ...python, network: true },
      { dir: DIR, capabilities: ALL, netGuardPath: null, cgroup: null },
    );
    expect(command).not.toContain('--net');
    expect(command).toContain('--pid');
  });

  it('runs the bare program when the machine allows no wrapper', () => {
    expect(
      buildCommand(python, { dir: DIR, capabilities: NONE, netGuardPath: null, cgroup: null }),
    ).toEqual(['python3', `${DIR}/main.py`, `--out=${DIR}/out`]);
  });

  it('gives a node child its heap limit, headroom and the permission model before its script', () => {
    const command = buildCommand(node, {
      dir: DIR,
      capabilities: ALL,
      netGuardPath: null,
      cgroup: null,
    });
    expect(command).toContain(`--as=${(256 + NODE_ADDRESS_SPACE_HEADROOM_MB) * MB}`);
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
      cgroup: null,
    });
    expect(command).toContain('--allow-fs-read=/tmp/g/net-guard.mjs');
    expect(command[command.indexOf('--import') + 1]).toBe('file:///tmp/g/net-guard.mjs');
  });
});
