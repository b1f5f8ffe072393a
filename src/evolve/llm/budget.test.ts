import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Budget } from './budget.js';

describe('Budget', () => {
  it('stops new proposals once spent + in-flight reaches the limit', () => {
    const budget = new Budget(1.0);
    expect(budget.canStart(0.4)).toBe(true);
    const first = budget.reserve(0.4);
    const second = budget.reserve(0.4);
    expect(budget.inFlightUsd).toBeCloseTo(0.8, 12);
    expect(budget.canStart(0.2)).toBe(true);
    expect(budget.canStart(0.3)).toBe(false);
    const third = budget.reserve(0.2);
    // Spent 0, in flight 1.0: the limit is reached by reservations alone.
    expect(budget.canStart(0)).toBe(false);
    budget.settle(first, 0.1);
    budget.settle(second, 0.1);
    expect(budget.spentUsd).toBeCloseTo(0.2, 12);
    expect(budget.inFlightUsd).toBeCloseTo(0.2, 12);
    expect(budget.canStart(0.5)).toBe(true);
    budget.settle(third, 0.8);
    expect(budget.spentUsd).toBeCloseTo(1.0, 12);
    expect(budget.inFlightUsd).toBe(0);
    expect(budget.canStart(0)).toBe(false);
  });

  it('starts from what earlier sessions spent (resume)', () => {
    const budget = new Budget(2, 1.5);
    expect(budget.spentUsd).toBe(1.5);
    expect(budget.canStart(0.5)).toBe(true);
    expect(budget.canStart(0.6)).toBe(false);
  });

  it('never stops without a limit', () => {
    const budget = new Budget(null, 1e9);
    budget.reserve(1e9);
    expect(budget.canStart(1e9)).toBe(true);
  });

  it('refuses unknown or twice-settled tickets and invalid amounts', () => {
    const budget = new Budget(1);
    const ticket = budget.reserve(0.1);
    budget.settle(ticket, 0);
    expect(() => budget.settle(ticket, 0)).toThrow(/already settled/);
    expect(() => budget.reserve(-1)).toThrow(RangeError);
    expect(() => budget.canStart(Number.NaN)).toThrow(RangeError);
    expect(() => new Budget(-5)).toThrow(RangeError);
  });

  it('never admits a call that would take spent + in-flight past the limit', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.array(
          fc.record({ estimate: fc.double({ min: 0, max: 2, noNaN: true }), settle: fc.boolean() }),
        ),
        (limit, calls) => {
          const budget = new Budget(limit);
          const open: { ticket: number; estimate: number }[] = [];
          for (const call of calls) {
            if (budget.canStart(call.estimate)) {
              open.push({ ticket: budget.reserve(call.estimate), estimate: call.estimate });
              expect(budget.spentUsd + budget.inFlightUsd).toBeLessThanOrEqual(limit + 1e-9);
            }
            if (call.settle && open.length > 0) {
              const done = open.shift()!;
              // A call costs at most its estimate.
              budget.settle(done.ticket, done.estimate / 2);
            }
          }
        },
      ),
    );
  });
});
