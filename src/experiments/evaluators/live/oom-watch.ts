import { FollowedLog } from './followed-log.js';
import { KernelLog } from './kernel-log.js';

/** OOM lines kept for the log. */
const OOM_LINES_KEPT = 20;

/**
 * Watches service logs and the kernel log for OOM messages written since it was made (see
 * FollowedLog and KernelLog); where the kernel log cannot be read it is skipped. Note that the
 * kernel log is machine-wide: an OOM kill of any process during the candidate counts against it.
 */
export class OomWatch {
  /** Matching lines, prefixed by where they were found (the first OOM_LINES_KEPT). */
  readonly found: string[] = [];
  private matched = 0;
  private readonly logs: FollowedLog[];
  private kernel: KernelLog | null;

  constructor(
    paths: string[],
    private readonly patterns: RegExp[],
    kernelLog: boolean,
  ) {
    this.logs = paths.map((path) => new FollowedLog(path));
    this.kernel = kernelLog ? KernelLog.open() : null;
  }

  /** Read what is new; true when any OOM message has been seen so far. */
  poll(): boolean {
    const isOom = (line: string): boolean => this.isOom(line);
    for (const log of this.logs)
      for (const line of log.readLines(isOom)) this.check(log.path, line);
    this.kernel?.read((message) => this.check('kernel', message));
    return this.matched > 0;
  }

  close(): void {
    this.kernel?.close();
    this.kernel = null;
  }

  private isOom(line: string): boolean {
    return this.patterns.some((pattern) => pattern.test(line));
  }

  private check(where: string, line: string): void {
    if (!this.isOom(line)) return;
    this.matched++;
    if (this.found.length < OOM_LINES_KEPT) this.found.push(`${where}: ${line.trim()}`);
  }
}
