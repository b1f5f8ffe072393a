/** Bytes of the end of a stream kept for recognising how a child died (see memory.ts). */
export const TAIL_BYTES = 4096;

/**
 * One output stream, captured with bounded memory: the first `maxBytes` are kept, the rest is
 * counted and dropped (the caller keeps reading, so the child never blocks on a full pipe), and
 * the last TAIL_BYTES are kept apart because that is where runtimes print their fatal errors.
 */
export class BoundedCapture {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** Every byte seen, kept or not. */
  totalBytes = 0;

  constructor(readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const room = this.maxBytes - this.headBytes;
    if (room > 0) {
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.head.push(kept);
      this.headBytes += kept.length;
    }
    this.tail =
      chunk.length >= TAIL_BYTES
        ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
        : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
  }

  get truncated(): boolean {
    return this.totalBytes > this.maxBytes;
  }

  /** The kept head as UTF-8 (a character cut at the limit becomes U+FFFD). */
  text(): string {
    return Buffer.concat(this.head).toString('utf8');
  }

  /** The last TAIL_BYTES seen, as UTF-8. */
  tailText(): string {
    return this.tail.toString('utf8');
  }
}
