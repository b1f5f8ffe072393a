import { describe, expect, it } from 'vitest';
import { fitnessOf, metricScore } from './fitness.js';
import type { MetricSpec } from './spec.js';

describe('metricScore', () => {
  it('scores within a range as wide as a double allows, where the differences overflow', () => {
    const up: MetricSpec = { direction: 'up', weight: 1, range: [-1e308, 1e308] };
    expect(metricScore(0, up)).toBe(0.5);
    expect(metricScore(1e308, up)).toBe(1);
    expect(metricScore(-1.7976931348623157e308, up)).toBe(0);
    expect(metricScore(1e308, { ...up, direction: 'down' })).toBe(0);
    expect(metricScore(1.7976931348623157e308, { ...up, range: [-1e308, 0] })).toBe(1);
  });

  it('the fitness of such a metric is a number, never NaN (which the run database refuses)', () => {
    const verdict = fitnessOf(
      { metrics: { score: 1e308 }, oom: false, error: null, log: '' },
      { score: { direction: 'up', weight: 1, range: [-1e308, 1e308] } },
    );
    expect(verdict).toMatchObject({ fitness: 1, disqualified: false });
  });
});
