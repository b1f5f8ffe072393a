import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateColocateProblems } from '../generate.js';
import { colocateProblemSchema, type ColocateProblem } from '../model.js';
import { validateColocation } from '../validate.js';
import { WHISPER_MODELS, WHISPER_SIZES } from '../whisper.js';
import { gridSize, gridValue } from './grid.js';
import { COLOCATE_SOLVER_NAMES, solveColocation } from './index.js';

const problemFrom = (data: unknown): ColocateProblem => ({
  ...colocateProblemSchema.parse(data),
  id: 'p',
});

/** An A10G shared with a 2 GiB tenant (the README's example). */
const a10g = problemFrom({
  gpu: 'A10G',
  vllm: { model: 'Llama-3.1-8B-FP8', maxModelLen: 8192 },
  whisper: { sizes: ['tiny', 'base', 'small', 'medium'] },
  otherProcessesGib: 2,
  requirements: { minCapacity: 4, maxWhisperWerPercent: 4.2 },
});

/** Problems beyond the catalogue's devices: any memory, margin, grid, tenant and requirement. */
const customProblemArb = fc
  .record({
    memGib: fc.double({ min: 8, max: 200, noNaN: true }),
    model: fc.constantFrom('Llama-3.1-8B', 'Llama-3.1-8B-FP8', 'Qwen2.5-7B', 'Qwen2.5-7B-AWQ'),
    maxModelLen: fc.constantFrom(512, 2048, 8192, 32768),
    maxNumSeqs: fc.integer({ min: 1, max: 512 }),
    sizes: fc.subarray([...WHISPER_SIZES], { minLength: 1 }),
    tenantFraction: fc.double({ min: 0, max: 0.6, noNaN: true }),
    safetyMarginGib: fc.double({ min: 0, max: 4, noNaN: true }),
    utilizationStep: fc.constantFrom(0.001, 0.003, 0.01, 0.025, 0.05, 0.1, 0.5),
    minCapacity: fc.integer({ min: 1, max: 64 }),
    maxWer: fc.option(fc.constantFrom(2.7, 3.1, 4.2, 5.6), { nil: undefined }),
  })
  .map((r) =>
    problemFrom({
      gpu: { memGib: r.memGib, bandwidthGBps: 1000 },
      vllm: { model: r.model, maxModelLen: r.maxModelLen, maxNumSeqs: r.maxNumSeqs },
      whisper: { sizes: r.sizes },
      otherProcessesGib: r.tenantFraction * r.memGib,
      safetyMarginGib: r.safetyMarginGib,
      utilizationStep: r.utilizationStep,
      requirements: {
        minCapacity: r.minCapacity,
        ...(r.maxWer === undefined ? {} : { maxWhisperWerPercent: r.maxWer }),
      },
    }),
  );

describe('colocate solvers', () => {
  it('headroom (the closed form) chooses exactly what the exhaustive search chooses', () => {
    for (const problem of generateColocateProblems(120, 7)) {
      expect(solveColocation('headroom', problem).solution).toEqual(
        solveColocation('exhaustive', problem).solution,
      );
    }
    fc.assert(
      fc.property(customProblemArb, (problem) => {
        const headroom = solveColocation('headroom', problem);
        const exhaustive = solveColocation('exhaustive', problem);
        expect(headroom.solution).toEqual(exhaustive.solution);
        // A few evaluations per size (the largest share, a bisection), not the whole grid.
        const grid = Math.floor(1 / problem.utilizationStep + 1e-9);
        expect(headroom.evaluations).toBeLessThanOrEqual(
          problem.whisper.sizes.length * (Math.ceil(Math.log2(grid)) + 4),
        );
      }),
      { numRuns: 150, seed: 21 },
    );
  });

  it('every answer passes the strict validator; "none" only when no grid point is valid', () => {
    fc.assert(
      fc.property(customProblemArb, (problem) => {
        for (const name of ['headroom', 'exhaustive'] as const) {
          const result = solveColocation(name, problem);
          if (result.solution) {
            expect(validateColocation(problem, result.solution).valid).toBe(true);
            expect(result.explanation).toBeNull();
          } else {
            expect(result.explanation).toMatch(/^with Whisper /);
          }
        }
      }),
      { numRuns: 100, seed: 22 },
    );
  });

  it('reaches a share that leaves exactly the margin free, on any grid (decimal figures, a step of 1/6)', () => {
    // A tenant sized so that the memory left at grid share k is exactly the margin: that share
    // is valid, and both solvers choose it (capacity grows with the share).
    const exactFill = fc
      .record({
        memCentiGib: fc.integer({ min: 400, max: 20_000 }),
        contextCentiGib: fc.integer({ min: 0, max: 100 }),
        marginCentiGib: fc.constantFrom(0, 30, 50, 100, 250),
        size: fc.constantFrom(...WHISPER_SIZES),
        utilizationStep: fc.oneof(
          fc.constantFrom(0.01, 0.05, 1 / 3, 1 / 6, 1 / 7),
          fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        ),
        k: fc.integer({ min: 1, max: 1000 }),
      })
      .map((r) => {
        const memGib = r.memCentiGib / 100;
        const base = problemFrom({
          gpu: { memGib, bandwidthGBps: 1000 },
          vllm: { model: 'Qwen2.5-7B-AWQ', maxModelLen: 16, maxNumSeqs: 1e8 },
          whisper: { sizes: [r.size] },
          cudaContextGib: r.contextCentiGib / 100,
          safetyMarginGib: r.marginCentiGib / 100,
          utilizationStep: r.utilizationStep,
        });
        const share = gridValue(base, 1 + (r.k % gridSize(base)));
        const otherProcessesGib =
          memGib -
          2 * base.cudaContextGib -
          share * memGib -
          WHISPER_MODELS[r.size].memGib -
          base.safetyMarginGib;
        return { problem: { ...base, otherProcessesGib }, share };
      })
      .filter(({ problem }) => problem.otherProcessesGib >= 0);
    fc.assert(
      fc.property(exactFill, ({ problem, share }) => {
        const whisperSize = problem.whisper.sizes[0]!;
        const report = validateColocation(problem, { gpuMemoryUtilization: share, whisperSize });
        expect(report.errors.filter((e) => /out of memory|stays free/.test(e))).toEqual([]);
        const headroom = solveColocation('headroom', problem).solution;
        expect(headroom).toEqual(solveColocation('exhaustive', problem).solution);
        if (report.valid) expect(headroom).toEqual({ gpuMemoryUtilization: share, whisperSize });
      }),
      { numRuns: 300, seed: 23 },
    );
    // Grid shares are written to 9 decimals: 5 × 1/6 is 0.833333333, which leaves exactly the
    // margin, 24 − 1 (contexts) − 0.833333333 × 24 − 1 (tiny) − 1.000000008 = 1 GiB, free.
    const sixths = problemFrom({
      gpu: { memGib: 24, bandwidthGBps: 1000 },
      vllm: { model: 'Qwen2.5-7B-AWQ', maxModelLen: 1024 },
      whisper: { sizes: ['tiny'] },
      utilizationStep: 1 / 6,
      otherProcessesGib: 1.000000008,
    });
    for (const name of ['headroom', 'exhaustive'] as const) {
      expect(solveColocation(name, sixths).solution).toEqual({
        gpuMemoryUtilization: 0.833333333,
        whisperSize: 'tiny',
      });
    }
  });

  it('on the example: the smallest share with the capacity of the largest that keeps 1 GiB free', () => {
    const { solution, report } = solveColocation('headroom', a10g);
    expect(solution).toEqual({ gpuMemoryUtilization: 0.74, whisperSize: 'base' });
    const at = (u: number) =>
      validateColocation(a10g, { gpuMemoryUtilization: u, whisperSize: 'base' }).metrics;
    // Free memory by hand: 22.19 − 1 (contexts) − 1 (base) − 2 (tenant) − u × 22.19.
    expect(at(0.77).memory.headroomGib).toBeCloseTo(22.19 - 4 - 0.77 * 22.19, 9);
    expect(at(0.77).memory.headroomGib).toBeGreaterThanOrEqual(1);
    expect(at(0.78).memory.headroomGib).toBeLessThan(1);
    expect(at(0.74).capacity).toBe(at(0.77).capacity);
    expect(at(0.73).capacity).toBeLessThan(at(0.74).capacity);
    expect(report!.metrics.capacity).toBe(6);
    // small (more accurate) fits less KV cache: capacity first.
    const small = solveColocation('headroom', { ...a10g, whisper: { sizes: ['small'] } });
    expect(small.report!.metrics.capacity).toBeLessThan(6);
  });

  it('vllm-default (0.9 and the most accurate Whisper) runs the example out of memory', () => {
    const { solution, report } = solveColocation('vllm-default', a10g);
    expect(solution).toEqual({ gpuMemoryUtilization: 0.9, whisperSize: 'small' });
    expect(report!.metrics.oom).toBe(true);
    expect(report!.valid).toBe(false);
  });

  it('explains an infeasible problem by the configuration closest to valid', () => {
    const t4 = problemFrom({
      gpu: 'T4',
      vllm: { model: 'Llama-3.1-8B', maxModelLen: 4096 },
      whisper: { sizes: ['tiny'] },
    });
    for (const name of COLOCATE_SOLVER_NAMES.filter((n) => n !== 'vllm-default')) {
      const result = solveColocation(name, t4);
      expect(result.solution).toBeNull();
      expect(result.explanation).toBe(
        'with Whisper tiny and the largest share that keeps the margin (0.79): vLLM refuses to start: its share (11.65 GiB) leaves no memory for the KV cache',
      );
    }
  });

  it('the generator is reproducible from its seed', () => {
    expect(generateColocateProblems(5, 3)).toEqual(generateColocateProblems(5, 3));
    expect(generateColocateProblems(5, 3)).not.toEqual(generateColocateProblems(5, 4));
  });
});
