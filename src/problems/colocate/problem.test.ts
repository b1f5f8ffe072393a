import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../../test/helpers.js';
import { COLOCATE_GPUS } from './gpus.js';
import { parseColocateProblems, type ColocateProblem } from './model.js';
import { validateColocation } from './validate.js';

/** The README's first example: an A10G shared with a 2 GiB tenant. */
const a10g = {
  id: 'a10g',
  gpu: 'A10G',
  vllm: { model: 'Llama-3.1-8B-FP8', maxModelLen: 8192 },
  whisper: { sizes: ['tiny', 'base', 'small', 'medium'] },
  otherProcessesGib: 2,
  requirements: { minCapacity: 4, maxWhisperWerPercent: 4.2 },
};
const parse = (data: unknown): ColocateProblem[] => parseColocateProblems(data, 'p.json');
const problemText = (data: unknown): string => userErrorText(() => parse(data));
const [problem] = parse(a10g);

describe('colocate problems', () => {
  it('fill in defaults: margin 1 GiB, CUDA contexts 0.5 GiB, grid 0.01, capacity ≥ 1', () => {
    const [p] = parse({ ...a10g, requirements: undefined, otherProcessesGib: undefined });
    expect(p).toMatchObject({
      safetyMarginGib: 1,
      cudaContextGib: 0.5,
      otherProcessesGib: 0,
      utilizationStep: 0.01,
      requirements: { minCapacity: 1 },
    });
    expect(parse([{ ...a10g, id: undefined }])[0]!.id).toBe('problem-0');
  });

  it.each([
    [{ ...a10g, whisper: { sizes: [] } }, 'whisper.sizes: give at least one Whisper size'],
    [{ ...a10g, whisper: { sizes: ['base', 'base'] } }, 'each Whisper size may be listed once'],
    [{ ...a10g, whisper: { sizes: ['huge'] } }, 'whisper.sizes[0]: expected one of tiny'],
    [{ ...a10g, utilizationStep: 0 }, 'utilizationStep must be in [0.001, 0.5]'],
    [{ ...a10g, otherProcessesGib: -1 }, 'otherProcessesGib must be >= 0'],
    [
      { ...a10g, otherProcessesGib: 1e300 },
      'otherProcessesGib: 1e+300 GiB is more than any GPU holds (at most 2048 GiB)',
    ],
    // MiB typed as GiB: a 24 GiB device, a 16 GiB model, 4 GiB of another tenant.
    [
      { ...a10g, gpu: { memGib: 24576, bandwidthGBps: 600 } },
      'gpu.memGib: 24576 GiB is more than any GPU holds (at most 2048 GiB); is it in MiB? (24576 MiB = 24 GiB)',
    ],
    [
      { ...a10g, otherProcessesGib: 4096 },
      'otherProcessesGib: 4096 GiB is more than any GPU holds (at most 2048 GiB); is it in MiB? (4096 MiB = 4 GiB)',
    ],
    [
      {
        ...a10g,
        vllm: {
          ...a10g.vllm,
          model: { name: 'm', weightsGib: 16384, numLayers: 32, numKvHeads: 8, headDim: 128 },
        },
      },
      'vllm.model.weightsGib: 16384 GiB is more than any GPU holds (at most 2048 GiB); is it in MiB? (16384 MiB = 16 GiB)',
    ],
    [
      { ...a10g, requirements: { minCapacity: 0 } },
      'requirements.minCapacity: minCapacity must be >= 1',
    ],
    [
      { ...a10g, vllm: { ...a10g.vllm, gpuMemoryUtilization: 0.5 } },
      'vllm.gpuMemoryUtilization: the memory share is what the solver chooses',
    ],
    [{ ...a10g, load: { llmContextTokens: 9000 } }, 'llmContextTokens must be <= vllm.maxModelLen'],
    [[a10g, a10g], 'duplicate problem id "a10g"'],
    // A misspelt field would drop the constraint it states (a tenant's memory, a requirement).
    [
      { ...a10g, otherProcessesGib: undefined, otherProcessGib: 2 },
      'otherProcessGib: unknown field; did you mean "otherProcessesGib"?',
    ],
    [{ ...a10g, requirements: { mincapacity: 4 } }, 'requirements.mincapacity: unknown field'],
    [{ ...a10g, vllm: { ...a10g.vllm, maxNumSeq: 4 } }, 'vllm.maxNumSeq: unknown field'],
    [{ ...a10g, load: { whisperRequests: 2 } }, 'load.whisperRequests: unknown field'],
    [[], 'the file holds no problem'],
    [
      { ...a10g, whisper: { sizes: ['tiny', 'Small'] } },
      'whisper.sizes[1]: expected one of tiny, base, small, medium, large-v3, got "Small"; did you mean "small"?',
    ],
    [{ ...a10g, whisper: undefined }, 'whisper: missing; expected whisper as {sizes: [...]}'],
    [{ ...a10g, id: '' }, 'problem "" (#0): id: the problem id must not be empty'],
    [{ ...a10g, requirements: [] }, 'requirements: expected requirements as {minCapacity'],
    [7, 'problem #0: expected a problem as {id, gpu, vllm, whisper, ...}, got 7'],
  ])('rejects a bad problem with the file, the problem and the field (%#)', (data, message) => {
    const text = problemText(data);
    expect(text).toContain('p.json');
    expect(text).toContain(message);
  });

  it('names the problem by its id and position', () => {
    expect(
      problemText([
        { ...a10g, id: 'ok' },
        { ...a10g, gpu: 'B200' },
      ]),
    ).toContain('problem "a10g" (#1): gpu');
  });
});

describe('the strict colocate validator', () => {
  const reasons = (utilization: number, whisperSize: ColocateProblem['whisper']['sizes'][number]) =>
    validateColocation(problem!, { gpuMemoryUtilization: utilization, whisperSize }).errors;

  it('accepts a configuration that keeps the margin and meets every requirement', () => {
    const report = validateColocation(problem!, {
      gpuMemoryUtilization: 0.74,
      whisperSize: 'base',
    });
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('states each broken rule with its figures', () => {
    // 0.9 × 22.19 + two 0.5 GiB contexts + small's 2 GiB + the 2 GiB tenant = 24.97 GiB.
    expect(reasons(0.9, 'small')).toEqual([
      "out of memory: the processes claim 24.97 GiB of the device's 22.19 GiB",
    ]);
    // free = 22.19 − 1 (contexts) − 1 (base) − 2 (tenant) − 0.8 × 22.19 = 0.438 GiB.
    expect(reasons(0.8, 'base')).toEqual([
      '0.438 GiB stays free, less than the safety margin of 1 GiB',
    ]);
    expect(reasons(0.3, 'base')[0]).toMatch(/^vLLM refuses to start: its share \(6.657 GiB\)/);
    expect(reasons(0.6, 'base')).toEqual([
      'capacity 3 concurrent sequences is below the required 4',
    ]);
    expect(reasons(0.7, 'tiny')).toEqual(['Whisper tiny has WER 5.6 %, above the allowed 4.2 %']);
    expect(reasons(0.7, 'large-v3')).toContain(
      'Whisper large-v3 is not among the sizes offered (tiny, base, small, medium)',
    );
  });

  it('counts memory to the byte: exactly the margin free keeps it, a device filled exactly is not out of memory', () => {
    const fill = {
      ...a10g,
      vllm: { model: 'Qwen2.5-7B-AWQ', maxModelLen: 4096 },
      requirements: {},
    };
    const at = (data: object, utilization: number, whisperSize: 'medium' | 'large-v3') =>
      validateColocation(parse({ ...fill, whisper: { sizes: [whisperSize] }, ...data })[0]!, {
        gpuMemoryUtilization: utilization,
        whisperSize,
      });
    // free = 22.19 − 1 (contexts) − 0.55 × 22.19 − 5 (medium) − 2.9855 = 1 GiB, the margin.
    expect(at({ otherProcessesGib: 2.9855 }, 0.55, 'medium').errors).toEqual([]);
    // used = 2 × 0.7 + 0.4 × 22.19 + 10 (large-v3) + 1.914 = 22.19 GiB, all of it; no margin asked.
    const full = { cudaContextGib: 0.7, safetyMarginGib: 0, otherProcessesGib: 1.914 };
    expect(at(full, 0.4, 'large-v3').metrics.oom).toBe(false);
    expect(at(full, 0.4, 'large-v3').errors).toEqual([]);
    // A KiB more is short of the margin, and out of memory, in figures that tell it.
    const kib = 2 ** -20;
    expect(at({ otherProcessesGib: 2.9855 + kib }, 0.55, 'medium').errors).toEqual([
      '0.999999 GiB stays free, less than the safety margin of 1 GiB',
    ]);
    expect(at({ ...full, otherProcessesGib: 1.914 + kib }, 0.4, 'large-v3').errors).toEqual([
      "out of memory: the processes claim 22.190001 GiB of the device's 22.19 GiB",
    ]);
  });

  it('reads a custom GPU too', () => {
    const [custom] = parse({ ...a10g, gpu: { memGib: 80, bandwidthGBps: 2000 } });
    expect(COLOCATE_GPUS.A10G.memGib).toBeLessThan(80);
    expect(
      validateColocation(custom!, { gpuMemoryUtilization: 0.9, whisperSize: 'small' }).valid,
    ).toBe(true);
  });
});
