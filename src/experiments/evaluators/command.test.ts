import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  commandEvaluator,
  commandEvaluatorSchema,
  fillShellTemplate,
  readCommandReport,
} from './command.js';

const specDir = mkdtempSync(join(tmpdir(), 'evoplace-command-test-'));
writeFileSync(
  join(specDir, 'bench.sh'),
  'echo "{\\"latencyMs\\": $(( $1 * 10 )), \\"size\\": \\"$2\\"}"\n',
);
afterAll(() => rmSync(specDir, { recursive: true, force: true }));

const evaluatorFor = (command: string, extra: Record<string, unknown> = {}) =>
  commandEvaluator(commandEvaluatorSchema.parse({ kind: 'command', command, ...extra }), specDir);

describe('fillShellTemplate', () => {
  it('puts each value in as one shell word and leaves ${VAR} to the shell', () => {
    expect(
      fillShellTemplate('run --mem {mem} --name {name} --home ${HOME} {flag}', {
        mem: 0.45,
        name: "it's big",
        flag: true,
      }),
    ).toBe(`run --mem 0.45 --name 'it'\\''s big' --home \${HOME} true`);
  });

  it('names a placeholder that is not a parameter', () => {
    expect(() => fillShellTemplate('run {mem} {size}', { mem: 1 })).toThrow(
      /\{size\}.*search space.*parameters: mem/,
    );
  });
});

describe('readCommandReport', () => {
  it('takes the last line that is a JSON object, nested or flat', () => {
    expect(
      readCommandReport('warming up\n{"metrics": {"p50": 12, "label": "x"}, "oom": false}\n'),
    ).toEqual({
      metrics: { p50: 12 },
      oom: false,
    });
    expect(readCommandReport('{"a": 1}\n{"p50": 3.5, "ok": true, "oom": true}\n\ndone\n')).toEqual({
      metrics: { p50: 3.5 },
      oom: true,
    });
  });

  it('is null when no line is a JSON object', () => {
    expect(readCommandReport('')).toBeNull();
    expect(readCommandReport('[1, 2]\n{broken\n42\n')).toBeNull();
  });
});

describe('commandEvaluator', () => {
  const context = { timeoutMs: 10_000 };

  it('runs the filled command in the spec folder and reads its metrics', async () => {
    const evaluator = evaluatorFor('sh bench.sh {concurrency} {size}');
    const measurement = await evaluator.evaluate({ concurrency: 7, size: 'small' }, context);
    expect(measurement).toMatchObject({ metrics: { latencyMs: 70 }, oom: false, error: null });
    expect(measurement.log).toContain('sh bench.sh 7 small');
  });

  it('passes the settings environment, and no API key of ours', async () => {
    process.env.EVOPLACE_TEST_API_KEY = 'secret';
    try {
      const evaluator = evaluatorFor(
        'echo "{\\"level\\": $LEVEL, \\"leaked\\": ${#EVOPLACE_TEST_API_KEY}}"',
        { env: { LEVEL: '3' } },
      );
      const measurement = await evaluator.evaluate({}, context);
      expect(measurement.metrics).toEqual({ level: 3, leaked: 0 });
    } finally {
      delete process.env.EVOPLACE_TEST_API_KEY;
    }
  });

  it('flags OOM that the command reports, or that kills it', async () => {
    const reported = await evaluatorFor('echo \'{"metrics": {"p50": 1}, "oom": true}\'').evaluate(
      {},
      context,
    );
    expect(reported).toMatchObject({ oom: true, error: null, metrics: { p50: 1 } });
    const crashed = await evaluatorFor(
      'echo "torch.OutOfMemoryError: CUDA out of memory" >&2; exit 1',
    ).evaluate({}, context);
    expect(crashed.oom).toBe(true);
    expect(crashed.error).toMatch(/exited with code 1.*CUDA out of memory/);
  });

  it('survives a command that outlives its timeout, killing it', async () => {
    const measurement = await evaluatorFor('sleep 29.5031; echo "{\\"late\\": 1}"').evaluate(
      {},
      { timeoutMs: 500 },
    );
    expect(measurement.error).toMatch(/timed out/);
    expect(measurement.metrics).toEqual({});
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(processes).not.toContain('sleep 29.5031');
  });

  it('stops a command when the run is interrupted, killing it at once', async () => {
    const controller = new AbortController();
    const running = evaluatorFor('sleep 28.7113; echo "{\\"late\\": 1}"').evaluate(
      {},
      { timeoutMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    const measurement = await running;
    // Killed, not run to its end (which would print metrics) nor timed out.
    expect(measurement.error).toMatch(/killed by SIGKILL/);
    expect(measurement.metrics).toEqual({});
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(processes).not.toContain('sleep 28.7113');
  });

  it('reports a crash with the end of stderr, and output without metrics', async () => {
    const crash = await evaluatorFor('echo boom >&2; exit 3').evaluate({}, context);
    expect(crash.error).toMatch(/exited with code 3; stderr ends: boom/);
    const silent = await evaluatorFor('echo hello').evaluate({}, context);
    expect(silent.error).toMatch(/no JSON object line/);
  });

  it('turns a placeholder naming no parameter into an error, not a throw', async () => {
    const measurement = await evaluatorFor('echo {missing}').evaluate({ present: 1 }, context);
    expect(measurement.error).toMatch(/\{missing\}/);
  });
});
