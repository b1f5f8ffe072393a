import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, generateTrace, type TraceSettings } from './generate.js';

const small: TraceSettings = { ...DEFAULT_TRACE, layers: 2, experts: 32, groups: 4, steps: 400 };

/** Routings per step, summed over the experts of layer 0. */
const stepTotals = (settings: TraceSettings): number[] =>
  generateTrace(settings).load_history.map((s) =>
    s.logical_expert_load[0]!.reduce((a, b) => a + b, 0),
  );

/** Each step's expert shares in layer 0. */
const stepShares = (settings: TraceSettings): number[][] =>
  generateTrace(settings).load_history.map((s) => {
    const row = s.logical_expert_load[0]!;
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / total);
  });

const coefficientOfVariation = (values: number[]): number => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
};

describe('eplb synthetic trace', () => {
  it('is reproduced by its seed and changed by another', () => {
    expect(generateTrace(small)).toEqual(generateTrace(small));
    expect(generateTrace({ ...small, seed: 2 })).not.toEqual(generateTrace(small));
  });

  it('varies the number of tokens from step to step (log-normal σ tokensSigma)', () => {
    // 64 tokens × 8 routings: Poisson alone spreads step totals by about 4 %.
    expect(coefficientOfVariation(stepTotals(small))).toBeGreaterThan(0.1);
    expect(coefficientOfVariation(stepTotals({ ...small, tokensSigma: 0 }))).toBeLessThan(0.07);
  });

  it('moves the domain mix to a new regime over rampSteps steps', () => {
    // Without counting noise, churn or drift, shares move only when the mix does: all at once
    // without a ramp, over 30 steps with one.
    const quiet: TraceSettings = {
      ...small,
      tokensPerStep: 1e9,
      tokensSigma: 0,
      driftSigma: 0,
      churnSigma: 0,
      groupChurnSigma: 0,
      regimeSteps: 100,
    };
    const changes = (rampSteps: number): number[] => {
      const shares = stepShares({ ...quiet, rampSteps });
      return shares
        .slice(1)
        .map((row, s) => row.reduce((a, v, e) => a + Math.abs(v - shares[s]![e]!), 0));
    };
    const moving = (values: number[]): number => values.filter((c) => c > 1e-3).length;
    const jumps = changes(0);
    const ramps = changes(30);
    expect(moving(jumps)).toBeGreaterThan(0);
    // Spread over the ramp, no step moves shares by more than a tenth of a jump, and more
    // steps move.
    expect(Math.max(...ramps)).toBeLessThan(Math.max(...jumps) / 10);
    expect(moving(ramps)).toBeGreaterThanOrEqual(10 * moving(jumps));
  });
});
