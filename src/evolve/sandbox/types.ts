/** What to run in the sandbox, and under which limits. */
export interface SandboxSpec {
  /** Program and arguments; every `{dir}` in an argument becomes the run's private temp directory. */
  argv: string[];
  /** Relative path -> content (text, written as UTF-8, or bytes), written into the temp directory before the start. */
  files?: Record<string, string | Uint8Array>;
  /**
   * Relative paths read back after the exit: a missing (or non-regular, or symlinked) file
   * reads as null; each is cut at `maxOutputBytes` and then listed in `truncatedFiles`.
   */
  readBack?: string[];
  /** Hard wall-clock limit; the whole process tree is killed when it passes. */
  timeoutMs: number;
  /**
   * Memory limit: the address space of each process and, where `sandboxCapabilities()` finds
   * a writable memory cgroup, the memory of all the run's processes together (what they touch,
   * and files they write to a memory-backed /tmp). Node children (argv[0] is process.execPath)
   * get it as their heap limit, and memoryMb + NODE_ADDRESS_SPACE_HEADROOM_MB for both limits,
   * for V8's reservations.
   */
  memoryMb: number;
  /** Bytes kept per output stream; the rest is read and discarded, and the stream flagged. */
  maxOutputBytes: number;
  /**
   * Extra environment variables (`{dir}` in a value is replaced too). The child sees only
   * these, PATH, LANG, LC_ALL and TZ from our environment, and HOME = TMPDIR = the temp directory
   * (and PWD, the same, in a private file system).
   */
  env?: Record<string, string>;
  /**
   * Run under Node's permission model: argv[0] must be process.execPath. The child may read
   * the temp directory and `readPaths`, write only the temp directory, and start no process,
   * worker thread or network connection.
   */
  node?: { readPaths?: string[] };
  /** Allow network access; default false. */
  network?: boolean;
  /**
   * `private` (the default): where the machine allows it (`privateFilesystem`), the program
   * sees only the system's programs and libraries (read-only), the temp directory and, for a
   * `node` spec, its `readPaths`; not /root, /home, the project or the rest of /etc.
   * `host`: the whole file system, with our user's rights (for a command the user wrote).
   */
  filesystem?: 'private' | 'host';
  /** Text written to the child's standard input (empty when absent). */
  stdin?: string;
  /**
   * Most tasks (processes and threads, counted together by the kernel) the run may have at
   * once, one of them the PID namespace's `unshare` when there is one; a fork or thread
   * creation beyond fails.
   * Default DEFAULT_MAX_PROCESSES (cgroup.ts). Enforced only where `sandboxCapabilities()`
   * finds a writable pids cgroup; elsewhere a fork bomb runs until the timeout.
   */
  maxProcesses?: number;
}

/** How a sandboxed run ended and what it left behind. */
export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /**
   * Why it died, when we know: `processes` when it failed or ran to the timeout after a fork
   * or thread creation was refused at `maxProcesses` (a fork bomb, say; `timedOut` tells which),
   * else `timeout` when killed at the timeout, `memory` when out of memory: the kernel killed
   * one of its processes at the run's memory limit, or it died as memory.ts describes.
   */
  killedReason: 'processes' | 'timeout' | 'memory' | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Wall-clock milliseconds from the start to the exit. */
  ms: number;
  /** Each `readBack` path -> its content, or null when it was not a regular file. */
  files: Record<string, string | null>;
  /** The `readBack` paths whose content was cut at `maxOutputBytes`. */
  truncatedFiles: string[];
}

/** What this machine lets the sandbox use (probed once, see capabilities.ts). */
export interface SandboxCapabilities {
  /** `unshare` can make a user + PID namespace with its own /proc: the whole tree dies with it. */
  pidNamespace: boolean;
  /** `unshare` can make a user + network namespace: only a loopback device, down. */
  networkNamespace: boolean;
  /**
   * `bwrap` (bubblewrap) can run a program in a private file system with its own user, PID and
   * network namespaces (filesystem.ts); runs with `filesystem: 'private'` then use it.
   */
  privateFilesystem: boolean;
  /** `prlimit` can set the child's address-space limit (Node cannot call setrlimit itself). */
  addressSpaceLimit: boolean;
  /**
   * Folder of a writable pids cgroup (v1 or v2) under which each run gets its own, limiting its
   * process count and letting us kill all of it; null when the machine has none (see cgroup.ts).
   */
  pidsCgroup: string | null;
  /**
   * Folder of a writable memory cgroup (v1 or v2) under which each run gets its own, limiting
   * the memory of all its processes together; null when the machine has none.
   */
  memoryCgroup: string | null;
}
