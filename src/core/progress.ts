/**
 * Progress on stderr for long work: silent for the first second, then a line at most every
 * second (rewritten in place on a terminal).
 */
class Progress {
  private readonly start = performance.now();
  private lastShown = 0;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** `done` of the total so far; work whose size is learnt as it goes passes its `total` too. */
  update(done: number, total = this.total): void {
    this.total = total;
    const now = performance.now();
    if (now - this.start < 1000 || now - this.lastShown < 1000) return;
    this.lastShown = now;
    const line = `${this.label}: ${done}/${this.total} (${((now - this.start) / 1000).toFixed(1)} s)`;
    if (this.stream.isTTY) this.stream.write(`\r${line}`);
    else this.stream.write(`${line}\n`);
  }

  finish(): void {
    if (this.lastShown && this.stream.isTTY) this.stream.write('\n');
  }
}

/**
 * `work` with its progress on stderr under `label` (see Progress): it is handed `update`, to
 * tell how much of `total` it has done (work that learns its size as it goes passes the total
 * too).
 */
export function withProgress<T>(
  label: string,
  total: number,
  work: (update: (done: number, total?: number) => void) => T,
): T {
  const progress = new Progress(label, total);
  const result = work((done, of) => progress.update(done, of));
  progress.finish();
  return result;
}
