import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENT_TASK_PREFIX, RunStore } from '../src/evolve/database/store.js';
import { signatureOf } from '../src/experiments/promotion/signature.js';
import { evoplace, ROOT, startEvoplace } from './cli.js';

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
      .map((l) => JSON.parse(l) as { params: unknown; fitness: number; evalMs: number });
    expect(rows).toHaveLength(outcome.candidates);
    for (const row of rows) expect(row.evalMs).toBeGreaterThan(0);
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

/** The built-in gpu-colocation spec, with `from` replaced by `to`, as `<dir>/spec.yaml`. */
function editedSpec(dir: string, from: string, to: string): string {
  const text = readFileSync(join(ROOT, 'experiments', 'gpu-colocation.yaml'), 'utf8');
  expect(text).toContain(from);
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, text.replace(from, to));
  return spec;
}

describe('evoplace experiment run refuses what it can check before the run, leaving no file', () => {
  const refusals: [string, string, string, RegExp][] = [
    [
      'an invalid evaluator base',
      'gpu: A10G',
      'gpu: H999',
      /spec\.yaml:16: evaluator\.base\.gpu: expected a GPU name/,
    ],
    [
      'a search-space value the evaluator refuses',
      'values: [tiny, base, small]',
      'values: [tiny, huge]',
      /spec\.yaml:\d+: search_space\.whisper_size: the value "huge" is refused at whisper\.size.*expected one of tiny/,
    ],
    [
      'a mapping to a field the configuration does not have',
      'whisper_size: whisper.size',
      'whisper_size: whisper.bogus',
      /spec\.yaml:\d+: evaluator\.parameters\.whisper_size: "whisper\.bogus" is not a field of the colocate input, so "whisper_size" would change nothing/,
    ],
    [
      'an absolute promotion file',
      'file: promoted.env',
      'file: /tmp/elsewhere/pwn.env',
      /spec\.yaml:\d+: promotion\.file: "\/tmp\/elsewhere\/pwn\.env" is an absolute path; give a path relative to the spec's folder/,
    ],
    [
      'a promotion file out of the spec folder',
      'file: promoted.env',
      'file: conf/../../pwn.env',
      /spec\.yaml:\d+: promotion\.file: "conf\/\.\.\/\.\.\/pwn\.env" leads out of the folder/,
    ],
    [
      'a metric the evaluator does not report',
      'stability: { direction: up',
      'stabilty: { direction: up',
      /spec\.yaml:\d+: metrics\.stabilty: the colocate-model evaluator does not report "stabilty", so every candidate would fail; did you mean "stability"\? It reports capacity, kvCacheGib/,
    ],
    [
      'a "__proto__" parameter, which a record would drop',
      '  whisper_size:\n',
      '  __proto__: { type: choice, values: [1] }\n  whisper_size:\n',
      /spec\.yaml:\d+: search_space\.__proto__: the name "__proto__" is not allowed/,
    ],
    [
      'a baseline value that is not one of the choices',
      'seed: 0\n',
      'seed: 0\nbaseline:\n  whisper_size: base\n  gpu_memory_utilization: 0.57\n',
      /spec\.yaml:8: baseline\.gpu_memory_utilization: 0\.57 is not one of the values 0\.4, 0\.45, 0\.5, 0\.55, 0\.6$/m,
    ],
    [
      'a baseline outside the safety bounds, which would never be evaluated',
      'values: [tiny, base, small]',
      'values: [tiny, base, small]\n    safety: { allowed: [tiny, base] }\nbaseline: { gpu_memory_utilization: 0.5, whisper_size: small }',
      /spec\.yaml:\d+: baseline\.whisper_size: "small" is outside the safety bounds .*so the run would never evaluate it/,
    ],
    [
      'a baseline key that is no parameter',
      'seed: 0\n',
      'seed: 0\nbaseline: { gpu_memory_utilization: 0.5, whisper_size: base, whisper_sise: base }\n',
      /spec\.yaml:6: baseline\.whisper_sise: "whisper_sise" is not a parameter of search_space; did you mean "whisper_size"\?/,
    ],
    [
      'more elites than the population holds',
      'elitism: 2',
      'elitism: 50',
      /spec\.yaml:\d+: selector\.elitism: 50 elites do not fit in a population of \d+/,
    ],
    [
      'a promotion map name the env file cannot hold',
      'VLLM_GPU_MEMORY_UTILIZATION',
      'not a name',
      /spec\.yaml:\d+: promotion\.map\.gpu_memory_utilization: "not a name" is not a valid env name/,
    ],
  ];
  for (const [what, from, to, message] of refusals)
    it(what, () => {
      const dir = workDir();
      const spec = editedSpec(dir, from, to);
      const result = evoplace(
        ['experiment', 'run', spec, '--db', join(dir, 'x.db')],
        undefined,
        dir,
      );
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir)).toEqual(['spec.yaml']);
    });

  it('a promotion file that leads out of the spec folder through a symbolic link', () => {
    const dir = workDir();
    const outside = workDir();
    const spec = editedSpec(dir, 'file: promoted.env', 'file: conf/promoted.env');
    symlinkSync(outside, join(dir, 'conf'));
    const result = evoplace(['experiment', 'run', spec, '--db', join(dir, 'x.db')], undefined, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /spec\.yaml:\d+: promotion\.file: "conf\/promoted\.env" leads through a symbolic link to .*, outside the spec's folder/,
    );
    expect(readdirSync(dir).sort()).toEqual(['conf', 'spec.yaml']);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe("evoplace experiment apply writes only inside the promotion file's folder", () => {
  it('writes the promotion beside its settings file, and refuses one edited to write elsewhere', () => {
    const dir = workDir();
    mkdirSync(join(dir, 'runs'));
    const run = evoplace(
      ['experiment', 'run', 'gpu-colocation', '--db', join(dir, 'runs', 'exp.db'), '--json'],
      undefined,
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    const file = (JSON.parse(run.stdout) as { promotionFile: string }).promotionFile;
    expect(file.startsWith(join(dir, 'gpu-colocation-'))).toBe(true);
    const promotion = JSON.parse(readFileSync(file, 'utf8')) as {
      apply: { file: string };
      signature?: string;
    };
    expect(promotion.apply.file).toBe('promoted.env');
    const outside = workDir();
    mkdirSync(join(dir, 'linked'));
    symlinkSync(outside, join(dir, 'elsewhere'));
    writeFileSync(join(outside, 'pwn.env'), 'A=1\n');
    symlinkSync(join(outside, 'pwn.env'), join(dir, 'linked', 'pwn.env'));
    const hostile: [string, RegExp][] = [
      [join(outside, 'pwn.env'), /is an absolute path/],
      ['../pwn.env', /leads out of the folder/],
      ['linked/../../pwn.env', /leads out of the folder/],
      ['elsewhere/pwn.env', /leads through a symbolic link to .*pwn\.env, outside/],
      ['linked/pwn.env', /leads through a symbolic link to .*pwn\.env, outside/],
    ];
    for (const [target, message] of hostile) {
      // Re-signed, as anyone who edits the file can do: the signature is no defence here.
      const edited = { ...promotion, apply: { ...promotion.apply, file: target } };
      delete edited.signature;
      const evil = join(dir, 'evil.promotion.json');
      writeFileSync(
        evil,
        JSON.stringify({ ...edited, signature: signatureOf(edited as never) }, null, 2),
      );
      const apply = evoplace(
        ['experiment', 'apply', evil, '--state-dir', join(dir, 'state')],
        undefined,
        dir,
      );
      expect(apply.code, target).toBe(2);
      expect(apply.stderr).toMatch(/evil\.promotion\.json: apply\.file: /);
      expect(apply.stderr).toMatch(message);
      expect(apply.stderr).toMatch(/give a path relative to the promotion file's folder/);
    }
    expect(readdirSync(outside)).toEqual(['pwn.env']);
    expect(readFileSync(join(outside, 'pwn.env'), 'utf8')).toBe('A=1\n');
    expect(existsSync(join(dir, 'state'))).toBe(false);
    const apply = evoplace(
      ['experiment', 'apply', file, '--state-dir', join(dir, 'state')],
      undefined,
      join(dir, 'runs'),
    );
    expect(apply.code, apply.stderr).toBe(0);
    expect(readFileSync(join(dir, 'promoted.env'), 'utf8')).toMatch(
      /^VLLM_GPU_MEMORY_UTILIZATION=/,
    );
  }, 60_000);
});

describe('evoplace experiment status and export without a run database', () => {
  it('say to start one with experiment run', () => {
    const dir = workDir();
    for (const command of ['status', 'export']) {
      const result = evoplace(
        ['experiment', command, '--db', join(dir, 'nonexistent.db')],
        undefined,
        dir,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /nonexistent\.db: no such run database; .*evoplace experiment run/,
      );
      expect(result.stderr).not.toMatch(/evolve run/);
      expect(existsSync(join(dir, 'nonexistent.db'))).toBe(false);
    }
  });
});

describe('a run database keeps one kind of run', () => {
  /** A database holding one run whose task is `task`, made directly. */
  const databaseWith = (dir: string, name: string, task: string): string => {
    const path = join(dir, name);
    const store = RunStore.create(path);
    store.createRun(task, {}, 0);
    store.close();
    return path;
  };

  it('each group names the other when given its kind of database, exit 2', () => {
    const dir = workDir();
    const evolveDb = databaseWith(dir, 'evolve.db', 'prism');
    const experimentDb = databaseWith(dir, 'exp.db', `${EXPERIMENT_TASK_PREFIX}gpu-colocation`);
    for (const command of ['status', 'export']) {
      const result = evoplace(['experiment', command, '--db', evolveDb], undefined, dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /evolve\.db: holds evolve runs, not experiment runs; read it with "evoplace evolve status/,
      );
    }
    for (const command of ['status', 'best', 'export', 'resume', 'holdout']) {
      const result = evoplace(['evolve', command, '--db', experimentDb], undefined, dir);
      expect(result.code, command).toBe(2);
      expect(result.stderr).toMatch(
        /exp\.db: holds experiment runs, not evolve runs; read it with "evoplace experiment status/,
      );
    }
  });

  it('experiment run refuses a database of evolve runs and leaves its runs as they were', () => {
    const dir = workDir();
    const evolveDb = databaseWith(dir, 'evolve.db', 'prism');
    const result = evoplace(
      ['experiment', 'run', 'gpu-colocation', '--db', evolveDb],
      undefined,
      dir,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/evolve\.db: holds evolve runs; .*new file for experiment runs/);
    const store = RunStore.open(evolveDb);
    expect(store.runs().map((run) => run.task)).toEqual(['prism']);
    store.close();
    expect(readdirSync(dir).filter((name) => name.includes('promotion'))).toEqual([]);
  });
});

describe('experiment status and export of a database edited by hand', () => {
  it("name the database and the candidate's broken parameters, exit 2 (was a stack trace)", () => {
    const dir = workDir();
    const db = join(dir, 'exp.db');
    const run = evoplace(['experiment', 'run', 'gpu-colocation', '--db', db], undefined, dir);
    expect(run.code, run.stderr).toBe(0);
    const edit = new Database(db);
    edit.exec('UPDATE programs SET code = \'{"gpu_memory_utilization": 0.5\'');
    edit.close();
    for (const command of ['status', 'export']) {
      const result = evoplace(['experiment', command, '--db', db], undefined, dir);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(
        `error: ${db}: not a usable run database: a row's code is not JSON as evoplace writes it ` +
          "(invalid JSON at line 1, column 31: expected ',' or '}' after a property value, found the end of the file)\n",
      );
    }
  });
});

describe('experiment apply: a state directory that cannot hold acknowledgements, exit 2', () => {
  it.each([
    ['a file', (dir: string) => join(dir, 'p.promotion.json')],
    ['empty', () => ''],
  ])(
    '%s',
    (_, stateDir) => {
      const dir = workDir();
      const run = evoplace(
        ['experiment', 'run', 'gpu-colocation', '--db', join(dir, 'e.db'), '--json'],
        undefined,
        dir,
      );
      expect(run.code, run.stderr).toBe(0);
      const file = (JSON.parse(run.stdout) as { promotionFile: string }).promotionFile;
      copyFileSync(file, join(dir, 'p.promotion.json'));
      const apply = evoplace(
        ['experiment', 'apply', file, '--state-dir', stateDir(dir)],
        undefined,
        dir,
      );
      expect(apply.code).toBe(2);
      expect(apply.stderr).toMatch(
        /p\.promotion\.json: is not a folder; give --state-dir|--state-dir: is empty/,
      );
      expect(apply.stderr).not.toMatch(/\n\s+at /);
      for (const other of [
        ['experiment', 'status', '--db', join(dir, 'e.db'), '--state-dir', stateDir(dir)],
        ['experiment', 'rollback', 'some-id', '--state-dir', stateDir(dir)],
      ]) {
        const refused = evoplace(other, undefined, dir);
        expect(refused.code, other[1]).toBe(2);
        expect(refused.stderr).toMatch(/is not a folder|--state-dir: is empty/);
      }
      expect(existsSync(join(dir, 'promoted.env'))).toBe(false);
    },
    60_000,
  );
});

describe('experiment run stops on a signal between candidates', () => {
  it('SIGTERM with a synchronous evaluator (prism-solver): exit 0, interrupted, candidates kept', async () => {
    const dir = workDir();
    const db = join(dir, 'tune.db');
    const run = startEvoplace(['experiment', 'run', 'tune-prism', '--db', db, '--json']);
    const candidates = (): number => {
      if (!existsSync(db)) return 0;
      const store = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (store.prepare('SELECT count(*) AS n FROM programs').get() as { n: number }).n;
      } catch {
        return 0;
      } finally {
        store.close();
      }
    };
    const end = Date.now() + 60_000;
    while (candidates() < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { stoppedBy: string; candidates: number };
    expect(outcome.stoppedBy).toBe('interrupted');
    expect(outcome.candidates).toBeGreaterThan(0);
    expect(outcome.candidates).toBeLessThan(40);
  }, 90_000);
});

/** A user spec `name.yaml` in `dir` from its lines. */
function specFile(dir: string, name: string, lines: string[]): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('experiment run: mistakes in the evaluator settings', () => {
  const live = (health: string, metric: string): string[] => [
    'name: h1',
    'search_space:',
    '  x: { type: int, min: 0, max: 3 }',
    'evaluator:',
    '  kind: live',
    '  apply: ["echo {x}"]',
    '  restore: ["true"]',
    '  health:',
    `    url: ${health}`,
    '  chat: { url: "http://127.0.0.1:1", model: m }',
    'metrics:',
    `  ${metric}: { direction: down, weight: 1, range: [0, 1000] }`,
  ];

  it("name the setting's own line and path", () => {
    const dir = workDir();
    const spec = specFile(dir, 'h1', live('localhost:8000', 'chatP50Ms'));
    const result = evoplace(['experiment', 'run', spec, '--db', join(dir, 'x.db')], undefined, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/h1\.yaml:9: evaluator\.health\.url: must be an http/);
    expect(readdirSync(dir)).toEqual(['h1.yaml']);
  });

  it('a metric the live evaluator does not report, with the one meant', () => {
    const dir = workDir();
    const spec = specFile(dir, 'h1', live('http://127.0.0.1:1/health', 'chatP50ms'));
    const result = evoplace(['experiment', 'run', spec, '--db', join(dir, 'x.db')], undefined, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /h1\.yaml:12: metrics\.chatP50ms: the live evaluator does not report "chatP50ms", so every candidate would fail; did you mean "chatP50Ms"\?/,
    );
    expect(readdirSync(dir)).toEqual(['h1.yaml']);
  });
});

describe('experiment run: an evaluator that fails every candidate', () => {
  it('stops after the first generation with the first error, exit 4', () => {
    const dir = workDir();
    const spec = specFile(dir, 'broken', [
      'name: broken',
      'search_space:',
      '  x: { type: int, min: 0, max: 9 }',
      'evaluator: { kind: command, command: "echo no service on {x} >&2; exit 3" }',
      'budget: { max_candidates: 20, max_generations: 5, population: 3 }',
      'metrics:',
      '  y: { direction: up, weight: 1, range: [0, 1] }',
    ]);
    const human = evoplace(['experiment', 'run', spec, '--db', join(dir, 'a.db')], undefined, dir);
    expect(human.code, human.stderr).toBe(4);
    expect(human.stderr).toMatch(/stopped: evaluator-failed after 3 candidates in 1 generations/);
    expect(human.stderr).toMatch(
      /the evaluator failed every candidate, so the run stopped \(exit 4\); the first error: the command exited with code 3; stderr ends: no service on \d/,
    );
    const json = evoplace(
      ['experiment', 'run', spec, '--db', join(dir, 'b.db'), '--json'],
      undefined,
      dir,
    );
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({
      stoppedBy: 'evaluator-failed',
      candidates: 3,
      winner: null,
      evaluatorError: expect.stringMatching(/exited with code 3/),
    });
  }, 60_000);
});

describe('experiment runs of several databases in one folder, and several runs of one', () => {
  it('keep their candidate logs apart; status and export read the run --run names', () => {
    const dir = workDir();
    const run = (db: string, seed: number) => {
      const result = evoplace(
        [
          'experiment',
          'run',
          'gpu-colocation',
          '--db',
          join(dir, db),
          '--seed',
          String(seed),
          '--json',
        ],
        undefined,
        dir,
      );
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { runId: number; artefacts: string; candidates: number };
    };
    const a1 = run('a.db', 0);
    const b1 = run('b.db', 1);
    const a2 = run('a.db', 2);
    expect([a1.runId, b1.runId, a2.runId]).toEqual([1, 1, 2]);
    expect(a1.artefacts).toBe(join(dir, 'a-artefacts', 'gpu-colocation-1'));
    expect(b1.artefacts).toBe(join(dir, 'b-artefacts', 'gpu-colocation-1'));
    expect(a2.artefacts).toBe(join(dir, 'a-artefacts', 'gpu-colocation-2'));
    expect(readdirSync(a1.artefacts)).toHaveLength(a1.candidates);
    expect(readdirSync(b1.artefacts)).toHaveLength(b1.candidates);
    const status = (...flags: string[]) =>
      evoplace(
        ['experiment', 'status', '--db', join(dir, 'a.db'), '--json', ...flags],
        undefined,
        dir,
      );
    expect(JSON.parse(status().stdout)).toMatchObject({ runId: 2, candidates: a2.candidates });
    expect(JSON.parse(status('--run', '1').stdout)).toMatchObject({
      runId: 1,
      candidates: a1.candidates,
    });
    const exported = evoplace(
      ['experiment', 'export', '--db', join(dir, 'a.db'), '--run', '1'],
      undefined,
      dir,
    );
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { runId: number });
    expect(rows).toHaveLength(a1.candidates);
    expect(new Set(rows.map((r) => r.runId))).toEqual(new Set([1]));
    for (const command of ['status', 'export']) {
      const missing = evoplace(
        ['experiment', command, '--db', join(dir, 'a.db'), '--run', '3'],
        undefined,
        dir,
      );
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /--run: .*a\.db holds no run 3; its runs: 1, 2 \(the default is the newest, 2\)/,
      );
      const bad = evoplace(
        ['experiment', command, '--db', join(dir, 'a.db'), '--run', 'last'],
        undefined,
        dir,
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--run: expected an integer/);
    }
  }, 60_000);
});

describe('experiment run and Ctrl-C', () => {
  it('says so at once, stops the command in flight without storing it, and ends interrupted', async () => {
    const dir = workDir();
    const spec = specFile(dir, 'slow', [
      'name: slow',
      'search_space:',
      '  x: { type: int, min: 0, max: 9 }',
      // Marks its start, then waits for a file that never comes.
      'evaluator: { kind: command, command: "touch started; while [ ! -e finish ]; do sleep 0.05; done; echo \'{\\"y\\": 1}\'" }',
      'budget: { max_candidates: 20, population: 3, candidate_timeout_sec: 120 }',
      'metrics:',
      '  y: { direction: up, weight: 1, range: [0, 1] }',
    ]);
    const run = startEvoplace(['experiment', 'run', spec, '--db', join(dir, 'exp.db')]);
    const until = async (done: () => boolean): Promise<void> => {
      const end = Date.now() + 60_000;
      while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => existsSync(join(dir, 'started')));
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'interrupted: finishing the candidate in flight (Ctrl-C again to quit)',
    );
    // The command was killed, and its cut-short evaluation says nothing of its configuration.
    expect(result.stderr).toMatch(/stopped: interrupted after 0 candidates/);
    expect(result.stderr).not.toMatch(/stopped by/);
    const processes = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(processes).not.toContain('while [ ! -e finish ]');
  }, 90_000);
});

describe('experiment resume', () => {
  /** A spec whose command evaluator takes a moment and marks each candidate it starts. */
  const slowSpec = (dir: string, maxCandidates: number): string =>
    specFile(dir, 'steady', [
      'name: steady',
      'seed: 4',
      'search_space:',
      '  x: { type: int, min: 0, max: 40 }',
      `evaluator: { kind: command, command: "sleep 0.3; echo '{\\"y\\": {x}}'" }`,
      `budget: { max_candidates: ${maxCandidates}, population: 3, max_generations: 10 }`,
      'metrics:',
      '  y: { direction: up, weight: 1, range: [0, 40] }',
    ]);
  const storedCodes = (db: string): string[] => {
    const store = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (
        store.prepare('SELECT code FROM programs ORDER BY id').all() as { code: string }[]
      ).map((r) => r.code);
    } catch {
      // The run has not made its tables yet.
      return [];
    } finally {
      store.close();
    }
  };

  it('continues a killed run to the same candidates as a straight run, refusing a second driver', async () => {
    const dir = workDir();
    const spec = slowSpec(dir, 8);
    const db = join(dir, 'exp.db');
    const first = startEvoplace(['experiment', 'run', spec, '--db', db]);
    const end = Date.now() + 60_000;
    while (Date.now() < end && (!existsSync(db) || storedCodes(db).length < 3))
      await new Promise((r) => setTimeout(r, 20));
    // While it runs, a resume is refused: two processes would evaluate the same candidates.
    const second = evoplace(['experiment', 'resume', spec, '--db', db]);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/run 1 is being run by another evoplace process \(pid \d+\)/);
    // Refused before it wrote anything: no resume event, the budget as it was.
    const events = (): number => {
      const store = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (
          store.prepare("SELECT count(*) AS n FROM events WHERE kind = 'resume'").get() as {
            n: number;
          }
        ).n;
      } finally {
        store.close();
      }
    };
    expect(events()).toBe(0);
    first.child.kill('SIGKILL');
    await first.done;
    const kept = storedCodes(db).length;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(8);

    const status = evoplace(['experiment', 'status', '--db', db]);
    expect(status.stderr).toContain(
      `running (process ${first.child.pid} gone): resume with "evoplace experiment resume steady --db ${db} --run 1"`,
    );
    const resumed = evoplace(['experiment', 'resume', spec, '--db', db, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `resuming run 1 of steady: ${kept} candidates stored, replayed without evaluating them again`,
    );
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 1, candidates: 8 });

    const straightDb = join(dir, 'straight.db');
    expect(evoplace(['experiment', 'run', spec, '--db', straightDb]).code).toBe(0);
    expect(storedCodes(db)).toEqual(storedCodes(straightDb));
    // The candidate logs go on from where the first session left them.
    expect(readdirSync(join(dir, 'exp-artefacts', 'steady-1')).map((f) => f.slice(0, 6))).toEqual([
      '000001',
      '000002',
      '000003',
      '000004',
      '000005',
      '000006',
      '000007',
      '000008',
    ]);
    expect(evoplace(['experiment', 'status', '--db', db]).stderr).toContain(
      'run 1 · steady · finished',
    );
  }, 120_000);

  it('takes a larger budget from the edited spec, and refuses a changed search', () => {
    const dir = workDir();
    const spec = slowSpec(dir, 2);
    const db = join(dir, 'exp.db');
    expect(evoplace(['experiment', 'run', spec, '--db', db]).code).toBe(0);
    slowSpec(dir, 4);
    const more = evoplace(['experiment', 'resume', spec, '--db', db]);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toContain('(budget.max_candidates 2 → 4)');
    expect(more.stderr).toContain('stopped: max-candidates after 4 candidates');

    writeFileSync(spec, readFileSync(spec, 'utf8').replace('max: 40 }', 'max: 50 }'));
    const changed = evoplace(['experiment', 'resume', spec, '--db', db]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(
      `${spec}:4: search_space.x.max: differs from the spec run 1 was made with`,
    );
    const other = evoplace(['experiment', 'resume', 'gpu-colocation', '--db', db]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('run 1 is of experiment "steady", not "gpu-colocation"');
    expect(storedCodes(db)).toHaveLength(4);

    // A candidate's metrics edited into something no evaluator reports: refused, not scored.
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('max: 50 }', 'max: 40 }'));
    const edited = new Database(db);
    edited.prepare(`UPDATE programs SET public_metrics = '{"y": "big"}' WHERE id = 2`).run();
    edited.close();
    const hostile = evoplace(['experiment', 'resume', spec, '--db', db]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain(`${db}: candidate 2: public_metrics: y: expected a number`);
  });
});
