import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { processAlive } from '../../core/process-alive.js';

/**
 * Tasks (processes and threads) a run may have at once unless its spec says otherwise, the
 * sandbox's own wrappers included. Enough for thread pools and worker pools of an evaluator on
 * a large machine; a fork bomb stops there instead of exhausting the machine's PIDs.
 */
export const DEFAULT_MAX_PROCESSES = 512;
/** How long removing a run's cgroup waits for its killed processes to finish dying. */
export const CGROUP_REMOVE_TIMEOUT_MS = 2000;
const CGROUP_REMOVE_RETRY_MS = 10;
/** Name prefix of the cgroups we make: a leftover one can be told apart (and names our pid). */
export const CGROUP_PREFIX = 'evoplace-sandbox-';

/**
 * A shell that writes its own pid into each cgroup.procs file it is given (their count is $1,
 * the files follow), then replaces itself with the rest of its arguments: the first process of
 * a run is in its cgroups before it can start anything, so every descendant is too. When a
 * write fails the program does not run (exit code 126, the shell's message on stderr). The
 * variables shells add or change (PWD, OLDPWD, SHLVL, _) are dropped on the way, so the
 * program's environment is the one we give.
 */
const JOIN_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n - 1)); done; ' +
  'exec /usr/bin/env -u PWD -u OLDPWD -u SHLVL -u _ "$@"';

/** Command-line prefix that runs the rest of the command line inside the cgroups at `paths`. */
export function joinCgroupWrapper(paths: readonly string[]): string[] {
  return [
    '/bin/sh',
    '-c',
    JOIN_SCRIPT,
    'sandbox-cgroup',
    String(paths.length),
    ...paths.map((path) => join(path, 'cgroup.procs')),
  ];
}

/** The controllers a run's cgroups limit: process count and memory. */
export type CgroupController = 'pids' | 'memory';

/**
 * Folders under which a cgroup per run with `controller` might be made, best first, from
 * /proc/self/mounts and /proc/self/cgroup: for each cgroup v1 hierarchy with that controller
 * and each cgroup v2 hierarchy, our own cgroup in it (so runs stay under any limit we are
 * under), then the mount's root (for when our path is relative to a cgroup namespace or a
 * bind-mounted subtree). A v2 folder only works when the controller is in its
 * subtree_control; the probes (capabilities.ts) find out.
 */
export function cgroupParents(
  controller: CgroupController,
  mounts: string,
  selfCgroup: string,
): string[] {
  const ownPaths = new Map<string, string>();
  for (const line of selfCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, id, controllers, path] = match;
    if (id === '0' && controllers === '') ownPaths.set('cgroup2', path!);
    else if (controllers!.split(',').includes(controller)) ownPaths.set(controller, path!);
  }
  const parents: string[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    const hierarchy =
      type === 'cgroup2'
        ? 'cgroup2'
        : type === 'cgroup' && options.split(',').includes(controller)
          ? controller
          : null;
    if (hierarchy === null) continue;
    const root = unescapeMountPath(mountPoint);
    const own = ownPaths.get(hierarchy);
    // resolve, not join, so that our path `/` leaves no trailing slash.
    for (const parent of own === undefined ? [root] : [resolve(root, `.${own}`), root]) {
      if (!parents.includes(parent)) parents.push(parent);
    }
  }
  return parents;
}

/** /proc/self/mounts writes space, tab, newline and backslash in paths as octal escapes. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/**
 * Remove the empty run cgroups that engines no longer running left behind (a run whose
 * processes outlived the removal timeout). Their names carry the creating engine's pid.
 */
function removeOrphans(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = name.startsWith(CGROUP_PREFIX)
      ? Number.parseInt(name.slice(CGROUP_PREFIX.length), 10)
      : 0;
    if (!owner || processAlive(owner)) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // Not empty yet, or already gone: a later run tries again.
    }
  }
}

/** What a run's cgroup limits: tasks at once (`pids.max`), memory of all of it together in bytes. */
export interface CgroupLimits {
  maxProcesses?: number;
  memoryBytes?: number;
}

/**
 * One run's cgroup in one hierarchy: made before the run with its limits set, joined by the
 * run's first process (joinCgroupWrapper), emptied and removed afterwards.
 */
export class RunCgroup {
  private constructor(
    readonly path: string,
    private readonly version: 1 | 2,
  ) {}

  /** Make a fresh cgroup under `parent` with `limits`. */
  static create(parent: string, limits: CgroupLimits): RunCgroup {
    removeOrphans(parent);
    const path = join(parent, `${CGROUP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(path);
    const cgroup = new RunCgroup(path, isUnified(path) ? 2 : 1);
    try {
      cgroup.setLimits(limits);
    } catch (error) {
      rmdirSync(path);
      throw error;
    }
    return cgroup;
  }

  /**
   * Write the limits. Memory: the limit, and the same limit on memory plus swap (v1) or no
   * swap (v2) where the kernel accounts swap, so that a run cannot swap its way past it.
   */
  private setLimits({ maxProcesses, memoryBytes }: CgroupLimits): void {
    if (maxProcesses !== undefined) this.write('pids.max', String(maxProcesses));
    if (memoryBytes === undefined) return;
    if (this.version === 2) {
      this.write('memory.max', String(memoryBytes));
      if (existsSync(join(this.path, 'memory.swap.max'))) this.write('memory.swap.max', '0');
    } else {
      this.write('memory.limit_in_bytes', String(memoryBytes));
      if (existsSync(join(this.path, 'memory.memsw.limit_in_bytes')))
        this.write('memory.memsw.limit_in_bytes', String(memoryBytes));
    }
  }

  /**
   * SIGKILL every process now in the cgroup, whatever session or process group it moved to.
   * One pass: a process may fork while we read, so callers repeat until the cgroup is empty.
   * Never throws (it runs from timers).
   */
  killAll(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It died meanwhile.
      }
    }
  }

  /** Whether a fork or thread creation was refused at the limit (`max` in pids.events). */
  processLimitHit(): boolean {
    return counter(this.read('pids.events'), 'max') > 0;
  }

  /**
   * Whether the kernel killed a process of the run for going over the memory limit
   * (`oom_kill` in memory.events, v2, or memory.oom_control, v1).
   */
  memoryLimitHit(): boolean {
    const file = this.version === 2 ? 'memory.events' : 'memory.oom_control';
    return counter(this.read(file), 'oom_kill') > 0;
  }

  /** One attempt: kill what is left and remove the folder. False while it still has tasks. */
  tryRemove(): boolean {
    this.killAll();
    try {
      rmdirSync(this.path);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
  }

  /**
   * Kill everything in the cgroup and remove it, retrying while killed processes finish dying
   * (a process must be reaped before its cgroup can go). One whose processes outlive
   * CGROUP_REMOVE_TIMEOUT_MS (stuck in the kernel, say) is left behind, empty or nearly so.
   */
  async remove(): Promise<void> {
    const deadline = Date.now() + CGROUP_REMOVE_TIMEOUT_MS;
    while (!this.tryRemove() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, CGROUP_REMOVE_RETRY_MS));
    }
  }

  /** Pids in the cgroup, as our PID namespace sees them; never 0, 1 or our own. */
  private pids(): number[] {
    return this.read('cgroup.procs')
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
  }

  private write(file: string, value: string): void {
    writeFileSync(join(this.path, file), value);
  }

  /** A control file's text, or '' once the cgroup is gone. */
  private read(file: string): string {
    try {
      return readFileSync(join(this.path, file), 'utf8');
    } catch {
      return '';
    }
  }
}

/** Whether `folder` is in the unified hierarchy (v2): only there does a cgroup list its controllers. */
export function isUnified(folder: string): boolean {
  return existsSync(join(folder, 'cgroup.controllers'));
}

/**
 * Make the cgroups of one run: the process-count limit under `pidsParent` and the memory limit
 * under `memoryParent` (null: the machine has none), in one cgroup when both parents are the
 * same folder (the unified hierarchy: a process is in one cgroup per hierarchy).
 */
export function createRunCgroups(
  pidsParent: string | null,
  memoryParent: string | null,
  { maxProcesses, memoryBytes }: Required<CgroupLimits>,
): RunCgroup[] {
  const limitsByParent = new Map<string, CgroupLimits>();
  if (pidsParent !== null) limitsByParent.set(pidsParent, { maxProcesses });
  if (memoryParent !== null)
    limitsByParent.set(memoryParent, { ...limitsByParent.get(memoryParent), memoryBytes });
  const made: RunCgroup[] = [];
  try {
    for (const [parent, limits] of limitsByParent) made.push(RunCgroup.create(parent, limits));
  } catch (error) {
    for (const cgroup of made) cgroup.tryRemove();
    throw error;
  }
  return made;
}

/** The number on the line `name N` of a control file's text, 0 when there is none. */
function counter(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}
