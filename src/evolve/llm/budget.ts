/**
 * The USD budget of a run's LLM calls. A call reserves its worst-case cost before it starts and
 * settles with the actual cost when it ends, so concurrent calls cannot overrun the limit
 * together: a call may start only while spent + reserved + its own worst case stays within the
 * limit, and none once spent + reserved has reached it.
 */
export class Budget {
  private spent: number;
  /** Open reservations by ticket. */
  private readonly reservations = new Map<number, number>();
  private nextTicket = 1;

  /** `limitUsd` null: no limit. `spentUsd`: what earlier sessions of the run spent (resume). */
  constructor(
    readonly limitUsd: number | null,
    spentUsd = 0,
  ) {
    if (limitUsd !== null) checkAmount(limitUsd, 'limitUsd');
    this.spent = checkAmount(spentUsd, 'spentUsd');
  }

  canStart(estimateUsd: number): boolean {
    checkAmount(estimateUsd, 'estimateUsd');
    if (this.limitUsd === null) return true;
    const committed = this.spent + this.inFlightUsd;
    return committed < this.limitUsd && committed + estimateUsd <= this.limitUsd;
  }

  /** Hold `estimateUsd` for a call about to start; returns the ticket to settle it with. */
  reserve(estimateUsd: number): number {
    const ticket = this.nextTicket++;
    this.reservations.set(ticket, checkAmount(estimateUsd, 'estimateUsd'));
    return ticket;
  }

  /** Release a call's reservation and count what it really cost (0 for a call that failed unbilled). */
  settle(ticket: number, actualUsd: number): void {
    if (!this.reservations.delete(ticket)) {
      throw new Error(`budget ticket ${ticket} is unknown or already settled`);
    }
    this.spent += checkAmount(actualUsd, 'actualUsd');
  }

  /**
   * Make a paid call whose cost is at most `worstCaseUsd`, if the budget can hold that much now:
   * held while it runs, then settled with what `costOf` says its result cost (nothing when it
   * fails). null, without calling, when the budget cannot hold it.
   */
  async within<T>(
    worstCaseUsd: number,
    call: () => Promise<T>,
    costOf: (result: T) => number,
  ): Promise<T | null> {
    if (!this.canStart(worstCaseUsd)) return null;
    const ticket = this.reserve(worstCaseUsd);
    let cost = 0;
    try {
      const result = await call();
      cost = costOf(result);
      return result;
    } finally {
      this.settle(ticket, cost);
    }
  }

  get spentUsd(): number {
    return this.spent;
  }

  /** Summed afresh from the open reservations, so no rounding residue survives their settling. */
  get inFlightUsd(): number {
    let total = 0;
    for (const amount of this.reservations.values()) total += amount;
    return total;
  }
}

function checkAmount(usd: number, name: string): number {
  if (!Number.isFinite(usd) || usd < 0) {
    throw new RangeError(`${name} must be a finite amount >= 0, got ${usd}`);
  }
  return usd;
}
