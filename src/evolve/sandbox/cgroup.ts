import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
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
 * A shell that writes its own pid into the cgroup.procs file given as $1, then replaces
 * itself with the rest of its arguments: the first process of a run is in the cgroup before
 * it can start anything, so every descendant is too. When the write fails the program does
 * not run (exit code 126, the shell's message on stderr). The variables shells add or change
 * (PWD, OLDPWD, SHLVL, _) are dropped on the way, so the program's environment is the one we give.
 */
const JOIN_SCRIPT =
  'echo $$ > "$1" || exit 126; shift; exec /usr/bin/env -u PWD -u OLDPWD -u SHLVL -u _ "$@"';

/** Command-line prefix that runs the rest of the command line inside the cgroup at `path`. */
export function joinCgroupWrapper(path: string): string[] {
  return ['/bin/sh', '-c', JOIN_SCRIPT, 'sandbox-cgroup', join(path, 'cgroup.procs')];
}

/**
 * Folders under which a pids cgroup per run might be made, best first, from
 * /proc/self/mounts and /proc/self/cgroup: for each cgroup v1 hierarchy with the pids
 * controller and each cgroup v2 hierarchy, our own cgroup in it (so runs stay under any limit
 * we are under), then the mount's root (for when our path is relative to a cgroup namespace
 * or a bind-mounted subtree). A v2 folder only works when pids is in its subtree_control;
 * the probe (capabilities.ts) finds out.
 */
export function pidsCgroupParents(mounts: string, selfCgroup: string): string[] {
  const ownPaths = new Map<string, string>();
  for (const line of selfCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, id, controllers, path] = match;
    if (id === '0' && controllers === '') ownPaths.set('cgroup2', path!);
    else if (controllers!.split(',').includes('pids')) ownPaths.set('pids', path!);
  }
  const parents: string[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    const hierarchy =
      type === 'cgroup2'
        ? 'cgroup2'
        : type === 'cgroup' && options.split(',').includes('pids')
          ? 'pids'
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

/**
 * One run's pids cgroup: made before the run with its limit set, joined by the run's first
 * process (joinCgroupWrapper), emptied and removed afterwards.
 */
export class RunCgroup {
  private constructor(readonly path: string) {}

  /** Make a fresh cgroup under `parent` that allows at most `maxProcesses` tasks. */
  static create(parent: string, maxProcesses: number): RunCgroup {
    removeOrphans(parent);
    const path = join(parent, `${CGROUP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(path);
    try {
      writeFileSync(join(path, 'pids.max'), String(maxProcesses));
    } catch (error) {
      rmdirSync(path);
      throw error;
    }
    return new RunCgroup(path);
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
  limitHit(): boolean {
    const events = this.read('pids.events');
    return Number(/^max (\d+)$/m.exec(events)?.[1] ?? 0) > 0;
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

  /** A control file's text, or '' once the cgroup is gone. */
  private read(file: string): string {
    try {
      return readFileSync(join(this.path, file), 'utf8');
    } catch {
      return '';
    }
  }
}
