import { statSync } from 'node:fs';
import { readFrom } from './read-from.js';

/** Bytes of one log read per poll; more new bytes than this are skipped, keeping the end. */
const LOG_READ_BYTES = 4 * 1024 * 1024;

/** A file's size and inode, or null when it is missing or cannot be seen. */
function statOrNull(path: string): { size: number; ino: number } | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * A log file followed from where it ended when this was made, so that only lines written
 * since count. A log replaced (new inode) or truncated is read from its start.
 */
export class FollowedLog {
  private position: number;
  private inode: number | null;
  /** An unfinished last line, completed by the next read. */
  private partial = '';

  constructor(readonly path: string) {
    const stat = statOrNull(path);
    this.position = stat?.size ?? 0;
    this.inode = stat?.ino ?? null;
  }

  /**
   * The lines written since the last read. An unfinished last line waits for the rest of it,
   * unless `takeUnfinished` wants it now: a service that dies mid-line never ends it.
   */
  readLines(takeUnfinished: (line: string) => boolean): string[] {
    const stat = statOrNull(this.path);
    if (!stat) return [];
    if (stat.ino !== this.inode || stat.size < this.position) {
      this.position = 0;
      this.partial = '';
      this.inode = stat.ino;
    }
    const read = readFrom(this.path, this.position, LOG_READ_BYTES);
    if (read === null || read.bytes.length === 0) return [];
    this.position = read.end;
    const lines = (this.partial + read.bytes.toString('utf8')).split('\n');
    this.partial = lines.pop()!;
    if (takeUnfinished(this.partial)) {
      lines.push(this.partial);
      this.partial = '';
    }
    return lines;
  }
}
