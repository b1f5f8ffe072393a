/**
 * Generations in a row that got no reply at all from the LLM before the run calls the LLM
 * unreachable (when every model of the pool is among them).
 */
export const UNANSWERED_IN_A_ROW = 3;

/**
 * Tells a failing LLM from a transient failure. A generation whose every LLM call failed is held
 * here, unstored, as an item `T`: the next generation that gets a reply releases the held ones
 * (they were transient failures, to be stored as failed proposals). When `inARow` generations in a
 * row went unanswered and every model of the pool failed among them, the LLM is unreachable: the
 * held generations are then not stored, so that a resumed run asks them again.
 */
export class LlmOutage<T> {
  private held: { model: string; item: T }[] = [];
  private anyAnswered = false;

  constructor(
    private readonly models: readonly string[],
    private readonly inARow = UNANSWERED_IN_A_ROW,
  ) {}

  /** A generation got a reply: the held generations, which failed only for a moment. */
  answered(): T[] {
    this.anyAnswered = true;
    return this.release();
  }

  /** Hold a generation that got no reply from `model`; true when the LLM is now unreachable. */
  unanswered(model: string, item: T): boolean {
    this.held.push({ model, item });
    const failed = new Set(this.held.map((h) => h.model));
    return this.held.length >= this.inARow && this.models.every((m) => failed.has(m));
  }

  /**
   * At the end of a run with nothing left to ask: unreachable when generations are held and no
   * generation of this session got a reply (a run shorter than `inARow`).
   */
  unreachableAtEnd(): boolean {
    return this.held.length > 0 && !this.anyAnswered;
  }

  /** The held generations, no longer held. */
  release(): T[] {
    return this.held.splice(0).map((h) => h.item);
  }
}
