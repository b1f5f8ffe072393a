/**
 * The sandbox for evaluating untrusted programs (LLM-written candidates, task evaluators).
 *
 * Each run gets a fresh private temp directory (removed afterwards, timeout or not), an
 * environment with nothing but an allow-list (env.ts: no API keys), a hard wall-clock timeout,
 * an address-space limit and bounded output capture. Layers, each used when the machine
 * allows it (capabilities.ts probes once):
 * - PID namespace (`unshare --pid --fork --kill-child --mount-proc` in a user namespace): the
 *   program is the namespace's init, so killing it (or its exit) kills every descendant, even
 *   one that called setsid; its /proc shows only its own processes, not our environment.
 *   Fallback: the program leads a new process group that gets SIGKILL; a descendant that
 *   leaves the group (setsid, daemonising) survives, and /proc/<our pid>/environ is readable
 *   to programs of the same user.
 * - Network namespace (`unshare --net`) when `network` is off: no interface but a loopback
 *   that is down. Fallback: Node children get a preloaded guard that makes TCP, UDP and DNS
 *   calls throw (net-guard.ts, best effort); other programs keep network access.
 * - Process-count limit: a fresh pids cgroup per run (v1 or v2, cgroup.ts) with `pids.max` =
 *   `maxProcesses` (processes and threads), joined by the run's first process before it can
 *   fork, so a fork bomb stops there instead of exhausting the machine's PIDs; at the timeout
 *   and after the exit every process in it gets SIGKILL (reaching, even without a PID
 *   namespace, what left the process group), then the cgroup is removed. A refused fork shows as
 *   `killedReason: 'processes'`. We run as root, so RLIMIT_NPROC would not apply; and a
 *   non-Node program, being root too, can leave its cgroup on purpose: the limit stops
 *   runaway programs, not a deliberate escape. Fallback (no writable pids cgroup, see
 *   sandboxCapabilities): no limit; a fork bomb runs until the timeout, and the kills are
 *   only those of the other layers.
 * - Memory limit: `prlimit --as` gives each process an address-space limit; Node children also
 *   get a heap limit (command.ts). Where a memory cgroup is writable (v1 or v2, probed like the
 *   pids one), each run also gets one with the same limit for all its processes together (what
 *   they touch, and files they write to a memory-backed /tmp, swap included where the kernel
 *   counts it), so forked children cannot add up past it: the kernel kills one of them, and the
 *   run reports `killedReason: 'memory'`. In the unified hierarchy the pids and memory limits
 *   share one cgroup per run (a process is in one cgroup per hierarchy). Fallbacks: without
 *   the cgroup, the limit is per process; without prlimit, Node's heap limit only.
 * - Private file system (`filesystem: 'private'`, the default; bubblewrap, filesystem.ts): the
 *   program sees the system's programs and libraries read-only, the installations of the
 *   programs on our PATH read-only (a virtual environment, pyenv), its temp directory
 *   read-write, an empty /tmp, its own /proc and a minimal /dev; not the project, /root, /home
 *   or the rest of /etc, so no credentials file. bwrap then also makes the user, PID and
 *   network namespaces (instead of unshare). `filesystem: 'host'` is for commands the user
 *   wrote (the experiments' command evaluator). Fallback (no bwrap, or no user namespaces):
 *   programs can read and write wherever our user can.
 * - Node's permission model for `spec.node` runs: reads only in the temp directory and
 *   `readPaths`, writes only in the temp directory, no child processes, no worker threads.
 */
export { runSandboxed } from './run.js';
export { sandboxCapabilities } from './capabilities.js';
export type { SandboxCapabilities, SandboxResult, SandboxSpec } from './types.js';
