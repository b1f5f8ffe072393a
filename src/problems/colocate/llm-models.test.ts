import { describe, expect, it } from 'vitest';
import {
  COLOCATE_MODELS,
  kvBytesPerToken,
  LLAMA_3_1_8B,
  parameterCounts,
  QWEN_2_5_7B,
  weightsGib,
} from './llm-models.js';

const total = (c: { linear: number; other: number }) => c.linear + c.other;

describe('LLM weights counted from the model shape', () => {
  it('counts 8.03 B parameters for Llama-3.1-8B and 7.61 B (6.53 B non-embedding) for Qwen2.5-7B', () => {
    expect(total(parameterCounts(LLAMA_3_1_8B))).toBe(8_030_261_248);
    const qwen = parameterCounts(QWEN_2_5_7B);
    expect(total(qwen)).toBe(7_615_616_512);
    const embeddings = 2 * QWEN_2_5_7B.vocabSize * QWEN_2_5_7B.hiddenSize;
    expect((total(qwen) - embeddings) / 1e9).toBeCloseTo(6.53, 2);
  });

  it('matches vLLM’s "model weights take 14.96GiB" for an 8B Llama in bf16 (vLLM PR #10511)', () => {
    expect(weightsGib(LLAMA_3_1_8B, 'bf16')).toBeCloseTo(14.96, 2);
  });

  it('keeps embeddings and the LM head 16-bit when quantizing linear layers', () => {
    const counts = parameterCounts(LLAMA_3_1_8B);
    const gib = (bytes: number) => bytes / 2 ** 30;
    expect(weightsGib(LLAMA_3_1_8B, 'fp8')).toBeCloseTo(gib(counts.linear + 2 * counts.other), 9);
    expect(weightsGib(LLAMA_3_1_8B, 'fp8')).toBeCloseTo(8.458, 3);
    // Cross-check only: a bitsandbytes 4-bit Qwen2.5-7B (a different 4-bit layout of similar
    // density) loaded as 5.2032 GiB in vLLM issue #13882; AWQ int4 g128 comes within 1 %.
    const awq = weightsGib(QWEN_2_5_7B, 'awq-int4');
    expect(Math.abs(awq - 5.2032) / 5.2032).toBeLessThan(0.01);
  });

  it('names every catalogue model after a shape and format that exist', () => {
    for (const model of Object.values(COLOCATE_MODELS)) {
      expect(weightsGib(model.shape, model.format)).toBeGreaterThan(4);
      expect(model.activationPeakGib).toBeGreaterThan(1);
    }
  });

  it('stores 128 KiB of KV cache per token for Llama-3.1-8B and 56 KiB for Qwen2.5-7B', () => {
    expect(kvBytesPerToken(32, 8, 128, 2)).toBe(128 * 1024);
    expect(kvBytesPerToken(28, 4, 128, 2)).toBe(56 * 1024);
    expect(kvBytesPerToken(28, 4, 128, 1)).toBe(28 * 1024);
  });
});
