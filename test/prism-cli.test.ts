import { mkdtempSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evoplace } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'evoplace-prism-'));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const good = {
  id: 'g',
  gpus: { count: 2, memGb: 80 },
  models: [
    { name: 'a', sizeGb: 30, reqRate: 4, slo: 8 },
    { name: 'b', sizeGb: 20, reqRate: 6, slo: 5 },
    { name: 'c', sizeGb: 25, reqRate: 1, slo: 5 },
  ],
};

describe('evoplace prism (CLI)', () => {
  it('generate --family seed writes the 50 seed cases as JSON', () => {
    const run = evoplace(['prism', 'generate', '--family', 'seed']);
    expect(run.code).toBe(0);
    const cases = JSON.parse(run.stdout) as {
      id: string;
      gpus: { count: number };
      models: unknown[];
    }[];
    expect(cases).toHaveLength(50);
    expect(cases[0]!.gpus).toEqual({ count: 8, memGb: 80 });
    expect(cases[0]!.models[0]).toEqual({ name: 'model_0', sizeGb: 24, reqRate: 8, slo: 9 });
  });

  it('solve --json prints exactly the documented shape, and the seed metric', () => {
    const run = evoplace([
      'prism',
      'solve',
      'examples/prism/seed-cases.json',
      '--solver',
      'greedy',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown> & {
      instances: Record<string, unknown>[];
      summary: Record<string, number>;
    };
    expect(Object.keys(out)).toEqual(['solver', 'instances', 'summary']);
    expect(Object.keys(out.instances[0]!)).toEqual([
      'id',
      'assignment',
      'maxKvpr',
      'lowerBound',
      'proven',
      'valid',
      'ms',
    ]);
    expect(Object.keys(out.summary)).toEqual(['instances', 'valid', 'meanMaxKvpr', 'seedScore']);
    expect(out.summary.valid).toBe(50);
    expect(Math.abs(out.summary.seedScore! - 21.89)).toBeLessThanOrEqual(0.005);
  });

  it('prints a table on stderr without --json, and keeps stdout empty', () => {
    const run = evoplace(['prism', 'solve', file('good.json', good)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/instance\s+maxKvpr\s+lowerBound\s+proven\s+valid\s+ms/);
    expect(run.stderr).toMatch(/search: 1\/1 valid/);
  });

  it('--solver milp proves a placement optimal with HiGHS, and refuses nothing else', () => {
    // Optimum by hand: a+c | b gives 0.7/25 and 1.2/60; every other split is worse.
    const run = evoplace(['prism', 'solve', file('milp.json', good), '--solver', 'milp', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      solver: string;
      instances: { maxKvpr: number; lowerBound: number; proven: boolean; valid: boolean }[];
    };
    expect(out.solver).toBe('milp');
    const [result] = out.instances;
    expect(result!.proven).toBe(true);
    expect(result!.valid).toBe(true);
    expect(result!.maxKvpr).toBeCloseTo(0.7 / 25, 12);
    expect(result!.lowerBound).toBeLessThanOrEqual(result!.maxKvpr);
  });

  it('reports an unsolvable instance as infeasible, not as a crash', () => {
    const tooBig = {
      ...good,
      id: 'too-big',
      models: [{ name: 'x', sizeGb: 90, reqRate: 1, slo: 1 }],
    };
    const overfull = { ...good, id: 'overfull', gpus: { count: 1, memGb: 60 } };
    const run = evoplace([
      'prism',
      'solve',
      file('infeasible.json', [tooBig, overfull, good]),
      '--json',
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      instances: { id: string; assignment: unknown; valid: boolean; proven: boolean }[];
    };
    expect(out.instances.map((i) => [i.id, i.assignment, i.valid, i.proven])).toEqual([
      ['too-big', null, false, true],
      ['overfull', null, false, true],
      ['g', expect.any(Array), true, expect.any(Boolean)],
    ]);
  });

  const bad: [string, string, RegExp][] = [
    [
      'malformed.json',
      '{"id": "x", "gpus": {"count": 2,, }',
      /malformed\.json: invalid JSON at line 1, column 33: expected a property name in double quotes, found ","/,
    ],
    [
      'missing.json',
      JSON.stringify({ id: 'x', gpus: { count: 2, memGb: 80 } }),
      /missing\.json: instance "x" \(#0\): models: expected models as a list/,
    ],
    [
      'nan.json',
      '{"gpus": {"count": 2, "memGb": NaN}, "models": []}',
      /nan\.json: invalid JSON at line 1, column 32/,
    ],
    [
      'negative.json',
      JSON.stringify({ ...good, models: [{ ...good.models[0], sizeGb: -3 }] }),
      /models\[0\]\.sizeGb: sizeGb must be > 0/,
    ],
    [
      'slo.json',
      JSON.stringify({ ...good, models: [{ ...good.models[0], slo: 0 }] }),
      /models\[0\]\.slo: slo must be >= 0\.000001/,
    ],
    [
      'zero-gpus.json',
      JSON.stringify({ ...good, gpus: { count: 0, memGb: 80 } }),
      /gpus\.count: expected a whole number of GPUs from 1 to 100000, got 0/,
    ],
    [
      'dupes.json',
      JSON.stringify({ ...good, models: [good.models[0], good.models[0]] }),
      /duplicate model name "a"/,
    ],
    [
      'current.json',
      JSON.stringify({ ...good, current: [0, 1] }),
      /current has 2 entries but there are 3 models/,
    ],
    [
      'index.json',
      JSON.stringify({ ...good, current: [0, 1, 5] }),
      /current\[2\]: GPU index 5 does not exist/,
    ],
    [
      'huge-number.json',
      JSON.stringify({ ...good, gpus: { count: 2, memGb: 1e308 } }),
      /gpus\.memGb: 1e\+308 GB is more than any GPU holds \(at most 2048 GB\)/,
    ],
    [
      'gpu-group.json',
      JSON.stringify({ ...good, gpus: [{ memGb: 80 }, { count: 2.5, memGb: 80 }] }),
      /instance "g" \(#0\): gpus\[1\]\.count: expected a whole number of GPUs from 1 to 100000, got 2\.5/,
    ],
    [
      'gpu-mem.json',
      JSON.stringify({ ...good, gpus: [{ memGb: '80' }] }),
      /gpus\[0\]\.memGb: expected memory in GB, above 0, got "80"/,
    ],
    [
      'gpu-near-miss.json',
      JSON.stringify({ ...good, gpus: [{ memGb: 80 }, { memgb: 40 }] }),
      /gpus\[1\]\.memgb: unknown field "memgb"; did you mean "memGb"\?/,
    ],
    [
      'both-names.json',
      JSON.stringify({
        ...good,
        models: [...good.models, { ...good.models[0], name: 'd', req_rate: 2 }],
      }),
      /models\[3\]: "req_rate" and "reqRate" are the same field; give it once/,
    ],
    [
      'empty-id.json',
      JSON.stringify({ ...good, id: '' }),
      /instance "" \(#0\): id: must not be empty/,
    ],
    [
      'max-moves.json',
      JSON.stringify({ ...good, current: [0, 1, 1], max_moves: 1.5 }),
      /maxMoves: expected maxMoves as a whole number ≥ 0 \(how many models may change GPU\), got 1\.5/,
    ],
    ['deep.json', '['.repeat(5000) + ']'.repeat(5000), /nests 5000 levels deep/],
  ];

  it.each(bad)(
    'bad input %s: one clear line, exit 2, nothing on stdout',
    (name, content, message) => {
      const run = evoplace(['prism', 'solve', file(name, content), '--json']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('refuses a 100 MB file without reading it', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, 100 * 1024 * 1024);
    const run = evoplace(['prism', 'solve', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/huge\.json: file is 100\.0 MiB, above the 32\.0 MiB limit/);
  });

  it('bad flags and missing files are user errors', () => {
    for (const args of [
      ['prism', 'solve', 'no-such-file.json'],
      ['prism', 'solve', 'examples/prism/seed-cases.json', '--solver', 'magic'],
      ['prism', 'solve', 'examples/prism/seed-cases.json', '--seed', '-1'],
      ['prism', 'solve', 'examples/prism/seed-cases.json', '--time-limit-ms', 'soon'],
      ['prism', 'solve', 'examples/prism/seed-cases.json', '--bogus'],
      ['prism', 'generate', '--family', 'nope'],
      ['prism', 'frobnicate'],
    ]) {
      const run = evoplace(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses a move limit with a solver that cannot honour it', () => {
    const run = evoplace([
      'prism',
      'solve',
      file('moves.json', { ...good, current: [0, 1, 1], maxMoves: 1 }),
      '--solver',
      'greedy',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/instance "g" has maxMoves, which --solver greedy does not honour/);
  });

  it('writes no stray files next to its input', () => {
    const before = readdirSync(dir).sort();
    evoplace(['prism', 'solve', join(dir, 'good.json'), '--json']);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
