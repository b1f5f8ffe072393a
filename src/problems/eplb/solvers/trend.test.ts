import { describe, expect, it } from 'vitest';
import type { LoadMatrix } from '../model.js';
import { loadTrend } from './trend.js';

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
});
