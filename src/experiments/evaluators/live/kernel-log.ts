import { closeSync, constants, openSync, readSync } from 'node:fs';

/** Kernel records read per poll, against a flood. */
const KERNEL_RECORDS_PER_POLL = 100_000;

/** The message of a /dev/kmsg record (`priority,sequence,time,flags;message`). */
export function kernelMessage(record: string): string {
  const start = record.indexOf(';');
  const message = start < 0 ? record : record.slice(start + 1);
  return message.split('\n', 1)[0]!;
}

/**
 * The kernel log from the moment it was opened: a non-blocking /dev/kmsg handle, read to its
 * end at once, so that only later records are passed on. It is machine-wide: it tells about
 * every process, not only the services'.
 */
export class KernelLog {
  private constructor(private fd: number | null) {}

  /** Null where /dev/kmsg cannot be read (no such device, no permission). */
  static open(): KernelLog | null {
    let fd: number;
    try {
      fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return null;
    }
    const log = new KernelLog(fd);
    log.read(() => {});
    return log;
  }

  /** Pass the message of each record written since the last read to `onMessage`. */
  read(onMessage: (message: string) => void): void {
    if (this.fd === null) return;
    const buffer = Buffer.alloc(8192);
    for (let i = 0; i < KERNEL_RECORDS_PER_POLL; i++) {
      let length: number;
      try {
        length = readSync(this.fd, buffer, 0, buffer.length, null);
      } catch (error) {
        // EPIPE: records were overwritten before we read them; the next read goes on.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') continue;
        return; // EAGAIN: nothing more for now.
      }
      if (length === 0) return;
      onMessage(kernelMessage(buffer.subarray(0, length).toString('utf8')));
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
