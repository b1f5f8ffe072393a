import { configSchema, generatedNetwork, type GpuType, type LlmProblem } from './model.js';

/**
 * A synthetic pool for the speed benchmark: 8 GPU types × 128 GPUs (1 024 in all), an 80-layer
 * 70B-class model, no segment quantization (every stage size allowed), up to 8 stages.
 */
export function syntheticPool(): LlmProblem {
  const spec: [string, number, number][] = [
    ['H100', 80, 4.2],
    ['A100', 80, 3],
    ['L40S', 48, 1.8],
    ['A40', 48, 1.2],
    ['L40', 48, 1.5],
    ['V100', 32, 1],
    ['L20', 48, 0.9],
    ['T4', 16, 0.4],
  ];
  let firstId = 0;
  const types: GpuType[] = spec.map(([name, memoryGb, usdPerHour]) => {
    const t = { name, count: 128, memoryGb, usdPerHour, firstId };
    firstId += 128;
    return t;
  });
  const config = configSchema.parse({
    sequence_length: '4096',
    min_batch_size: '32',
    max_batch_size: '256',
    num_decoder_layers: '80',
    d_model: '8192',
    d_hidden: '28672',
    layer_weight_memory_gb: '1.6',
    bytes_per_element: '2',
    enable_segment_quantization: 'false',
    max_pipeline_stages: '8',
    min_layers_per_stage: '1',
    min_memory_utilization: '0.5',
  });
  return {
    config,
    types,
    gpuCount: firstId,
    bandwidthGbps: generatedNetwork(types, firstId, 400, 200),
  };
}
