import { describe, expect, it } from 'vitest';
import { barChart, runsChart, scoreChart, stackedBar } from './chart.js';

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
    // Scores 0.5 … 2 map to y 204 … 36; generations 0 … 3 to x 64 … 684.
    expect(svg).toContain('<path d="M64.0,148.0 H684.0 V36.0 H684.0"');
    // The scores of the axis's ends right-aligned left of it, clear of the first dot; the
    // generations under the row of incorrect programs (y 222).
    expect(svg).toContain('<text x="58" y="40.0" font-size="11" text-anchor="end">2</text>');
    expect(svg).toContain('<text x="58" y="208.0" font-size="11" text-anchor="end">0.5</text>');
    expect(svg).toContain('<text x="684" y="238" font-size="11" text-anchor="middle">3</text>');
    // A legend of what is drawn, under the chart.
    expect(svg).toMatch(
      /<text x="64" y="254"[^>]*>.*program.*incorrect, at the bottom.*best so far/,
    );
  });

  it('draws a square per held-out score, on the same scale, hollow at the bottom when incorrect', () => {
    const svg = scoreChart([
      { generation: 0, score: 1, correct: true, heldOut: { score: 0.5, correct: true } },
      { generation: 1, score: 2, correct: true, heldOut: { score: 0, correct: false } },
      { generation: 2, score: 1.5, correct: true },
    ]);
    expect(svg.match(/<rect/g)).toHaveLength(2);
    expect(svg).toContain('held-out cases');
    // Scores 0.5 … 2 (the held-out 0.5 included) map to y 204 … 36; generation 0 at x 64.
    expect(svg).toContain('<rect x="61.0" y="201.0" width="6" height="6" fill="#c26401"/>');
    expect(svg).toContain('<rect x="371.0" y="219" width="6" height="6" fill="none"');
    expect(scoreChart([{ generation: 0, score: 1, correct: true }])).not.toContain('held-out');
    // The legend names the dots as the page does.
    expect(scoreChart([{ generation: 0, score: 1, correct: true }])).toContain('program');
    const candidates = scoreChart([{ generation: 0, score: 1, correct: true }], [], 'candidate');
    expect(candidates).toContain('candidate');
    expect(candidates).not.toContain('program');
  });

  it("draws the held-out curve: the best-so-far's held-out score at each check, on the same scale", () => {
    const points = [
      { generation: 0, score: 1, correct: true },
      { generation: 4, score: 2, correct: true },
    ];
    const svg = scoreChart(points, [
      { generation: 4, score: 0.5, correct: true },
      { generation: 2, score: 1, correct: true },
      { generation: 3, score: 0, correct: false },
    ]);
    // Scores 0.5 … 2 (the check's 0.5 included) map to y 204 … 36; generations 0 … 4 to
    // x 64 … 684. In generation order; the broken check at the bottom (y 222).
    expect(svg).toContain(
      '<path d="M374.0,148.0 H529.0 V222 H684.0 V204.0" fill="none" stroke="#c26401"',
    );
    expect(svg).toContain('<tspan fill="#c26401">- -</tspan> held-out, best so far');
    expect(scoreChart(points)).not.toContain('held-out');
  });

  it('draws lineage: a line from each correct parent, the way to the best program in green', () => {
    const point = (id: number, parentId: number | null, generation: number, score: number) => ({
      id,
      parentId,
      generation,
      score,
      correct: score >= 0,
    });
    const svg = scoreChart([
      point(1, null, 0, 1),
      point(2, 1, 1, 0.5), // a dead end
      point(3, 1, 2, 1.5),
      point(4, 3, 3, -1), // incorrect: at the bottom, no edge
      point(5, 3, 4, 2), // the best: 1 → 3 → 5
    ]);
    const edges = [...svg.matchAll(/<line x1="([\d.]+)"[^>]*stroke="(#[0-9a-f]+)"/g)]
      .map((m) => m[2])
      .filter((_, k) => k > 0); // the first line is the axis
    expect(edges).toEqual(['#c8c8c8', '#1b6e3a', '#1b6e3a']);
    // Without ids (an older caller) there is no lineage to draw.
    expect(scoreChart([{ generation: 0, score: 1, correct: true }]).match(/<line/g)).toHaveLength(
      1,
    );
  });

  it('draws a huge run once per place: dots on a grid, the way to the best, a bounded size', () => {
    // 300 000 programs over 1 000 generations, each from a random earlier one (a hairball).
    let state = 1;
    const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
    const points = Array.from({ length: 300_000 }, (_, i) => ({
      id: i + 1,
      parentId: i === 0 ? null : 1 + Math.floor(random() * i),
      generation: Math.floor(i / 300),
      score: Math.log(i + 1) + random(),
      correct: i % 7 !== 0,
    }));
    const svg = scoreChart(points);
    expect(svg.length).toBeLessThan(3_000_000);
    const dots = [...svg.matchAll(/<circle cx="(\d+)" cy="(\d+|222)"/g)];
    // Every place a program falls (snapped to 2 px) has its dot, and no place has two.
    const places = new Set(dots.map((m) => `${m[1]},${m[2]}`));
    expect(places.size).toBe(dots.length);
    expect(dots.length).toBeGreaterThan(1000);
    // The way to the best is drawn; the other 250 000 lines are left out, as the legend says.
    expect(svg).toContain('stroke="#1b6e3a" stroke-width="1.5"');
    expect(svg).not.toContain('stroke="#c8c8c8"');
    expect(svg).toMatch(/from its parent on the way to the best \(\d+ other such lines left out\)/);
    // A small run is drawn exactly, a mark per program (none here at the same place).
    const small = scoreChart(
      points.slice(0, 50).map((p, i) => ({ ...p, generation: i, parentId: null })),
    );
    expect(small.match(/<circle/g)).toHaveLength(50);
  });

  it('compares runs: a step line per run in its own colour, on one scale, labels escaped', () => {
    const svg = runsChart([
      {
        label: '<b>a</b>',
        points: [
          { generation: 0, score: 1, correct: true },
          { generation: 2, score: 2, correct: true },
        ],
      },
      { label: 'b', points: [{ generation: 4, score: 0.5, correct: true }] },
      { label: 'none correct', points: [{ generation: 1, score: 9, correct: false }] },
    ]);
    expect(svg.match(/<path/g)).toHaveLength(2);
    // Scores 0.5 … 2 over both runs map to y 204 … 36; generations 0 … 4 to x 64 … 684.
    expect(svg).toContain('<path d="M64.0,148.0 H374.0 V36.0 H684.0" fill="none" stroke="#0b57d0"');
    // A line of legend per run under the chart (it ends at 240), clear of the lines.
    expect(
      [...svg.matchAll(/<text x="64" y="(\d+)" font-size="11">/g)].map((m) => Number(m[1])),
    ).toEqual([254, 268, 282]);
    expect(svg).toContain('height="286"');
    expect(svg).toContain('<path d="M684.0,204.0 H684.0" fill="none" stroke="#c26401"');
    expect(svg).toContain('&lt;b&gt;a&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
  });

  it('scales to a run of 300 000 programs (spreading its scores into Math.min overflowed the stack)', () => {
    const run = Array.from({ length: 300_000 }, (_, k) => ({
      generation: k % 1000,
      score: k === 7 ? 5 : 1,
      correct: true,
    }));
    expect(scoreChart(run)).toContain('text-anchor="end">5</text>');
  });

  it('draws no line without a correct program, and survives an empty run', () => {
    const svg = scoreChart([{ generation: 0, score: NaN, correct: false }]);
    expect(svg).not.toContain('<path');
    expect(scoreChart([])).toMatch(/^<svg[^>]*>.*<\/svg>$/);
  });

  it('draws a bar per GPU, the worst in red, an infinite one full height and labelled ∞', () => {
    const svg = barChart(
      [
        { label: 'GPU 0', value: 1 },
        { label: '<GPU 1>', value: Infinity },
        { label: 'GPU 2', value: 2 },
      ],
      'KVPR',
    );
    expect(svg.match(/<rect/g)).toHaveLength(3);
    expect(svg.match(/fill="#b3261e"/g)).toHaveLength(1);
    expect(svg).toContain('&lt;GPU 1&gt;: ∞');
    expect(svg).not.toContain('<GPU 1>');
    // Finite bars scale to the largest finite value (2): GPU 2 as tall as the infinite one.
    const heights = [...svg.matchAll(/height="([\d.]+)" fill/g)].map((m) => Number(m[1]));
    expect(heights[1]).toBe(heights[2]);
    expect(heights[0]).toBeCloseTo(heights[2]! / 2, 1);
  });
});

describe('stackedBar', () => {
  it('draws each part its share of the device, labels escaped, the device end marked', () => {
    const svg = stackedBar(
      [
        { label: '<b>weights</b>', value: 6, colour: '#000' },
        { label: 'free', value: 2, colour: '#ccc' },
      ],
      8,
      'memory',
    );
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(3, 6);
    expect(svg).toContain('&lt;b&gt;weights&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
  });

  it('runs an over-committed device past its end mark', () => {
    const svg = stackedBar([{ label: 'all', value: 12, colour: '#000' }], 8, 'memory');
    const barEnd = 36 + Number(/<rect [^>]*width="([\d.]+)"/.exec(svg)![1]);
    const mark = Number(/<line x1="([\d.]+)"/.exec(svg)![1]);
    expect(mark).toBeLessThan(barEnd);
    // The bar spans the drawing width (648 px from x = 36); the device ends two thirds along.
    expect(mark).toBeCloseTo(36 + (8 / 12) * 648, 1);
    expect(barEnd).toBeCloseTo(36 + 648, 1);
  });
});
