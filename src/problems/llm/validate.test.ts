import { describe, expect, it } from 'vitest';
import { medium } from '../../../test/support/llm-medium.js';
import { SOLUTION_FILE_TERMS, type Placement } from './model.js';
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
      /stages\[1\]\.startLayer: \d+; the stage must start at layer \d+, after the previous stage's endLayer/,
    ],
    [
      'layers left over at the end',
      withStage(fastest.stages.length - 1, { endLayer: 31 }),
      /stages\[\d+\]\.endLayer: 31; the stages must end at the model's last layer, 32 \(num_decoder_layers\)/,
    ],
    [
      'a GPU in two stages',
      withStage(1, { gpuIds: fastest.stages[0]!.gpuIds, gpuType: fastest.stages[0]!.gpuType }),
      /stages\[1\]\.gpuIds: GPU \d+ is used twice/,
    ],
    ['a GPU of another type', withStage(0, { gpuType: 'V100' }), /is not a V100/],
    [
      'a type not in the pool',
      withStage(0, { gpuType: 'H200' }),
      /stages\[0\]\.gpuType: "H200" is not a GPU type of the pool/,
    ],
    [
      'a TP degree that does not match its GPUs',
      withStage(0, { tp: fastest.stages[0]!.tp * 2 }),
      /stages\[0\]\.tp: \d+, but gpuIds names \d+ GPUs/,
    ],
    [
      'an overstated throughput',
      { ...fastest, throughputTokensPerSec: fastest.throughputTokensPerSec * 1.01 },
      /throughputTokensPerSec: .* these stages run at/,
    ],
    [
      'an understated price',
      { ...fastest, usdPerHour: fastest.usdPerHour - 1 },
      /usdPerHour: .*; the pool's prices give/,
    ],
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

  it('names the parts as the file read from names them, and only so', () => {
    const broken: Placement[] = [
      { ...fastest, stages: [] },
      withStage(1, { startLayer: fastest.stages[1]!.startLayer + 1 }),
      withStage(1, { endLayer: 0 }),
      withStage(fastest.stages.length - 1, { endLayer: 31 }),
      withStage(1, { gpuIds: fastest.stages[0]!.gpuIds, gpuType: fastest.stages[0]!.gpuType }),
      withStage(0, { gpuType: 'V100' }),
      withStage(0, { gpuType: 'H200' }),
      withStage(0, { tp: 3 }),
      { ...fastest, throughputTokensPerSec: fastest.throughputTokensPerSec * 1.01 },
      { ...fastest, usdPerHour: fastest.usdPerHour - 1 },
      { ...fastest, usdPerMillionTokens: fastest.usdPerMillionTokens * 2 },
    ];
    const errors = broken.flatMap((p) =>
      validatePlacement(problem, perf, BATCH, p, SOLUTION_FILE_TERMS),
    );
    expect(errors).toHaveLength(new Set(errors).size);
    expect(errors.length).toBeGreaterThanOrEqual(broken.length);
    for (const error of errors) {
      expect(error).toMatch(
        /^solution\.(gpu_assignments|cost_per_hour|throughput_tokens_per_sec|cost_per_token)/,
      );
      expect(error).not.toMatch(/usdPer|throughputTokens|stages\[|gpuIds|gpuType|Layer\b|\.tp\b/);
    }
    const text = errors.join('\n');
    expect(text).toMatch(/gpu_assignments\[1\]\.end_layer: 0, before start_layer/);
    expect(text).toMatch(/gpu_assignments\[0\]\.tp_degree: 3 is not one of 1, 2, 4, 8/);
    expect(text).toMatch(
      /solution\.cost_per_token: [\d.e-]+; solution\.cost_per_hour and solution\.throughput_tokens_per_sec give/,
    );
  });
});
