import { describe, expect, it } from 'vitest';
import { linksBelowPercentile, typeLinks } from './links.js';
import { configSchema, generatedNetwork, type LlmProblem } from './model.js';

/** Three A100s and two V100s on a generated 300/100 network, filtered at `percentile`. */
function problem(percentile: number): LlmProblem {
  const types = [
    { name: 'A100', count: 3, memoryGb: 80, usdPerHour: 4, firstId: 0 },
    { name: 'V100', count: 2, memoryGb: 32, usdPerHour: 3, firstId: 3 },
  ];
  const config = configSchema.parse({
    sequence_length: '512',
    min_batch_size: '8',
    max_batch_size: '8',
    num_decoder_layers: '4',
    d_model: '2048',
    d_hidden: '5632',
    layer_weight_memory_gb: '2',
    bytes_per_element: '2',
    max_pipeline_stages: '4',
    network_bandwidth_percentile_threshold: String(percentile),
  });
  return { config, types, gpuCount: 5, bandwidthGbps: generatedNetwork(types, 5, 300, 100) };
}

describe('the percentile link filter by GPU type', () => {
  it('drops the links across types when the threshold lies above them', () => {
    // 8 of the 20 ordered pairs are within a type (300), 12 across (100): the 0.9-quantile is 300.
    const strict = problem(0.9);
    expect(linksBelowPercentile(strict)).toEqual({ thresholdGbps: 300, below: 12, pairs: 20 });
    expect(typeLinks(strict)).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('interpolates as the GPU-by-GPU quantile does', () => {
    // Rank 0.62·19 = 11.78 lies between the last 100 and the first 300.
    const between = problem(0.62);
    expect(linksBelowPercentile(between).thresholdGbps).toBeCloseTo(256, 9);
    expect(typeLinks(between)).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('is null when nothing is dropped, the network is not structured by type, or too many stages', () => {
    expect(typeLinks(problem(0.1))).toBeNull();
    const strict = problem(0.9);
    // Two types and up to 1000 stages: C(1002, 2) = 501 501 vectors of stage counts to number.
    expect(
      typeLinks({ ...strict, config: { ...strict.config, max_pipeline_stages: 1000 } }),
    ).toBeNull();
    expect(
      typeLinks({ ...strict, config: { ...strict.config, max_pipeline_stages: 400 } }),
    ).not.toBeNull();
    const uneven = problem(0.9);
    uneven.bandwidthGbps = uneven.bandwidthGbps.slice();
    uneven.bandwidthGbps[0 * 5 + 1] = 250;
    expect(linksBelowPercentile(uneven).below).toBeGreaterThan(0);
    expect(typeLinks(uneven)).toBeNull();
  });
});
