import { describe, expect, it } from 'vitest';
import { medium } from '../../../test/support/llm-medium.js';
import type { Placement } from './model.js';
import { PERF_MODELS } from './perf/index.js';
import { cheapestPerToken, paretoFrontier } from './solvers/frontier.js';
import { validatePlacement } from './validate.js';

const problem = medium(300, 100);
const perf = PERF_MODELS.roofline;
const BATCH = 32;
const frontier = paretoFrontier(problem, BATCH, perf);
/** A frontier point with several stages, so that every rule has something to break. */
const fastest = frontier.find((p) => p.stages.length > 1)!;
const errorsOf = (p: Placement): string[] => validatePlacement(problem, perf, BATCH, p);
/** `fastest` with one stage changed. */
const withStage = (k: number, change: Partial<Placement['stages'][number]>): Placement => ({
  ...fastest,
  stages: fastest.stages.map((s, i) => (i === k ? { ...s, ...change } : s)),
});

describe('llm validatePlacement', () => {
  it('accepts every point of the frontier, the cheapest per token among them', () => {
    expect(fastest).toBeDefined();
    for (const p of [...frontier, cheapestPerToken(frontier)!]) expect(errorsOf(p)).toEqual([]);
  });

  it.each([
    ['no stage', { ...fastest, stages: [] }, /no stages/],
    [
      'a gap between stages',
      withStage(1, { startLayer: fastest.stages[1]!.startLayer + 1 }),
      /stages\[1\]: layers .* must start at layer/,
    ],
    [
      'layers left over at the end',
      withStage(fastest.stages.length - 1, { endLayer: 31 }),
      /the stages end at layer 31, not 32/,
    ],
    [
      'a GPU in two stages',
      withStage(1, { gpuIds: fastest.stages[0]!.gpuIds, gpuType: fastest.stages[0]!.gpuType }),
      /GPU \d+ is used twice/,
    ],
    ['a GPU of another type', withStage(0, { gpuType: 'V100' }), /is not a V100/],
    ['a type not in the pool', withStage(0, { gpuType: 'H200' }), /"H200" is not in the pool/],
    [
      'a TP degree that does not match its GPUs',
      withStage(0, { tp: fastest.stages[0]!.tp * 2 }),
      /TP \d+ on \d+ GPUs/,
    ],
    [
      'an overstated throughput',
      { ...fastest, throughputTokensPerSec: fastest.throughputTokensPerSec * 1.01 },
      /throughputTokensPerSec .* these stages run at/,
    ],
    ['an understated price', { ...fastest, usdPerHour: fastest.usdPerHour - 1 }, /usdPerHour/],
  ])('rejects %s, saying why', (_, placement, message) => {
    const errors = errorsOf(placement);
    expect(errors.join('\n')).toMatch(message);
  });

  it('rejects a stage too large for its GPUs’ memory, and too many stages', () => {
    // All 32 layers on one A10 (24 GB) cannot fit 112 GB of weights.
    const a10 = problem.types.find((t) => t.name === 'A10')!;
    const oneStage: Placement = {
      ...fastest,
      stages: [{ gpuType: 'A10', tp: 1, gpuIds: [a10.firstId], startLayer: 1, endLayer: 32 }],
    };
    expect(errorsOf(oneStage).join('\n')).toMatch(/32 layers do not fit on 1 × A10|no layers fit/);
    const tight = { ...problem, config: { ...problem.config, max_pipeline_stages: 1 } };
    expect(validatePlacement(tight, perf, BATCH, fastest).join('\n')).toMatch(
      /more than max_pipeline_stages 1/,
    );
  });
});
