import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema, generatedNetwork, type LlmConfig, type LlmProblem } from '../model.js';
import { findGpu, type GpuSpec } from './catalogue.js';
import {
  DEFAULT_COMPUTE_EFFICIENCY,
  DEFAULT_MEMORY_BANDWIDTH_EFFICIENCY,
  layerCost,
  layerShape,
  ROOFLINE_MODEL,
  sumOfMax,
  workload,
} from './roofline.js';

const GIB = 2 ** 30;
const EFF = {
  memoryBandwidth: DEFAULT_MEMORY_BANDWIDTH_EFFICIENCY,
  compute: DEFAULT_COMPUTE_EFFICIENCY,
};

function gpu(name: string, memoryGb: number): GpuSpec {
  const found = findGpu(name, memoryGb);
  if (typeof found === 'string') throw new Error(found);
  return found;
}

/** Llama-3-70B's shape: 80 layers, GQA with 8 of 64 heads, 1.59375 GiB of bf16 weights a layer. */
const LLAMA3_70B = {
  num_decoder_layers: '80',
  d_model: '8192',
  d_hidden: '28672',
  layer_weight_memory_gb: '1.59375',
  num_attention_heads: '64',
  num_kv_heads: '8',
  vocab_size: '128256',
};
/** Llama-3.1-8B: 32 layers, GQA with 8 of 32 heads, 0.40625 GiB a layer. */
const LLAMA31_8B = {
  num_decoder_layers: '32',
  d_model: '4096',
  d_hidden: '14336',
  layer_weight_memory_gb: '0.40625',
  num_attention_heads: '32',
  num_kv_heads: '8',
  vocab_size: '128256',
};
/** Llama-2-70B: Llama-3-70B's layers, a 32 000-token vocabulary. */
const LLAMA2_70B = { ...LLAMA3_70B, vocab_size: '32000' };
/** Llama-2-7B: 32 layers, no GQA, 0.376953125 GiB a layer. */
const LLAMA2_7B = {
  num_decoder_layers: '32',
  d_model: '4096',
  d_hidden: '11008',
  layer_weight_memory_gb: '0.376953125',
  num_attention_heads: '32',
  vocab_size: '32000',
};

function config(model: Record<string, string>, extra: Record<string, string> = {}): LlmConfig {
  return configSchema.parse({
    sequence_length: '4096',
    min_batch_size: '1',
    max_batch_size: '1',
    bytes_per_element: '2',
    max_pipeline_stages: '1',
    ...model,
    ...extra,
  });
}

/** One TP group of `tp` GPUs of one type, all linked at `linkGbps`. */
function group(c: LlmConfig, gpuType: string, memoryGb: number, tp: number, linkGbps: number) {
  const types = [{ name: gpuType, count: tp, memoryGb, usdPerHour: 1, firstId: 0 }];
  const problem: LlmProblem = {
    config: c,
    types,
    gpuCount: tp,
    bandwidthGbps: generatedNetwork(types, tp, linkGbps, linkGbps),
  };
  return problem;
}

/** Seconds the model needs for one batch's request cycle on one TP group holding every layer. */
function batchSeconds(
  c: LlmConfig,
  gpuType: string,
  memoryGb: number,
  tp: number,
  linkGbps: number,
  batch: number,
): number {
  const rated = ROOFLINE_MODEL.atBatch(group(c, gpuType, memoryGb, tp, linkGbps), batch);
  const tokensPerSec = rated.stageTokensPerSec(0, tp, c.num_decoder_layers, linkGbps);
  return (batch * workload(c).outputTokens) / tokensPerSec;
}

describe('roofline model: published measurements (docs/llm-roofline.md §7 states these ratios)', () => {
  // vLLM's performance benchmark (Buildkite builds 9523 on A100-SXM4-80GB, 9515 on H200):
  // batch 8, 32 prompt and 128 generated tokens, bf16, mean end-to-end latency.
  it.each([
    ['Llama-3-70B, TP 4, A100 80GB', LLAMA3_70B, 'A100 80GB', 80, 4, 600, 3.99059, '2.760', '1.45'],
    [
      'Llama-3.1-8B, TP 1, A100 80GB',
      LLAMA31_8B,
      'A100 80GB',
      80,
      1,
      600,
      1.57927,
      '1.194',
      '1.32',
    ],
    ['Llama-3-70B, TP 4, H200', LLAMA3_70B, 'H200', 141, 4, 900, 2.07753, '1.170', '1.78'],
    ['Llama-3.1-8B, TP 1, H200', LLAMA31_8B, 'H200', 141, 1, 900, 0.833421, '0.505', '1.65'],
  ] as const)(
    'vLLM latency benchmark, %s: model seconds and measured ÷ model',
    (_, model, gpuType, memoryGb, tp, link, measured, modelSeconds, ratio) => {
      const c = config(model, { input_length: '32', output_length: '128' });
      const seconds = batchSeconds(c, gpuType, memoryGb, tp, link, 8);
      expect(seconds.toFixed(3)).toBe(modelSeconds);
      expect((measured / seconds).toFixed(2)).toBe(ratio);
    },
  );

  // TensorRT-LLM's performance page (v0.5 low-latency table, A100 FP16): first-token latency at
  // batch 1, the prefill of one prompt.
  it.each([
    ['Llama-2-70B, TP 4, 2048 tokens', LLAMA2_70B, 4, 2048, 0.377, '341.9', '1.10'],
    ['Llama-2-70B, TP 4, 128 tokens', LLAMA2_70B, 4, 128, 0.047, '21.9', '2.15'],
    ['Llama-2-7B, TP 1, 2048 tokens', LLAMA2_7B, 1, 2048, 0.133, '129.0', '1.03'],
    ['Llama-2-7B, TP 1, 128 tokens', LLAMA2_7B, 1, 128, 0.016, '8.1', '1.96'],
  ] as const)(
    'TensorRT-LLM first-token latency, %s: model ms and measured ÷ model',
    (_, model, tp, input, measured, modelMs, ratio) => {
      const c = config(model, { input_length: String(input), output_length: '1' });
      const seconds = batchSeconds(c, 'A100 80GB', 80, tp, 600, 1);
      expect((seconds * 1000).toFixed(1)).toBe(modelMs);
      expect((measured / seconds).toFixed(2)).toBe(ratio);
    },
  );
});

describe('roofline formulas', () => {
  it('sums max(p + qc, r + sc) over a range exactly as a loop does', () => {
    const coef = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        coef,
        coef,
        coef,
        coef,
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: -1, max: 60 }),
        (p, q, r, s, from, length) => {
          let loop = 0;
          for (let c = from; c < from + length; c++) loop += Math.max(p + q * c, r + s * c);
          const closed = sumOfMax(p, q, r, s, from, from + length - 1);
          expect(closed).toBeCloseTo(loop, 6);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });

  it('splits sequence_length into prompt and generation unless told', () => {
    expect(workload(config(LLAMA31_8B))).toEqual({ inputTokens: 2048, outputTokens: 2048 });
    expect(workload(config(LLAMA31_8B, { output_length: '96' }))).toEqual({
      inputTokens: 4000,
      outputTokens: 96,
    });
    expect(workload(config(LLAMA31_8B, { input_length: '5000' }))).toEqual({
      inputTokens: 5000,
      outputTokens: 1,
    });
    expect(workload(config(LLAMA31_8B, { input_length: '10', output_length: '20' }))).toEqual({
      inputTokens: 10,
      outputTokens: 20,
    });
  });

  it('a decode step at batch 1 takes the weight bytes over bandwidth × efficiency', () => {
    const c = config(LLAMA31_8B);
    const layer = layerShape(c);
    const h100 = gpu('H100', 80);
    const w = (output: number) => ({ inputTokens: 16, outputTokens: output });
    const step = layerCost(layer, w(3), 1, 1, h100, EFF).seconds;
    const oneStepLess = layerCost(layer, w(2), 1, 1, h100, EFF).seconds;
    const weightSeconds = layer.weightBytes / (h100.memBwGbps * 1e9 * EFF.memoryBandwidth);
    // The step at context 18 also reads 18 tokens of KV cache: under 0.1 % of the weights here.
    expect((step - oneStepLess) / weightSeconds).toBeGreaterThanOrEqual(1);
    expect((step - oneStepLess) / weightSeconds).toBeLessThan(1.001);
    expect(layer.weightBytes).toBe(0.40625 * GIB + ((128256 * 4096) / 32) * 2);
  });

  it('grouped-query attention shrinks the KV cache by heads / kv heads', () => {
    const full = layerShape(config(LLAMA3_70B, { num_kv_heads: '64' }));
    const grouped = layerShape(config(LLAMA3_70B));
    expect(full.kvBytesPerToken).toBe(2 * 8192 * 2);
    expect(grouped.kvBytesPerToken).toBe(full.kvBytesPerToken / 8);
    expect(grouped.flopsPerToken).toBeLessThan(full.flopsPerToken);
    expect(layerShape(config(LLAMA2_7B)).kvBytesPerToken).toBe(2 * 4096 * 2);
  });

  it('TP 2 halves the weight bytes each GPU holds and reads; KV splits up to the KV heads', () => {
    const c = config(LLAMA3_70B);
    const layer = layerShape(c);
    const a100 = gpu('A100', 80);
    const w = { inputTokens: 1, outputTokens: 1 };
    const one = layerCost(layer, w, 1, 1, a100, EFF);
    const two = layerCost(layer, w, 1, 2, a100, EFF);
    expect(two.memoryBytes).toBeCloseTo(one.memoryBytes / 2, 0);
    expect(two.seconds).toBeCloseTo(one.seconds / 2, 9);
    // 8 KV heads: TP 16 holds as much KV per GPU as TP 8.
    const long = { inputTokens: 4000, outputTokens: 96 };
    const kv = (tp: number) =>
      layerCost(layer, long, 64, tp, a100, EFF).memoryBytes - layer.residentBytes / tp;
    expect(kv(8)).toBeCloseTo(kv(1) / 8, 0);
    expect(kv(16)).toBeCloseTo(kv(8), 0);
  });

  it('charges no TP traffic at TP 1 and 2 · 2(tp−1)/tp of the activations otherwise', () => {
    const layer = layerShape(config(LLAMA31_8B));
    const w = { inputTokens: 100, outputTokens: 11 };
    const l4 = gpu('L4', 24);
    expect(layerCost(layer, w, 4, 1, l4, EFF).tpLinkBytes).toBe(0);
    const tokens = 4 * 100 + 4 * 10;
    expect(layerCost(layer, w, 4, 4, l4, EFF).tpLinkBytes).toBe(2 * 1.5 * tokens * 4096 * 2);
  });

  it('takes no link to be faster than the GPU’s own: 400 GB/s between L40s is PCIe’s 64', () => {
    const c = config(LLAMA31_8B);
    const rate = (linkGbps: number) =>
      ROOFLINE_MODEL.atBatch(group(c, 'L40', 48, 4, linkGbps), 16).stageTokensPerSec(
        0,
        4,
        32,
        linkGbps,
      );
    expect(rate(400)).toBe(rate(64));
    expect(rate(32)).toBeLessThan(rate(64));
  });

  it('refuses a layer count that does not fit instead of claiming one layer fits', () => {
    const c = config(LLAMA3_70B, { input_length: '100000', output_length: '1000' });
    const rated = ROOFLINE_MODEL.atBatch(group(c, 'T4', 16, 1, 32), 64);
    const [min, max] = rated.layerRange(0, 1);
    expect(max).toBe(0);
    expect(max).toBeLessThan(min);
  });
});

describe('roofline monotonicity', () => {
  const arb = fc.record({
    batch: fc.integer({ min: 1, max: 256 }),
    input: fc.integer({ min: 1, max: 8192 }),
    output: fc.integer({ min: 1, max: 2048 }),
    tp: fc.constantFrom(1, 2, 4, 8),
    gpu: fc.constantFrom('H100', 'L40S', 'T4', 'A10G', 'V100'),
    kvHeads: fc.constantFrom('8', '64'),
  });
  it('more layers, batch or tokens never make a stage faster per request; TP never needs more memory', () => {
    fc.assert(
      fc.property(arb, ({ batch, input, output, tp, gpu: name, kvHeads }) => {
        const c = config(LLAMA3_70B, { num_kv_heads: kvHeads });
        const layer = layerShape(c);
        const spec = gpu(name, name === 'V100' ? 32 : 0);
        const w = { inputTokens: input, outputTokens: output };
        const base = layerCost(layer, w, batch, tp, spec, EFF);
        const more = (b: number, i: number, o: number) =>
          layerCost(layer, { inputTokens: i, outputTokens: o }, b, tp, spec, EFF);
        expect(more(batch + 1, input, output).seconds).toBeGreaterThanOrEqual(base.seconds);
        expect(more(batch, input + 1, output).seconds).toBeGreaterThanOrEqual(base.seconds);
        expect(more(batch, input, output + 1).seconds).toBeGreaterThanOrEqual(base.seconds);
        expect(more(batch + 1, input, output).memoryBytes).toBeGreaterThan(base.memoryBytes);
        expect(layerCost(layer, w, batch, tp * 2, spec, EFF).memoryBytes).toBeLessThan(
          base.memoryBytes,
        );
        const rated = ROOFLINE_MODEL.atBatch(group(c, name, spec.memoryGb, 8, 300), batch);
        const stage = (layers: number) => rated.stageTokensPerSec(0, tp, layers, 300);
        expect(stage(41)).toBeLessThan(stage(40));
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
