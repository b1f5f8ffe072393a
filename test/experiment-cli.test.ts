import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evoplace } from './cli.js';

const workDir = (): string => mkdtempSync(join(tmpdir(), 'evoplace-experiment-'));

describe('evoplace experiment (CLI)', () => {
  it('lists the built-in experiments and prints the spec schema', () => {
    const list = evoplace(['experiment', 'list']);
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(/gpu-colocation/);
    expect(list.stderr).toMatch(/tune-prism/);
    const schema = evoplace(['experiment', 'schema']);
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'evoplace experiment spec' });
  });

  it('runs gpu-colocation, promotes the winner, applies it and rolls it back byte for byte', () => {
    const dir = workDir();
    const env = join(dir, 'promoted.env');
    const before = '# serving settings\r\nVLLM_GPU_MEMORY_UTILIZATION=0.9\r\nOTHER=1';
    writeFileSync(env, before);
    const run = evoplace(
      ['experiment', 'run', 'gpu-colocation', '--db', join(dir, 'exp.db'), '--json'],
      undefined,
      dir,
    );
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout) as {
      winner: { params: Record<string, unknown>; fitness: number };
      promotionFile: string;
      candidates: number;
    };
    expect(outcome.candidates).toBeLessThanOrEqual(40);
    expect(outcome.winner.fitness).toBeGreaterThan(0);
    const state = join(dir, 'state');
    const apply = evoplace(
      ['experiment', 'apply', outcome.promotionFile, '--state-dir', state, '--json'],
      undefined,
      dir,
    );
    expect(apply.code).toBe(0);
    const applied = readFileSync(env, 'utf8');
    expect(applied).toContain(
      `VLLM_GPU_MEMORY_UTILIZATION=${String(outcome.winner.params.gpu_memory_utilization)}`,
    );
    expect(applied).toContain(`WHISPER_MODEL=${String(outcome.winner.params.whisper_size)}`);
    expect(applied).toContain('OTHER=1');
    const again = evoplace(
      ['experiment', 'apply', outcome.promotionFile, '--state-dir', state],
      undefined,
      dir,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already applied/);
    const status = evoplace(
      ['experiment', 'status', '--db', join(dir, 'exp.db'), '--state-dir', state, '--json'],
      undefined,
      dir,
    );
    expect(JSON.parse(status.stdout)).toMatchObject({
      experiment: 'gpu-colocation',
      candidates: outcome.candidates,
    });
    const exported = evoplace(
      ['experiment', 'export', '--db', join(dir, 'exp.db')],
      undefined,
      dir,
    );
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { params: unknown; fitness: number });
    expect(rows).toHaveLength(outcome.candidates);
    expect(Math.max(...rows.map((r) => r.fitness))).toBe(outcome.winner.fitness);
    const id = (JSON.parse(apply.stdout) as { id: string }).id;
    expect(
      evoplace(['experiment', 'rollback', id, '--state-dir', state], undefined, dir).code,
    ).toBe(0);
    expect(readFileSync(env, 'utf8')).toBe(before);
  }, 60_000);

  it('refuses a tampered promotion', () => {
    const dir = workDir();
    const run = evoplace(
      ['experiment', 'run', 'gpu-colocation', '--db', join(dir, 'exp.db'), '--json'],
      undefined,
      dir,
    );
    const file = (JSON.parse(run.stdout) as { promotionFile: string }).promotionFile;
    const promotion = JSON.parse(readFileSync(file, 'utf8')) as { params: Record<string, unknown> };
    promotion.params.gpu_memory_utilization =
      promotion.params.gpu_memory_utilization === 0.6 ? 0.55 : 0.6;
    writeFileSync(file, JSON.stringify(promotion));
    const apply = evoplace(
      ['experiment', 'apply', file, '--state-dir', join(dir, 'state')],
      undefined,
      dir,
    );
    expect(apply.code).toBe(2);
    expect(apply.stderr).toMatch(/signature/);
    expect(existsSync(join(dir, 'promoted.env'))).toBe(false);
  }, 60_000);

  it('names the file, line and key of a spec mistake, exit 2', () => {
    const dir = workDir();
    const spec = join(dir, 'spec.yaml');
    writeFileSync(
      spec,
      [
        'name: my-exp',
        'search_space:',
        '  x: { type: int, min: 0, max: 3 }',
        'evaluator: { kind: command, command: "echo {x}" }',
        'budget:',
        '  max_candidates: 0',
        'metrics:',
        '  y: { direction: up, weight: 1, range: [0, 1] }',
      ].join('\n'),
    );
    const result = evoplace(
      ['experiment', 'run', spec, '--db', join(dir, 'exp.db')],
      undefined,
      dir,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/spec\.yaml:6: budget\.max_candidates: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'exp.db'))).toBe(false);
  });

  it('runs a command evaluator from a user spec', () => {
    const dir = workDir();
    const spec = join(dir, 'spec.yaml');
    writeFileSync(
      join(dir, 'score.py'),
      'import json, sys\nx = int(sys.argv[1])\nprint(json.dumps({"y": -(x - 6) ** 2}))\n',
    );
    writeFileSync(
      spec,
      [
        'name: squares',
        'seed: 3',
        'search_space:',
        '  x: { type: int, min: 0, max: 9 }',
        'evaluator:',
        '  kind: command',
        '  command: python3 score.py {x}',
        'budget: { max_candidates: 10, max_generations: 5, population: 4 }',
        'metrics:',
        '  y: { direction: up, weight: 1, range: [-36, 0] }',
      ].join('\n'),
    );
    const result = evoplace(
      ['experiment', 'run', spec, '--db', join(dir, 'exp.db'), '--json'],
      undefined,
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ winner: { params: { x: 6 }, fitness: 1 } });
  }, 60_000);
});
