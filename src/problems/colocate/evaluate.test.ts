import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateColocation, type ColocationMetrics } from './evaluate.js';
import type { ColocationInputSpec } from './model.js';
import { WHISPER_MODELS, WHISPER_SIZES } from './whisper.js';

const base: ColocationInputSpec = {
  gpu: 'A10G',
  vllm: { model: 'Llama-3.1-8B-FP8', gpuMemoryUtilization: 0.55, maxModelLen: 4096 },
  whisper: { size: 'base' },
  load: { llmConcurrentRequests: 8, llmContextTokens: 2048, whisperConcurrentRequests: 2 },
};

const withUtil = (spec: ColocationInputSpec, gpuMemoryUtilization: number) => ({
  ...spec,
  vllm: { ...spec.vllm, gpuMemoryUtilization },
});

const utilisation = fc.double({ min: 0.01, max: 1, noNaN: true });

/** A random shared GPU: custom device and model, any Whisper size, other tenants, contexts. */
const randomSpec = fc.record({
  memGib: fc.double({ min: 4, max: 100, noNaN: true }),
  bandwidthGBps: fc.double({ min: 100, max: 4000, noNaN: true }),
  utilisation,
  weightsGib: fc.double({ min: 0.5, max: 40, noNaN: true }),
  size: fc.constantFrom(...WHISPER_SIZES),
  otherProcessesGib: fc.double({ min: 0, max: 30, noNaN: true }),
  cudaContextGib: fc.double({ min: 0, max: 1, noNaN: true }),
  maxModelLen: fc.integer({ min: 16, max: 32768 }),
});

type RandomSpec = typeof randomSpec extends fc.Arbitrary<infer T> ? T : never;

function specOf(r: RandomSpec) {
  return {
    gpu: { memGib: r.memGib, bandwidthGBps: r.bandwidthGBps },
    vllm: {
      model: { name: 'm', weightsGib: r.weightsGib, numLayers: 32, numKvHeads: 8, headDim: 128 },
      gpuMemoryUtilization: r.utilisation,
      maxModelLen: r.maxModelLen,
    },
    whisper: { size: r.size },
    otherProcessesGib: r.otherProcessesGib,
    cudaContextGib: r.cudaContextGib,
  } satisfies ColocationInputSpec;
}

describe('evaluateColocation', () => {
  it('reports OOM exactly when contexts + vLLM reservation + Whisper + others exceed the device', () => {
    fc.assert(
      fc.property(randomSpec, (r) => {
        const m = evaluateColocation(specOf(r));
        const sum =
          2 * r.cudaContextGib +
          r.utilisation * r.memGib +
          WHISPER_MODELS[r.size].memGib +
          r.otherProcessesGib;
        expect(m.oom).toBe(sum > r.memGib);
        expect(m.failure === 'oom').toBe(m.oom);
        expect(m.memory.usedGib).toBeCloseTo(sum, 9);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a failed configuration serve, and a serving one holds at least one sequence', () => {
    fc.assert(
      fc.property(randomSpec, (r) => {
        const m = evaluateColocation(specOf(r));
        if (m.failed) {
          expect([m.capacity, m.stability, m.runningSequences]).toEqual([0, 0, 0]);
          expect(m.llmLatencyMs).toBeNull();
        } else {
          expect(m.capacity).toBeGreaterThanOrEqual(1);
          expect(m.kvCacheGib).toBeGreaterThan(0);
          expect(m.stability).toBeGreaterThanOrEqual(0);
          expect(m.stability).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives more KV blocks and sequences, never fewer, as gpuMemoryUtilization grows', () => {
    fc.assert(
      fc.property(randomSpec, utilisation, (r, other) => {
        const [low, high] = [Math.min(r.utilisation, other), Math.max(r.utilisation, other)];
        const a = evaluateColocation(withUtil(specOf(r), low));
        const b = evaluateColocation(withUtil(specOf(r), high));
        expect(a.kvCacheGib).toBeLessThanOrEqual(b.kvCacheGib);
        expect(a.kvBlocks).toBeLessThanOrEqual(b.kvBlocks);
        expect(a.maxConcurrentSequences).toBeLessThanOrEqual(b.maxConcurrentSequences);
      }),
      { numRuns: 300 },
    );
    const blocks = [0.5, 0.55, 0.6].map((u) => evaluateColocation(withUtil(base, u)).kvBlocks);
    expect(blocks).toEqual([413, 981, 1549]);
  });

  it('fails with capacity 0 when not one max_model_len sequence fits, or no KV cache is left', () => {
    const tooLong = evaluateColocation({
      ...withUtil(base, 0.4),
      vllm: { model: 'Qwen2.5-7B-AWQ', gpuMemoryUtilization: 0.4, maxModelLen: 32768 },
      load: {},
    });
    expect(tooLong.kvCacheGib).toBeGreaterThan(0);
    expect(tooLong).toMatchObject({
      failed: true,
      failure: 'max-model-len-does-not-fit',
      oom: false,
      maxConcurrentSequences: 0,
      capacity: 0,
      stability: 0,
      llmLatencyMs: null,
    });
    const bf16 = evaluateColocation({
      ...base,
      vllm: { model: 'Llama-3.1-8B', gpuMemoryUtilization: 0.6, maxModelLen: 4096 },
    });
    expect(bf16).toMatchObject({ failed: true, failure: 'no-kv-cache', capacity: 0, kvBlocks: 0 });
    expect(bf16.kvCacheGib).toBeLessThan(0);
  });

  it('charges no CUDA graphs with enforceEager, which leaves more KV cache', () => {
    const eager = evaluateColocation({ ...base, vllm: { ...base.vllm, enforceEager: true } });
    const graphs = evaluateColocation(base);
    expect(eager.memory.cudaGraphGib).toBe(0);
    expect(eager.kvCacheGib - graphs.kvCacheGib).toBeCloseTo(0.5, 9);
  });

  it('makes LLM and Whisper latency rise with concurrency', () => {
    const latency = (llm: number, whisper: number): ColocationMetrics =>
      evaluateColocation({
        ...base,
        load: {
          llmConcurrentRequests: llm,
          llmContextTokens: 2048,
          whisperConcurrentRequests: whisper,
        },
      });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 }), (x, y) => {
        const [few, many] = [Math.min(x, y), Math.max(x, y)];
        const a = latency(few, few);
        const b = latency(many, many);
        expect(a.llmLatencyMs!).toBeLessThanOrEqual(b.llmLatencyMs!);
        expect(a.whisperLatencyMs!).toBeLessThanOrEqual(b.whisperLatencyMs!);
      }),
      { numRuns: 200 },
    );
    // Up to the 7 sequences the KV cache admits the step grows; beyond, requests queue.
    const steps = [1, 4, 7, 8, 14].map((c) => latency(c, 1).llmLatencyMs!);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
    expect(latency(14, 1).runningSequences).toBe(7);
  });

  it('loses stability linearly once free memory falls below the safety margin', () => {
    const shared = (otherProcessesGib: number) =>
      evaluateColocation({ ...withUtil(base, 0.6), otherProcessesGib });
    expect(shared(0).stability).toBe(1);
    const tight = shared(6);
    expect(tight.memory.headroomGib).toBeCloseTo(0.876, 3);
    expect(tight.stability).toBeCloseTo(0.876, 3);
    expect(shared(7)).toMatchObject({ oom: true, stability: 0, whisperLatencyMs: null });
  });

  it('on the seed’s space with a third tenant, has start-up failures, an OOM and a real trade-off', () => {
    const grid = [0.4, 0.45, 0.5, 0.55, 0.6].flatMap((u) =>
      (['tiny', 'base', 'small'] as const).map((size) =>
        evaluateColocation({ ...withUtil(base, u), whisper: { size }, otherProcessesGib: 6 }),
      ),
    );
    const failures = grid.map((m) => m.failure);
    expect(failures.filter((f) => f === 'no-kv-cache')).toHaveLength(6);
    expect(failures.filter((f) => f === 'oom')).toHaveLength(1);
    const feasible = grid.filter((m) => !m.failed);
    expect(new Set(feasible.map((m) => m.capacity))).toEqual(new Set([1, 3, 6]));
    expect(Math.min(...feasible.map((m) => m.stability))).toBeLessThan(1);
  });
});

describe('the worked example in docs/colocate-model.md', () => {
  const doc = readFileSync(new URL('../../../docs/colocate-model.md', import.meta.url), 'utf8');
  const block = /```json colocate-worked-example\n([\s\S]*?)```/.exec(doc);
  const example = JSON.parse(block![1]!) as {
    input: ColocationInputSpec;
    expected: Record<string, unknown>;
  };

  it('matches the model to the digits the doc prints', () => {
    const metrics = evaluateColocation(example.input) as unknown as Record<string, unknown>;
    const checkAll = (expected: Record<string, unknown>, actual: Record<string, unknown>) => {
      for (const [key, want] of Object.entries(expected)) {
        const got = actual[key];
        if (typeof want === 'number' && !Number.isInteger(want)) {
          expect(got, key).toBeCloseTo(want, 3);
        } else if (want !== null && typeof want === 'object') {
          checkAll(want as Record<string, unknown>, got as Record<string, unknown>);
        } else {
          expect(got, key).toEqual(want);
        }
      }
    };
    checkAll(example.expected, metrics);
    expect(Object.keys(example.expected).length).toBeGreaterThan(10);
  });
});
