/** The candidate's time: ends at its deadline or when the caller stops the evaluation. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onStop = (): void => this.controller.abort('stopped');

  constructor(
    private readonly end: number,
    private readonly stop: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(
      () => this.controller.abort('timeout'),
      Math.max(0, end - performance.now()),
    );
    stop?.addEventListener('abort', this.onStop, { once: true });
    if (stop?.aborted) this.onStop();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  leftMs(): number {
    return Math.max(0, this.end - performance.now());
  }

  /** Why the time ended, in words, or null while it has not. */
  reason(timeoutMs: number): string | null {
    if (!this.signal.aborted) return null;
    return this.signal.reason === 'timeout'
      ? `the candidate's ${(timeoutMs / 1000).toFixed(1)} s timeout passed`
      : 'the evaluation was stopped';
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.stop?.removeEventListener('abort', this.onStop);
  }
}
