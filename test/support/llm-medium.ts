import {
  configSchema,
  generatedNetwork,
  type GpuType,
  type LlmProblem,
} from '../../src/problems/llm/model.js';

/** The seed's `configs/medium` (llama-8b, 32 layers) and its pool, with the AWS prices the
 * seed derives (A100 32.77/8; L40 → L40S 3.42; A10 → A100 by its substring lookup; V100 3.06). */
export function medium(intra: number, inter: number): LlmProblem {
  const config = configSchema.parse({
    sequence_length: '4096',
    min_batch_size: '32',
    max_batch_size: '256',
    num_decoder_layers: '32',
    d_model: '8192',
    d_hidden: '22016',
    layer_weight_memory_gb: '3.5',
    bytes_per_element: '2',
    enable_segment_quantization: 'true',
    max_pipeline_stages: '8',
    min_layers_per_stage: '5',
    min_memory_utilization: '0.5',
    max_hourly_cost: '999.0',
  });
  const spec: [string, number, number, number][] = [
    ['A100', 8, 80, 32.77 / 8],
    ['L40', 12, 48, 3.42],
    ['A10', 12, 24, 32.77 / 8],
    ['V100', 12, 32, 3.06],
  ];
  let firstId = 0;
  const types: GpuType[] = spec.map(([name, count, memoryGb, usdPerHour]) => {
    const t = { name, count, memoryGb, usdPerHour, firstId };
    firstId += count;
    return t;
  });
  return {
    config,
    types,
    gpuCount: firstId,
    bandwidthGbps: generatedNetwork(types, firstId, intra, inter),
  };
}
