import { describe, expect, it } from 'vitest';
import { kvBytesPerToken, LLAMA_3_1_8B, weightsGib } from './llm-models.js';
import { kvBlocksFor, profileVllmMemory } from './vllm-memory.js';

describe('vLLM memory profiling, against vLLM’s own start-up logs', () => {
  it('reproduces Meta-Llama-3-8B on an 80 GB GPU at 0.90 (vLLM PR #10511)', () => {
    // Logged: total 79.22 GiB, instance can use 71.29 GiB, weights 14.96 GiB, non-torch
    // 1.79 GiB, activation peak 1.26 GiB, available KV cache 53.29 GiB (no CUDA graphs charged).
    const m = profileVllmMemory({
      totalGib: 79.22,
      utilisation: 0.9,
      weightsGib: weightsGib(LLAMA_3_1_8B, 'bf16'),
      activationPeakGib: 1.26,
      nonTorchGib: 1.79,
      cudaGraphGib: 0,
      kvBytesPerToken: kvBytesPerToken(32, 8, 128, 2),
      blockSize: 16,
      maxModelLen: 8192,
    });
    expect(Math.abs(m.reservationGib - 71.29)).toBeLessThan(0.01);
    expect(Math.abs(m.kvCacheGib - 53.29)).toBeLessThan(0.01);
    // 2 MiB blocks of 16 tokens; 512 of them per 8192-token sequence.
    expect(m.blocksPerSequence).toBe(512);
    expect(m.kvBlocks).toBe(Math.floor((m.kvCacheGib * 1024) / 2));
    expect(m.maxConcurrentSequences).toBe(Math.floor(m.kvBlocks / 512));
  });

  it('reproduces Qwen2.5-32B at TP 2 on L40S (vLLM issue #15815): 7.71 GiB, 3947 blocks', () => {
    // Logged: 44.42 GiB × 0.90 = 39.98 GiB; weights 30.71, non-torch 0.30, activation 1.26;
    // KV cache 7.71 GiB; "# CUDA blocks: 3947". Per GPU: 64 layers, 8 / 2 KV heads, head 128.
    const m = profileVllmMemory({
      totalGib: 44.42,
      utilisation: 0.9,
      weightsGib: 30.71,
      activationPeakGib: 1.26,
      nonTorchGib: 0.3,
      cudaGraphGib: 0,
      kvBytesPerToken: kvBytesPerToken(64, 4, 128, 2),
      blockSize: 16,
      maxModelLen: 10000,
    });
    expect(Math.abs(m.reservationGib - 39.98)).toBeLessThan(0.01);
    expect(Math.abs(m.kvCacheGib - 7.71)).toBeLessThan(0.01);
    expect(kvBlocksFor(7.71, kvBytesPerToken(64, 4, 128, 2), 16)).toBe(3947);
    expect(m.blocksPerSequence).toBe(625);
  });

  it('holds no blocks when nothing is left for the KV cache', () => {
    expect(kvBlocksFor(0, 131072, 16)).toBe(0);
    expect(kvBlocksFor(-3, 131072, 16)).toBe(0);
    expect(kvBlocksFor(1, 131072, 16)).toBe(512);
  });
});
