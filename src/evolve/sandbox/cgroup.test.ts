import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxCapabilities } from './capabilities.js';
import {
  CGROUP_PREFIX,
  cgroupParents,
  createRunCgroups,
  joinCgroupWrapper,
  RunCgroup,
} from './cgroup.js';

const parent = sandboxCapabilities().pidsCgroup;
const memoryParent = sandboxCapabilities().memoryCgroup;
const MB = 1024 * 1024;

/** Whether `pid` is alive: neither gone nor a zombie waiting for its parent to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('cgroupParents', () => {
  it('finds our cgroup in the v1 pids hierarchy, then its root, skipping other controllers', () => {
    const mounts = [
      'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
    ].join('\n');
    const self = ['8:pids:/', '4:memory:/job/7', '0::/'].join('\n');
    expect(cgroupParents('pids', mounts, self)).toEqual([
      '/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/unified',
    ]);
    expect(cgroupParents('pids', mounts, self.replace('8:pids:/', '8:pids:/job/7'))[0]).toBe(
      '/sys/fs/cgroup/pids/job/7',
    );
    expect(cgroupParents('memory', mounts, self)).toEqual([
      '/sys/fs/cgroup/memory/job/7',
      '/sys/fs/cgroup/memory',
      '/sys/fs/cgroup/unified',
    ]);
  });

  it('finds our cgroup in a unified v2 hierarchy, and decodes escaped mount paths', () => {
    expect(
      cgroupParents(
        'pids',
        'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\ncgroup2 /mnt/my\\040cg cgroup2 rw 0 0',
        '0::/user.slice/session-1.scope\n',
      ),
    ).toEqual([
      '/sys/fs/cgroup/user.slice/session-1.scope',
      '/sys/fs/cgroup',
      '/mnt/my cg/user.slice/session-1.scope',
      '/mnt/my cg',
    ]);
  });

  it('finds nothing without a cgroup mount', () => {
    expect(cgroupParents('memory', 'proc /proc proc rw 0 0', '0::/')).toEqual([]);
  });
});

describe.skipIf(parent === null)('RunCgroup', () => {
  it('is made with its limit, holds what joins it, and is removed once emptied', async () => {
    const cgroup = RunCgroup.create(parent!, { maxProcesses: 3 });
    try {
      expect(readFileSync(join(cgroup.path, 'pids.max'), 'utf8').trim()).toBe('3');
      expect(cgroup.processLimitHit()).toBe(false);
      const [shell, ...args] = joinCgroupWrapper([cgroup.path]);
      const joined = spawnSync(
        shell!,
        [...args, '/bin/sh', '-c', 'sleep 1000 >/dev/null 2>&1 & echo $!'],
        {
          encoding: 'utf8',
          timeout: 5000,
        },
      );
      expect(joined.status).toBe(0);
      const sleeper = Number(joined.stdout.trim());
      expect(readFileSync(join(cgroup.path, 'cgroup.procs'), 'utf8').split('\n')).toContain(
        String(sleeper),
      );
      await cgroup.remove();
      expect(existsSync(cgroup.path)).toBe(false);
      expect(isRunning(sleeper)).toBe(false);
    } finally {
      await cgroup.remove();
    }
  });

  it('reports a fork refused at the limit', async () => {
    const cgroup = RunCgroup.create(parent!, { maxProcesses: 1 });
    try {
      const [shell, ...args] = joinCgroupWrapper([cgroup.path]);
      const refused = spawnSync(shell!, [...args, '/bin/sh', '-c', 'true & wait'], {
        encoding: 'utf8',
        timeout: 5000,
      });
      expect(refused.status).not.toBe(0);
      expect(cgroup.processLimitHit()).toBe(true);
    } finally {
      await cgroup.remove();
    }
    expect(existsSync(cgroup.path)).toBe(false);
  });

  it('does not run the program when the cgroup cannot be joined', () => {
    const [shell, ...args] = joinCgroupWrapper([join(parent!, 'evoplace-sandbox-missing')]);
    const result = spawnSync(shell!, [...args, '/bin/echo', 'ran'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    expect(result.status).toBe(126);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/evoplace-sandbox-missing/);
  });

  it("removes empty cgroups left by an engine that is no longer running, and no one else's", async () => {
    const orphan = join(parent!, `${CGROUP_PREFIX}99999999-deadbeef`);
    const ours = RunCgroup.create(parent!, { maxProcesses: 4 });
    mkdirSync(orphan);
    try {
      const next = RunCgroup.create(parent!, { maxProcesses: 4 });
      await next.remove();
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(ours.path)).toBe(true);
    } finally {
      if (existsSync(orphan)) rmdirSync(orphan);
      await ours.remove();
    }
  });
});

/** Run `command` as the first process of `cgroups`; its exit status. */
function runIn(cgroups: readonly RunCgroup[], command: string[]): number | null {
  const [shell, ...args] = joinCgroupWrapper(cgroups.map((cgroup) => cgroup.path));
  return spawnSync(shell!, [...args, ...command], { stdio: 'ignore', timeout: 10_000 }).status;
}

/** dd filling a buffer of `mb` MiB: that much memory touched by one process. */
const fill = (mb: number): string[] => [
  'dd',
  'if=/dev/zero',
  'of=/dev/null',
  `bs=${mb}M`,
  'count=1',
];

describe.skipIf(memoryParent === null)('RunCgroup with a memory limit', () => {
  it('lets a process use memory under the limit and reports the kernel killing one above it', async () => {
    const cgroup = RunCgroup.create(memoryParent!, { memoryBytes: 32 * MB });
    try {
      expect(runIn([cgroup], fill(8))).toBe(0);
      expect(cgroup.memoryLimitHit()).toBe(false);
      expect(runIn([cgroup], fill(128))).not.toBe(0);
      expect(cgroup.memoryLimitHit()).toBe(true);
      expect(cgroup.processLimitHit()).toBe(false);
    } finally {
      await cgroup.remove();
    }
    expect(existsSync(cgroup.path)).toBe(false);
  });
});

describe.skipIf(parent === null || memoryParent === null)('createRunCgroups', () => {
  it('puts the first process in every cgroup of the run, each with its limit', async () => {
    const cgroups = createRunCgroups(parent, memoryParent, {
      maxProcesses: 1,
      memoryBytes: 32 * MB,
    });
    try {
      expect(runIn(cgroups, ['/bin/sh', '-c', 'true & wait'])).not.toBe(0);
      expect(cgroups.some((cgroup) => cgroup.processLimitHit())).toBe(true);
      expect(runIn(cgroups, fill(128))).not.toBe(0);
      expect(cgroups.some((cgroup) => cgroup.memoryLimitHit())).toBe(true);
    } finally {
      await Promise.all(cgroups.map((cgroup) => cgroup.remove()));
    }
  });

  it('removes what it made when a later cgroup cannot be made', () => {
    const ours = () =>
      readdirSync(parent!).filter((name) => name.startsWith(`${CGROUP_PREFIX}${process.pid}-`));
    const before = ours();
    expect(() =>
      createRunCgroups(parent, join(parent!, 'no-such-folder'), {
        maxProcesses: 4,
        memoryBytes: MB,
      }),
    ).toThrow();
    expect(ours()).toEqual(before);
  });
});
