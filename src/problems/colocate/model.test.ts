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
      'vllm.model.numLayers: missing; expected numLayers as a finite number',
    ],
    [
      withVllm({ model: { ...custom, numLayers: 'x' } }),
      'vllm.model.numLayers: expected numLayers as a finite number, got "x"',
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
    // A value one of the format's names but for case or a letter or two: the name meant.
    [
      { ...ok, whisper: { size: 'Base' } },
      'whisper.size: expected one of tiny, base, small, medium, large-v3, got "Base"; did you mean "base"?',
    ],
    [{ ...ok, gpu: 'a10g' }, 'or {memGib, bandwidthGBps}, got "a10g"; did you mean "A10G"?'],
    [withVllm({ model: 'qwen2.5-7b' }), 'got "qwen2.5-7b"; did you mean "Qwen2.5-7B"?'],
    [
      withVllm({ kvCacheDtype: 'FP8' }),
      'vllm.kvCacheDtype: expected one of auto, fp8, got "FP8"; did you mean "fp8"?',
    ],
    // Inside a custom model, the mistake itself rather than "a name or {...}".
    [
      withVllm({ model: { ...custom, weightsGib: undefined, paramsBillion: 7, dtype: 'BF16' } }),
      'vllm.model.dtype: expected one of bf16, fp16, fp8, int8, int4, got "BF16"; did you mean "bf16"?',
    ],
    [
      withVllm({ model: { ...custom, name: undefined, nme: 'x' } }),
      'vllm.model.nme: unknown field; did you mean "name"?',
    ],
    [
      withVllm({ model: { ...custom, name: '' } }),
      'vllm.model.name: the model name must not be empty',
    ],
    [
      { ...ok, gpu: { memGib: 24, bandwidthGBps: 600, name: 3 } },
      'gpu.name: expected the GPU name as text, got 3',
    ],
    [withVllm({ enforceEager: 'true' }), 'vllm.enforceEager: expected true or false, got "true"'],
    [{ ...ok, vllm: undefined }, 'vllm: missing; expected vllm as {model, maxModelLen, ...}'],
    [{ ...ok, vLLM: ok.vllm, vllm: undefined }, 'vLLM: unknown field; did you mean "vllm"?'],
    [{ ...ok, whisper: 'base' }, 'whisper: expected whisper as {size}, got "base"'],
    [[ok], 'expected the colocation input as {gpu, vllm, whisper, ...}, got [{"gpu"'],
  ])('rejects %j with the field named', (data, message) => {
    expect(problemOf(data)).toContain(message);
  });
});
