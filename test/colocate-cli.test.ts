import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evoplace } from './cli.js';

const EXAMPLE = 'examples/colocate/a10g-whisper.json';
const dir = mkdtempSync(join(tmpdir(), 'evoplace-colocate-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

interface SolveOutput {
  solver: string;
  problems: {
    id: string;
    solution: { gpuMemoryUtilization: number; whisperSize: string } | null;
    valid: boolean;
    errors: string[];
    metrics: Record<string, number | boolean | null> | null;
    explanation: string | null;
    evaluations: number;
    ms: number;
  }[];
}

describe('evoplace colocate (CLI)', () => {
  it('solve --json: a valid configuration per problem, or why there is none', () => {
    const run = evoplace(['colocate', 'solve', EXAMPLE, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SolveOutput;
    expect(out.solver).toBe('headroom');
    expect(out.problems.map((p) => p.id)).toEqual([
      'a10g-llama-fp8',
      'l4-qwen-awq-shared',
      't4-llama-bf16',
    ]);
    const [a10g, l4, t4] = out.problems;
    expect(a10g!.solution).toEqual({ gpuMemoryUtilization: 0.74, whisperSize: 'base' });
    expect(a10g!.valid).toBe(true);
    expect(a10g!.metrics!.capacity).toBe(6);
    expect(a10g!.metrics!.freeGib as number).toBeGreaterThanOrEqual(1);
    expect(l4!.valid).toBe(true);
    expect(t4!.solution).toBeNull();
    expect(t4!.explanation).toMatch(/vLLM refuses to start/);
    const exhaustive = JSON.parse(
      evoplace(['colocate', 'solve', EXAMPLE, '--solver', 'exhaustive', '--json']).stdout,
    ) as SolveOutput;
    expect(exhaustive.problems.map((p) => p.solution)).toEqual(out.problems.map((p) => p.solution));
  });

  it('solve prints a table and the reasons on stderr, nothing on stdout', () => {
    const run = evoplace(['colocate', 'solve', EXAMPLE, '--solver', 'vllm-default']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/problem\s+utilization\s+whisper\s+capacity\s+free GiB\s+valid/);
    expect(run.stderr).toContain(
      "a10g-llama-fp8: out of memory: the processes claim 24.97 GiB of the device's 22.19 GiB",
    );
  });

  it('check: exit 0 when the configuration is valid everywhere, 3 with every reason when not', () => {
    const one = file(
      'one.json',
      JSON.stringify({
        gpu: 'A10G',
        vllm: { model: 'Llama-3.1-8B-FP8', maxModelLen: 8192 },
        whisper: { sizes: ['base'] },
      }),
    );
    expect(
      evoplace(['colocate', 'check', one, '--utilization', '0.7', '--whisper', 'base']).code,
    ).toBe(0);
    const bad = evoplace([
      'colocate',
      'check',
      EXAMPLE,
      '--utilization',
      '0.9',
      '--whisper',
      'base',
      '--json',
    ]);
    expect(bad.code).toBe(3);
    const out = JSON.parse(bad.stdout) as { problems: { id: string; errors: string[] }[] };
    expect(out.problems[0]!.errors[0]).toMatch(/^out of memory/);
    expect(out.problems[2]!.errors).toContain('Whisper base is not among the sizes offered (tiny)');
  });

  it('generate writes problems that solve reads back; bench prints its figures as JSON', () => {
    const generated = evoplace(['colocate', 'generate', '--count', '4', '--seed', '9']);
    expect(generated.code).toBe(0);
    const path = file('generated.json', generated.stdout);
    const solved = JSON.parse(
      evoplace(['colocate', 'solve', path, '--json']).stdout,
    ) as SolveOutput;
    expect(solved.problems).toHaveLength(4);
    const bench = evoplace(['colocate', 'bench', '--count', '30', '--json']);
    expect(bench.code).toBe(0);
    const report = JSON.parse(bench.stdout) as {
      problems: number;
      solvers: { solver: string; valid: number; sameAsExhaustive: number }[];
    };
    expect(report.problems).toBe(30);
    const headroom = report.solvers.find((s) => s.solver === 'headroom')!;
    const exhaustive = report.solvers.find((s) => s.solver === 'exhaustive')!;
    expect(headroom.sameAsExhaustive).toBe(30);
    expect(headroom.valid).toBe(exhaustive.valid);
  });

  it.each([
    [['colocate', 'solve', 'missing.json'], 'missing.json'],
    [['colocate', 'solve', 'BAD_JSON'], 'bad.json'],
    [['colocate', 'solve', 'BAD_FIELD'], 'problem "x" (#0): vllm.maxModelLen'],
    [['colocate', 'solve', EXAMPLE, '--solver', 'magic'], '--solver'],
    [['colocate', 'check', EXAMPLE, '--utilization', '2', '--whisper', 'base'], '--utilization'],
    // The flags' mistakes name the flag typed, not the field it sets.
    [
      ['colocate', 'check', EXAMPLE, '--utilization', '0.5', '--whisper', 'huge'],
      'error: --whisper: expected one of tiny, base, small, medium, large-v3, got "huge"\n',
    ],
    [
      ['colocate', 'check', EXAMPLE, '--utilization', '0.5', '--whisper', 'Base'],
      '--whisper: expected one of tiny, base, small, medium, large-v3, got "Base"; did you mean "base"?',
    ],
    [
      ['colocate', 'check', EXAMPLE, '--utilization', '0', '--whisper', 'base'],
      'error: --utilization: expected a number above 0 and at most 1, got 0\n',
    ],
    [
      ['colocate', 'check', EXAMPLE, '--utilization', 'most', '--whisper', 'base'],
      '--utilization: expected a number above 0 and at most 1, got "most"',
    ],
    [['colocate', 'solve', 'VLLM_KEY'], 'problem #0: vLLM: unknown field; did you mean "vllm"?'],
    [
      ['colocate', 'solve', 'GPU_CASE'],
      'problem #0: gpu: expected a GPU name (A10G, L4, L40S, A100-40GB, A100-80GB, H100-SXM, RTX-4090, T4) or {memGib, bandwidthGBps}, got "a10g"; did you mean "A10G"?',
    ],
    [['colocate', 'check', EXAMPLE], '--utilization U --whisper SIZE'],
    [['colocate', 'bench', '--count', '0'], '--count'],
    [['colocate', 'frobnicate'], 'unknown command'],
    [['colocate', 'solve', 'DEEP'], 'levels deep'],
    [
      ['colocate', 'solve', 'HUGE'],
      'otherProcessesGib: expected otherProcessesGib as a finite number',
    ],
    [['colocate', 'solve', 'TWINS'], 'duplicate problem id "a"'],
  ])('bad input %j: one clear line, exit 2, nothing on stdout', (args, fragment) => {
    const problem = {
      gpu: 'A10G',
      vllm: { model: 'Qwen2.5-7B', maxModelLen: 512 },
      whisper: { sizes: ['tiny'] },
    };
    const hostile: Record<string, string> = {
      DEEP: '['.repeat(100_000) + ']'.repeat(100_000),
      HUGE: JSON.stringify(problem).replace('{', '{"otherProcessesGib": 1e400, '),
      VLLM_KEY: JSON.stringify({ ...problem, vllm: undefined, vLLM: problem.vllm }),
      GPU_CASE: JSON.stringify({ ...problem, gpu: 'a10g' }),
      TWINS: JSON.stringify([
        { ...problem, id: 'a' },
        { ...problem, id: 'a' },
      ]),
    };
    const resolved = args.map((a) =>
      a in hostile
        ? file(`${a.toLowerCase()}.json`, hostile[a]!)
        : a === 'BAD_JSON'
          ? file('bad.json', '{"gpu": ')
          : a === 'BAD_FIELD'
            ? file(
                'bad-field.json',
                JSON.stringify({
                  id: 'x',
                  gpu: 'A10G',
                  vllm: { model: 'Qwen2.5-7B', maxModelLen: -5 },
                  whisper: { sizes: ['tiny'] },
                }),
              )
            : a,
    );
    const run = evoplace(resolved);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(fragment);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
