import { describe, expect, it } from 'vitest';
import type { LoadMatrix } from '../model.js';
import { loadTrend, recentShift } from './trend.js';

const windowOf = (row: number[]): LoadMatrix => ({
  layers: 1,
  experts: row.length,
  data: Float64Array.from(row),
});

describe('eplb load trend', () => {
  it('needs two windows', () => {
    expect(loadTrend([windowOf([1, 2])], 0, 1, Float64Array.of(1, 2))).toBeNull();
  });

  it('is the direction experts moved in and back, at unit load-weighted RMS', () => {
    const history = [
      [10, 10, 10, 10],
      [15, 5, 15, 5],
      [10, 10, 10, 10],
    ].map(windowOf);
    const trend = Array.from(loadTrend(history, 0, 1, Float64Array.of(1, 1, 1, 1))!);
    // Shares 1/4 each ↔ 3/8, 1/8: symmetric relative changes +0.4 and −2/3.
    expect(trend[0]! / trend[1]!).toBeCloseTo(-0.6, 12);
    expect(trend[2]).toBeCloseTo(trend[0]!, 12);
    expect(trend[3]).toBeCloseTo(trend[1]!, 12);
    expect(trend.reduce((a, t) => a + t * t, 0) / 4).toBeCloseTo(1, 12);
  });

  it('leaves out whole-group swings (hedged on their own)', () => {
    const history = [
      [4, 2, 4, 2],
      [8, 4, 4, 2],
    ].map(windowOf);
    expect(loadTrend(history, 0, 2, Float64Array.of(4, 2, 4, 2))).toBeNull();
  });

  it('counts the shift under way at the end of the history as one more change', () => {
    // One window whose last fifth moves load from experts 0 and 2 to 1 and 3.
    const slices = [
      ...Array.from({ length: 8 }, () => [30, 10, 30, 10]),
      [10, 30, 10, 30],
      [10, 30, 10, 30],
    ];
    const window: LoadMatrix = {
      layers: 1,
      experts: 4,
      data: Float64Array.from(slices.reduce((a, b) => a.map((v, i) => v + b[i]!))),
      slices: slices.map((s) => Float64Array.from(s)),
    };
    const load = Float64Array.of(1, 1, 1, 1);
    expect(loadTrend([window], 0, 1, load)).toBeNull();
    const trend = Array.from(loadTrend([window], 0, 1, load, recentShift([window]))!);
    expect(Math.sign(trend[0]!)).toBe(Math.sign(trend[2]!));
    expect(Math.sign(trend[1]!)).toBe(-Math.sign(trend[0]!));
    expect(trend[1]).toBeCloseTo(trend[3]!, 12);
  });
});
