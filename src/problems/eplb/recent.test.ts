import { describe, expect, it } from 'vitest';
import type { LoadMatrix } from './model.js';
import { recentLoad } from './recent.js';

/** One layer; a window from its slices (each [experts]). */
function window(slices: number[][]): LoadMatrix {
  const data = slices.reduce((a, b) => a.map((v, i) => v + b[i]!));
  return {
    layers: 1,
    experts: data.length,
    data: Float64Array.from(data),
    slices: slices.map((s) => Float64Array.from(s)),
  };
}
const shares = (m: LoadMatrix): number[] => {
  const total = m.data.reduce((a, b) => a + b, 0);
  return Array.from(m.data, (v) => v / total);
};

describe('eplb recent forecast', () => {
  it('is the latest window when nothing inside it tells more', () => {
    const plain: LoadMatrix = { layers: 1, experts: 3, data: Float64Array.of(5, 0, 7) };
    expect(Array.from(recentLoad([plain]).data)).toEqual([5, 0, 7]);
    const steady = window(Array.from({ length: 10 }, () => [300, 100, 0]));
    recentLoad([steady]).data.forEach((v, e) => expect(v).toBeCloseTo([3000, 1000, 0][e]!, 9));
  });

  it('follows a shift at the end of the window, keeping the window total per layer', () => {
    const shifted = window([
      ...Array.from({ length: 8 }, () => [300, 100]),
      [100, 300],
      [100, 300],
    ]);
    const forecast = recentLoad([shifted]);
    const [first] = shares(forecast);
    // The window as a whole gives expert 0 a share of 0.65; the last fifth of it, 0.25.
    expect(first).toBeLessThan(0.45);
    expect(first).toBeGreaterThan(0.25);
    expect(forecast.data[0]! + forecast.data[1]!).toBeCloseTo(4000, 9);
  });

  it('follows a shift only as far as it stands out from counting noise', () => {
    // The same 1 : 1 then 2 : 1, with a few tokens and with a thousand times more.
    const slices = [...Array.from({ length: 9 }, () => [3, 3]), [4, 2]];
    const few = shares(recentLoad([window(slices)]))[0]!;
    const many = shares(recentLoad([window(slices.map((s) => s.map((v) => 1000 * v)))]))[0]!;
    expect(few).toBeGreaterThan(0.5);
    expect(many).toBeGreaterThan(few + 0.02);
  });
});
