import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../../test/helpers.js';
import { evaluateColocation } from './evaluate.js';
import { parseColocationInput, type ColocationInputSpec } from './model.js';

const ok: ColocationInputSpec = {
  gpu: 'A10G',
  vllm: { model: 'Llama-3.1-8B-FP8', gpuMemoryUtilization: 0.55, maxModelLen: 4096 },
  whisper: { size: 'base' },
};
const custom = { name: 'my-7b', weightsGib: 5, numLayers: 32, numKvHeads: 8, headDim: 128 };

const withVllm = (vllm: Record<string, unknown>) => ({ ...ok, vllm: { ...ok.vllm, ...vllm } });
const problemOf = (data: unknown) =>
  userErrorText(() => evaluateColocation(data as ColocationInputSpec));

describe('colocation input', () => {
  it('fills in vLLM defaults and a load of one request each, contexts capped by maxModelLen', () => {
    const input = parseColocationInput(ok);
    expect(input.vllm).toMatchObject({
      blockSize: 16,
      maxNumSeqs: 256,
      kvCacheDtype: 'auto',
      enforceEager: false,
    });
    expect(input.load).toEqual({
      llmConcurrentRequests: 1,
      llmContextTokens: 1024,
      whisperConcurrentRequests: 1,
    });
    expect(input).toMatchObject({ otherProcessesGib: 0, cudaContextGib: 0.5, safetyMarginGib: 1 });
    const short = parseColocationInput({ ...ok, vllm: { ...ok.vllm, maxModelLen: 512 } });
    expect(short.load.llmContextTokens).toBe(512);
  });

  it('accepts a custom GPU and a custom model given by size or by parameters', () => {
    expect(problemOf({ ...ok, gpu: { memGib: 24, bandwidthGBps: 600 } })).toBe('accepted');
    expect(problemOf(withVllm({ model: custom }))).toBe('accepted');
    const byParams = { ...custom, weightsGib: undefined, paramsBillion: 7, dtype: 'int4' };
    expect(problemOf(withVllm({ model: byParams }))).toBe('accepted');
  });

  it.each([
    [
      withVllm({ gpuMemoryUtilization: 1.2 }),
      'colocation input: vllm.gpuMemoryUtilization: gpuMemoryUtilization must be in (0, 1]',
    ],
    [
      withVllm({ gpuMemoryUtilization: 0 }),
      'colocation input: vllm.gpuMemoryUtilization: gpuMemoryUtilization must be in (0, 1]',
    ],
    [
      withVllm({ gpuMemoryUtilization: Number.NaN }),
      'colocation input: vllm.gpuMemoryUtilization: expected gpuMemoryUtilization as a finite number',
    ],
    [
      withVllm({ model: { ...custom, weightsGib: -1 } }),
      'colocation input: vllm.model.weightsGib: weightsGib must be > 0',
    ],
    [
      withVllm({ model: { ...custom, paramsBillion: 7, dtype: 'bf16' } }),
      'colocation input: vllm.model.weightsGib: give exactly one of weightsGib and paramsBillion',
    ],
    [
      withVllm({ model: { ...custom, weightsGib: undefined, paramsBillion: 7 } }),
      'colocation input: vllm.model.dtype: paramsBillion needs a dtype',
    ],
    [
      withVllm({ model: { ...custom, numKvHeads: 0 } }),
      'colocation input: vllm.model.numKvHeads: numKvHeads must be >= 1',
    ],
    [withVllm({ maxModelLen: 1.5 }), 'vllm.maxModelLen: maxModelLen must be an integer'],
    [withVllm({ blockSize: -16 }), 'vllm.blockSize: blockSize must be >= 1'],
    [withVllm({ cudaGraphGib: -0.5 }), 'vllm.cudaGraphGib: cudaGraphGib must be >= 0'],
    [{ ...ok, gpu: { memGib: -24, bandwidthGBps: 600 } }, 'gpu.memGib: memGib must be > 0'],
    [
      { ...ok, gpu: { memGib: '24', bandwidthGBps: 600 } },
      'gpu.memGib: expected memGib as a finite',
    ],
    [
      withVllm({ model: { ...custom, numLayers: undefined } }),
      'vllm.model.numLayers: expected numLayers as a finite number',
    ],
    [
      { ...ok, gpu: { memGib: 24, bandwidthGBps: Number.POSITIVE_INFINITY } },
      'gpu.bandwidthGBps: expected bandwidthGBps as a finite number',
    ],
    [{ ...ok, otherProcessesGib: -1 }, 'otherProcessesGib: otherProcessesGib must be >= 0'],
    [{ ...ok, cudaContextGib: Number.NaN }, 'cudaContextGib: expected cudaContextGib as a finite'],
    [{ ...ok, whisper: { size: 'huge' } }, 'whisper.size: expected one of tiny, base, small'],
    [
      { ...ok, load: { llmConcurrentRequests: -2 } },
      'load.llmConcurrentRequests: llmConcurrentRequests must be >= 0',
    ],
    [
      { ...ok, load: { llmContextTokens: 8192 } },
      'load.llmContextTokens: llmContextTokens must be <= vllm.maxModelLen (4096)',
    ],
    [{ ...ok, gpu: 'B200' }, 'gpu: expected a GPU name (A10G, L4,'],
    [withVllm({ model: 'GPT-5' }), 'vllm.model: expected a model name (Llama-3.1-8B,'],
  ])('rejects %j with the field named', (data, message) => {
    expect(problemOf(data)).toContain(message);
  });
});
