import { largestOf, smallestOf } from '../core/extremes.js';
import { escapeHtml as escapeXml } from './html.js';

/** One evaluated program as the score chart draws it. */
export interface ScorePoint {
  generation: number;
  score: number;
  correct: boolean;
  /** The program's score on the task's held-out cases, when it was scored on them. */
  heldOut?: { score: number; correct: boolean };
  /** The program and its parent, for the lineage edges (none without them). */
  id?: number;
  parentId?: number | null;
}

const WIDTH = 720;
const HEIGHT = 240;
const PAD = 36;
/** The left margin of the charts with a y axis: room for a value label right-aligned beside it. */
const LEFT = 64;
/** The height of a line of legend under a chart. */
const LINE = 14;

const round = (v: number): string => v.toFixed(1);

/**
 * Above this many programs a score chart is dense: marks and the steps of best-so-far lines are
 * snapped to a grid of DENSE_CELL px and drawn once per place (a dot is 6 px across, so the
 * picture is the same), and grey lineage edges are left out when more than MAX_GREY_EDGES
 * distinct ones remain. A run of 300 000 programs drew a 34 MB chart, one mark per program.
 */
const DENSE_POINTS = 2000;
const DENSE_CELL = 2;
const MAX_GREY_EDGES = 4000;
const snap = (v: number): string => String(Math.round(v / DENSE_CELL) * DENSE_CELL);

/** Each distinct mark once, in first-drawn order. */
const distinct = (marks: readonly string[]): string[] => [...new Set(marks)];

/**
 * Generations along x (0 … `lastGeneration`) and scores up y (`scores`' range), with the axis
 * drawn and labelled: the scores of its ends beside it, the generations under it, below the row
 * where incorrect programs sit.
 */
interface ScoreFrame {
  x(generation: number): number;
  y(score: number): number;
  /** The axis and the labels of both ends of each. */
  svg: string;
}

/** A value on a y axis, right-aligned in the left margin at height `at`. */
const valueLabel = (at: number, value: number): string =>
  `<text x="${LEFT - 6}" y="${round(at + 4)}" font-size="11" text-anchor="end">${Number(value.toPrecision(5))}</text>`;

/** Legend `lines` (trusted SVG text content) under a chart whose drawing ends at `top`. */
const legendUnder = (top: number, lines: readonly string[]): string =>
  lines
    .map((text, i) => `<text x="${LEFT}" y="${top + LINE * (i + 1)}" font-size="11">${text}</text>`)
    .join('');

/** A coloured legend mark (a dot, a line, a square) before the words it stands for. */
const key = (colour: string, mark: string, words: string): string =>
  `<tspan fill="${colour}">${mark}</tspan> ${words}`;

function scoreFrame(scores: readonly number[], lastGeneration: number): ScoreFrame {
  const [low, high] = scores.length ? [smallestOf(scores), largestOf(scores)] : [0, 1];
  const span = high - low || Math.abs(high) || 1;
  const x = (g: number): number => LEFT + ((WIDTH - LEFT - PAD) * g) / lastGeneration;
  const y = (s: number): number => HEIGHT - PAD - ((HEIGHT - 2 * PAD) * (s - low)) / span;
  const under = (at: number, text: string | number): string =>
    `<text x="${at}" y="${HEIGHT - 2}" font-size="11" text-anchor="middle">${text}</text>`;
  const svg = [
    `<line x1="${LEFT}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" stroke="#999"/>`,
    under(LEFT, 0),
    under((LEFT + WIDTH - PAD) / 2, 'generation'),
    under(WIDTH - PAD, lastGeneration),
    valueLabel(y(high), high),
    valueLabel(y(low), low),
  ].join('');
  return { x, y, svg };
}

/**
 * The best score so far as a step line in `colour`: a step up at each improvement of the
 * correct `points` (one per place where `at` puts several at one), flat to the last
 * generation; '' when none is correct.
 */
function bestSoFarLine(
  points: readonly ScorePoint[],
  frame: ScoreFrame,
  lastGeneration: number,
  colour: string,
  at: (v: number) => string = round,
): string {
  const steps: string[] = [];
  let bestSoFar = -Infinity;
  let last = '';
  const correct = points.filter((p) => p.correct && Number.isFinite(p.score));
  for (const p of correct.sort((a, b) => a.generation - b.generation)) {
    if (p.score <= bestSoFar) continue;
    bestSoFar = p.score;
    const [px, py] = [at(frame.x(p.generation)), at(frame.y(p.score))];
    if (`${px},${py}` === last) continue;
    last = `${px},${py}`;
    steps.push(steps.length ? `H${px} V${py}` : `M${px},${py}`);
  }
  if (!steps.length) return '';
  steps.push(`H${round(frame.x(lastGeneration))}`);
  return `<path d="${steps.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`;
}

const svgOf = (label: string, body: string, height = HEIGHT): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${body}</svg>`;

/**
 * Lineage edges between correct programs, parent to child, in grey; those on the way to the best
 * program (the highest score, the earliest of equals) in green, over the others.
 */
function lineageEdges(
  correct: readonly ScorePoint[],
  frame: ScoreFrame,
  at: (v: number) => string,
): { svg: string; greyLeftOut: number } {
  const byId = new Map(correct.flatMap((p) => (p.id === undefined ? [] : [[p.id, p] as const])));
  const best = correct.reduce<ScorePoint | null>((b, p) => (!b || p.score > b.score ? p : b), null);
  const ancestry = new Set<ScorePoint>();
  for (let p = best; p && !ancestry.has(p); p = byId.get(p.parentId ?? NaN) ?? null)
    ancestry.add(p);
  const line = (parent: ScorePoint, child: ScorePoint, stroke: string): string =>
    `<line x1="${at(frame.x(parent.generation))}" y1="${at(frame.y(parent.score))}" x2="${at(frame.x(child.generation))}" y2="${at(frame.y(child.score))}" ${stroke}/>`;
  const grey: string[] = [];
  const green: string[] = [];
  for (const child of correct) {
    const parent = byId.get(child.parentId ?? NaN);
    if (!parent) continue;
    if (ancestry.has(child) && ancestry.has(parent))
      green.push(line(parent, child, 'stroke="#1b6e3a" stroke-width="1.5"'));
    else grey.push(line(parent, child, 'stroke="#c8c8c8" stroke-width="1"'));
  }
  const greys = distinct(grey);
  const drawn = greys.length > MAX_GREY_EDGES ? [] : greys;
  return { svg: [...drawn, ...green].join(''), greyLeftOut: greys.length - drawn.length };
}

/** The best program so far scored on held-out cases after a generation (see evaluation.heldOutEvery). */
export interface HeldOutCheckPoint {
  generation: number;
  score: number;
  correct: boolean;
}

/**
 * The held-out curve: the best-so-far's held-out score at each check as a dashed orange step
 * line (at the bottom where it broke a rule there); '' without checks.
 */
function heldOutCurve(checks: readonly HeldOutCheckPoint[], frame: ScoreFrame): string {
  const steps = checks
    .filter((c) => Number.isFinite(c.generation))
    .sort((a, b) => a.generation - b.generation)
    .map((c, k) => {
      const px = round(frame.x(c.generation));
      const py = c.correct && Number.isFinite(c.score) ? round(frame.y(c.score)) : HEIGHT - PAD / 2;
      return k === 0 ? `M${px},${py}` : `H${px} V${py}`;
    });
  if (!steps.length) return '';
  return `<path d="${steps.join(' ')}" fill="none" stroke="#c26401" stroke-width="1.5" stroke-dasharray="4 3"/>`;
}

/**
 * An SVG of scores by generation: each correct program a dot (incorrect ones hollow, at the
 * bottom), a line from each correct program's correct parent (the way to the best program in
 * green), the best correct score so far as a step line, each held-out score a square beside
 * its program's dot (hollow at the bottom when the program broke a rule there) and, with
 * `checks`, the best-so-far's held-out score at each check as a dashed step line; a legend of
 * what is drawn under it, naming a dot `noun` (an experiment's are candidates). Drawn from
 * numbers only.
 */
export function scoreChart(
  points: readonly ScorePoint[],
  checks: readonly HeldOutCheckPoint[] = [],
  noun = 'program',
): string {
  const correct = points.filter((p) => p.correct && Number.isFinite(p.score));
  const heldOut = points.flatMap((p) =>
    p.heldOut ? [{ ...p.heldOut, generation: p.generation }] : [],
  );
  const heldOutCorrect = [...heldOut, ...checks].filter(
    (h) => h.correct && Number.isFinite(h.score),
  );
  const lastGeneration = largestOf(
    points.map((p) => p.generation),
    1,
  );
  const frame = scoreFrame(
    [...correct, ...heldOutCorrect].map((p) => p.score),
    lastGeneration,
  );
  const { x, y } = frame;
  const at = points.length > DENSE_POINTS ? snap : round;
  const dots = distinct(
    points.map((p) =>
      p.correct && Number.isFinite(p.score)
        ? `<circle cx="${at(x(p.generation))}" cy="${at(y(p.score))}" r="3" fill="#0b57d0"/>`
        : `<circle cx="${at(x(p.generation))}" cy="${HEIGHT - PAD / 2}" r="3" fill="none" stroke="#b3261e"/>`,
    ),
  );
  const squares = distinct(
    heldOut.map((h) =>
      h.correct && Number.isFinite(h.score)
        ? `<rect x="${at(x(h.generation) - 3)}" y="${at(y(h.score) - 3)}" width="6" height="6" fill="#c26401"/>`
        : `<rect x="${at(x(h.generation) - 3)}" y="${HEIGHT - PAD / 2 - 3}" width="6" height="6" fill="none" stroke="#c26401"/>`,
    ),
  );
  const line = bestSoFarLine(points, frame, lastGeneration, '#1b6e3a', at);
  const edges = lineageEdges(correct, frame, at);
  const lineage = edges.greyLeftOut
    ? `from its parent on the way to the best (${edges.greyLeftOut} other such lines left out)`
    : 'from its parent (to the best in green)';
  const legend = [
    [
      key('#0b57d0', '●', noun),
      correct.length < points.length ? key('#b3261e', '○', 'incorrect, at the bottom') : '',
      line ? key('#1b6e3a', '—', 'best so far') : '',
      edges.svg || edges.greyLeftOut
        ? key(edges.greyLeftOut ? '#1b6e3a' : '#c8c8c8', '╱', lineage)
        : '',
    ],
    [
      heldOut.length ? key('#c26401', '■', 'held-out cases') : '',
      checks.length ? key('#c26401', '- -', 'held-out, best so far') : '',
    ],
  ]
    .map((keys) => keys.filter(Boolean).join(' · '))
    .filter(Boolean);
  const curve = heldOutCurve(checks, frame);
  return svgOf(
    'score by generation',
    `${frame.svg}${edges.svg}${line}${curve}${dots.join('')}${squares.join('')}${legendUnder(HEIGHT, legend)}`,
    HEIGHT + LINE * legend.length + 4,
  );
}

/** One run as the comparison chart draws it: a label and its programs. */
export interface RunSeries {
  label: string;
  points: readonly ScorePoint[];
}

/** Colours of the comparison chart's lines, in turn (distinct for the colour-blind). */
const SERIES_COLOURS = ['#0b57d0', '#c26401', '#1b6e3a', '#b3261e', '#6f42c1', '#00838f'];

/**
 * An SVG comparing runs of one task: each run's best score so far by generation as a step line
 * of its own colour, on one scale, with a legend of the labels (escaped) under it, a line each,
 * clear of the lines however many runs there are.
 */
export function runsChart(series: readonly RunSeries[]): string {
  const all = series.flatMap((s) => s.points);
  const scores = all.filter((p) => p.correct && Number.isFinite(p.score)).map((p) => p.score);
  const lastGeneration = largestOf(
    all.map((p) => p.generation),
    1,
  );
  const frame = scoreFrame(scores, lastGeneration);
  const colour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length]!;
  const at = all.length > DENSE_POINTS ? snap : round;
  const lines = series.map((s, i) => bestSoFarLine(s.points, frame, lastGeneration, colour(i), at));
  const legend = series.map((s, i) => key(colour(i), '—', escapeXml(s.label)));
  return svgOf(
    'best score by generation, per run',
    `${frame.svg}${lines.join('')}${legendUnder(HEIGHT, legend)}`,
    HEIGHT + LINE * legend.length + 4,
  );
}

/** One bar of a bar chart: a label under it and its value. */
export interface Bar {
  label: string;
  value: number;
}

const BAR_HEIGHT = 160;

/**
 * An SVG bar chart (a bar per entry, the largest full height), its largest bars in red: for
 * KV-cache pressure per GPU, where the worst GPU is what the placement is judged by. Labels
 * are escaped; values must be finite (an infinite one is drawn full height and labelled ∞).
 */
export function barChart(bars: readonly Bar[], caption: string): string {
  const finite = bars.map((b) => b.value).filter(Number.isFinite);
  const top = largestOf(finite, 0) || 1;
  const width = Math.max(WIDTH, bars.length * 24 + LEFT + PAD);
  const step = (width - LEFT - PAD) / Math.max(1, bars.length);
  const worst = largestOf(
    bars.map((b) => b.value),
    0,
  );
  const rects = bars.map((b, i) => {
    const h = Number.isFinite(b.value)
      ? ((BAR_HEIGHT - 2 * PAD) * b.value) / top
      : BAR_HEIGHT - 2 * PAD;
    const x = LEFT + i * step;
    const fill = b.value === worst ? '#b3261e' : '#0b57d0';
    const label = escapeXml(b.label);
    return `<rect x="${x.toFixed(1)}" y="${(BAR_HEIGHT - PAD - h).toFixed(1)}" width="${(step * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"><title>${label}: ${Number.isFinite(b.value) ? Number(b.value.toPrecision(6)) : '∞'}</title></rect><text x="${(x + step * 0.4).toFixed(1)}" y="${BAR_HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">${label}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(caption)}" viewBox="0 0 ${width.toFixed(0)} ${BAR_HEIGHT}" width="${width.toFixed(0)}" height="${BAR_HEIGHT}"><line x1="${LEFT}" y1="${BAR_HEIGHT - PAD}" x2="${(width - PAD).toFixed(0)}" y2="${BAR_HEIGHT - PAD}" stroke="#999"/>${rects.join('')}${valueLabel(PAD, top)}${valueLabel(BAR_HEIGHT - PAD, 0)}</svg>`;
}

/** Legend entries per line under a stacked bar. */
const LEGEND_COLUMNS = 3;

/** One part of a stacked bar: a label, its size, and its colour. */
export interface Segment {
  label: string;
  value: number;
  colour: string;
}

/**
 * An SVG of one horizontal bar cut into `segments` (each its share of `total`, labelled below),
 * for where a GPU's memory goes. Segments past `total` (an over-committed device) run on past a
 * red mark at the device's end.
 */
export function stackedBar(segments: readonly Segment[], total: number, caption: string): string {
  const sum = segments.reduce((a, s) => a + Math.max(0, s.value), 0);
  const scale = (WIDTH - 2 * PAD) / Math.max(total, sum, 1e-9);
  let x = PAD;
  const parts = segments.map((s, i) => {
    const width = Math.max(0, s.value) * scale;
    const label = escapeXml(s.label);
    const rect = `<rect x="${x.toFixed(1)}" y="${PAD}" width="${width.toFixed(1)}" height="28" fill="${s.colour}"><title>${label}: ${Number(s.value.toPrecision(4))}</title></rect><text x="${(PAD + (i % LEGEND_COLUMNS) * ((WIDTH - 2 * PAD) / LEGEND_COLUMNS)).toFixed(0)}" y="${PAD + 48 + 14 * Math.floor(i / LEGEND_COLUMNS)}" font-size="11" fill="#1d1d1f"><tspan fill="${s.colour}">■</tspan> ${label} ${Number(s.value.toPrecision(4))}</text>`;
    x += width;
    return rect;
  });
  const end = PAD + total * scale;
  const height = PAD + 60 + 14 * Math.ceil(segments.length / LEGEND_COLUMNS);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(caption)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${parts.join('')}<line x1="${end.toFixed(1)}" y1="${PAD - 6}" x2="${end.toFixed(1)}" y2="${PAD + 34}" stroke="#b3261e" stroke-width="2"/></svg>`;
}

const CELL = 14;

/**
 * An SVG heat map of `rows` (a row per layer, a cell per GPU), each cell's value its load over
 * its row's mean: white at the mean or below, deepening to red at the map's largest. The
 * hottest cell of each row is what the row is judged by.
 */
export function heatmap(rows: readonly Float64Array[], caption: string): string {
  const columns = largestOf(
    rows.map((r) => r.length),
    0,
  );
  const top = largestOf(
    rows.map((r) => largestOf(r, 1)),
    1,
  );
  const shade = (v: number): string => {
    const t = Math.min(1, Math.max(0, (v - 1) / (top - 1 || 1)));
    const mix = (from: number, to: number): number => Math.round(from + (to - from) * t);
    return `rgb(${mix(255, 179)},${mix(255, 38)},${mix(255, 30)})`;
  };
  const cells = rows.flatMap((row, l) =>
    Array.from(
      row,
      (v, g) =>
        `<rect x="${LEFT + g * CELL}" y="${PAD + l * CELL}" width="${CELL - 1}" height="${CELL - 1}" fill="${shade(v)}"><title>layer ${l}, GPU ${g}: ${v.toFixed(3)} × the layer's mean</title></rect>`,
    ),
  );
  const width = LEFT + PAD + columns * CELL;
  const height = 2 * PAD + rows.length * CELL;
  const layer = (l: number): string =>
    `<text x="${LEFT - 6}" y="${PAD + l * CELL + 10}" font-size="11" text-anchor="end">layer ${l}</text>`;
  const keyText = (line: number, text: string): string =>
    `<text x="${LEFT + columns * CELL + 6}" y="${PAD + 10 + LINE * line}" font-size="11">${text}</text>`;
  const labels = [
    `<text x="${LEFT}" y="${PAD - 8}" font-size="11">GPU 0 … ${columns - 1} →</text>`,
    layer(0),
    rows.length > 1 ? layer(rows.length - 1) : '',
    keyText(0, `<tspan fill="${shade(top)}">■</tspan> hottest ${top.toFixed(2)} × mean`),
    keyText(1, '□ at or below the mean'),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(caption)}" viewBox="0 0 ${width + 140} ${height}" width="${width + 140}" height="${height}">${cells.join('')}${labels.join('')}</svg>`;
}
