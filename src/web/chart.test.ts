import { describe, expect, it } from 'vitest';
import { scoreChart } from './chart.js';

describe('web score chart', () => {
  it('draws a dot per program and steps the best score up at each improvement', () => {
    const svg = scoreChart([
      { generation: 0, score: 1, correct: true },
      { generation: 1, score: 0.5, correct: true },
      { generation: 2, score: 0, correct: false },
      { generation: 3, score: 2, correct: true },
    ]);
    expect(svg.match(/<circle/g)).toHaveLength(4);
    // One hollow dot for the incorrect program.
    expect(svg.match(/fill="none" stroke="#b3261e"/g)).toHaveLength(1);
    // Scores 0.5 … 2 map to y 204 … 36; generations 0 … 3 to x 36 … 684.
    expect(svg).toContain('<path d="M36.0,148.0 H684.0 V36.0 H684.0"');
  });

  it('draws no line without a correct program, and survives an empty run', () => {
    const svg = scoreChart([{ generation: 0, score: NaN, correct: false }]);
    expect(svg).not.toContain('<path');
    expect(scoreChart([])).toMatch(/^<svg[^>]*>.*<\/svg>$/);
  });
});
