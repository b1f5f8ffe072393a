import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evoplace, MAIN } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'evoplace-eplb-'));
const trace = join(dir, 'trace.json');
const shapeArgs = ['--replicas', '40', '--groups', '4', '--nodes', '2', '--gpus', '8'];

const generateArgs = [
  'eplb',
  'generate',
  '--steps',
  '300',
  '--layers',
  '3',
  '--experts',
  '32',
  '--groups',
  '4',
  '--seed',
  '5',
];

describe('evoplace eplb (CLI)', () => {
  it('a reader that stops early (| head) ends the command quietly, exit 0', () => {
    // bash: the exit status of the first command of the pipe, and its stderr.
    const run = spawnSync(
      'bash',
      [
        '-c',
        '"$0" "$1" eplb generate --steps 600 --layers 58 --experts 256 | head -c 100 > /dev/null; echo ${PIPESTATUS[0]}',
        process.execPath,
        MAIN,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('0');
  });

  it('generate writes a trace in vLLM’s format', () => {
    const run = evoplace(generateArgs);
    expect(run.code).toBe(0);
    writeFileSync(trace, run.stdout);
    const data = JSON.parse(run.stdout) as { load_history: { logical_expert_load: number[][] }[] };
    expect(data.load_history).toHaveLength(300);
    expect(data.load_history[0]!.logical_expert_load).toHaveLength(3);
    expect(data.load_history[0]!.logical_expert_load[0]).toHaveLength(32);
    expect(evoplace(generateArgs).stdout).toBe(run.stdout);
  });

  it('rebalance --json prints exactly the documented plan', () => {
    const run = evoplace(['eplb', 'rebalance', '--load', trace, ...shapeArgs, '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as Record<string, unknown> & {
      phy2log: number[][];
      log2phy: number[][][];
      logcnt: number[][];
    };
    expect(Object.keys(plan)).toEqual([
      'algo',
      'layers',
      'experts',
      'replicas',
      'phy2log',
      'log2phy',
      'logcnt',
      'ms',
    ]);
    expect(plan).toMatchObject({ algo: 'balanced', layers: 3, experts: 32, replicas: 40 });
    expect(plan.phy2log).toHaveLength(3);
    expect(plan.phy2log[0]).toHaveLength(40);
    expect(plan.log2phy[0]).toHaveLength(32);
    expect(plan.logcnt[0]!.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('bench replays every window pair for every algorithm', () => {
    const run = evoplace(['eplb', 'bench', '--load', trace, ...shapeArgs, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      windows: number;
      algos: { algo: string; rebalances: number; invariantErrors: number; medianMs: number }[];
    };
    expect(report.windows).toBe(3);
    for (const { medianMs } of report.algos) expect(medianMs).toBeGreaterThan(0);
    expect(report.algos.map((a) => [a.algo, a.rebalances, a.invariantErrors])).toEqual([
      ['deepseek', 2, 0],
      ['balanced', 2, 0],
      ['global', 2, 0],
    ]);
    const table = evoplace(['eplb', 'bench', '--load', trace, ...shapeArgs]);
    expect(table.stderr).toMatch(/algo\s+per slot\s+per GPU\s+per node/);
    const oneWindow = evoplace(['eplb', 'bench', '--load', trace, ...shapeArgs, '--window', '300']);
    expect(oneWindow.code).toBe(2);
    expect(oneWindow.stderr).toMatch(
      /fits in one window of 300 steps; bench needs at least two .*: give a smaller --window/,
    );
  });

  it('--previous with --max-moves 0 keeps the deployed plan; a bad plan file is a user error', () => {
    const rebalance = (...extra: string[]) =>
      evoplace(['eplb', 'rebalance', '--load', trace, ...shapeArgs, ...extra]);
    const first = rebalance('--algo', 'deepseek', '--json');
    const deployed = join(dir, 'deployed.json');
    writeFileSync(deployed, first.stdout);
    const moves = rebalance('--previous', deployed);
    expect(moves.code).toBe(0);
    expect(moves.stderr).toMatch(
      /moves from the deployed plan: \d+ of 120 replicas get new expert weights \(at most \d+ in one layer\); \d of 3 layers unchanged/,
    );
    expect(rebalance('--previous', deployed, '--max-moves', '0').stderr).toMatch(
      /moves from the deployed plan: 0 of 120 replicas .*; 3 of 3 layers unchanged/,
    );
    const kept = rebalance('--previous', deployed, '--max-moves', '0', '--json');
    expect(kept.code).toBe(0);
    const keptPlan = JSON.parse(kept.stdout) as { phy2log: number[][] };
    expect(keptPlan.phy2log).toEqual((JSON.parse(first.stdout) as { phy2log: number[][] }).phy2log);
    const idleAlpha = rebalance('--ema-alpha', '0.3');
    expect(idleAlpha.code).toBe(2);
    expect(idleAlpha.stderr).toMatch(/--ema-alpha: .*this plan uses recent; add --forecast ema/);
    expect(rebalance('--forecast', 'ema', '--ema-alpha', '0.3').code).toBe(0);
    const noPrevious = rebalance('--max-moves', '3');
    expect(noPrevious.code).toBe(2);
    expect(noPrevious.stderr).toMatch(
      /--max-moves needs the deployed plan: add --previous PLAN\.json/,
    );
    const wrong = join(dir, 'wrong-plan.json');
    writeFileSync(wrong, JSON.stringify({ phy2log: [[0, 1]] }));
    const bad = rebalance('--previous', wrong);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/wrong-plan\.json: phy2log: has 1 layers; the trace has 3/);
    // A plan whose counts or slot lists disagree with its phy2log is refused, naming the cell.
    const plan = JSON.parse(first.stdout) as { logcnt: number[][]; log2phy: number[][][] };
    const tampered = join(dir, 'tampered-plan.json');
    const refusal = (changed: object): string => {
      writeFileSync(tampered, JSON.stringify({ ...plan, ...changed }));
      const run = rebalance('--previous', tampered);
      expect(run.code).toBe(2);
      return run.stderr;
    };
    const logcnt = plan.logcnt.map((row) => [...row]);
    logcnt[1]![0]! += 1;
    expect(refusal({ logcnt })).toMatch(
      /tampered-plan\.json: logcnt\[1\]\[0\]: says \d+ replicas; phy2log has \d+/,
    );
    const log2phy = plan.log2phy.map((layer) => layer.map((slots) => [...slots]));
    log2phy[2]![3]![0] = (log2phy[2]![3]![0]! + 1) % 40;
    expect(refusal({ log2phy })).toMatch(/tampered-plan\.json: log2phy\[2\]\[3\]: lists slots/);
  });

  it.each([
    [
      ['--replicas', '16', '--groups', '4', '--nodes', '2', '--gpus', '8'],
      /^error: --replicas: 16 replicas cannot hold 32 experts/,
    ],
    [
      ['--replicas', '40', '--groups', '3', '--nodes', '1', '--gpus', '8'],
      /32 experts do not split into 3 equal groups/,
    ],
    [
      ['--replicas', '40', '--groups', '4', '--nodes', '3', '--gpus', '8'],
      /8 GPUs do not split evenly over 3 nodes/,
    ],
    [
      ['--replicas', 'many', '--groups', '4', '--nodes', '2', '--gpus', '8'],
      /--replicas: expected an integer/,
    ],
    [
      ['--groups', '4', '--nodes', '2', '--gpus', '8'],
      /^error: --replicas is required; the cluster's shape takes all four: --replicas R --groups G/,
    ],
    // A shape that would take gigabytes and hours is refused before any planning.
    [
      ['--replicas', '1000000', '--groups', '4', '--nodes', '1', '--gpus', '1000000'],
      /--replicas: 1000000 replicas a layer is more than the 16384 allowed/,
    ],
  ])('bad shape flags: one clear line, exit 2 (%#)', (args, message) => {
    const run = evoplace(['eplb', 'rebalance', '--load', trace, ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a trace given without --load is answered with the usage that names --load', () => {
    const run = evoplace(['eplb', 'bench', trace, ...shapeArgs]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /unexpected argument ".*trace\.json"; usage: evoplace eplb bench --load FILE --replicas R --groups G --nodes N --gpus M \[options\]/,
    );
  });

  it('generate refuses a trace too large to write', () => {
    const run = evoplace(['eplb', 'generate', '--steps', '20000']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--steps: 20000 steps × 58 layers × 256 experts is more than/);
  });

  it('a ragged matrix in the file is named by step, layer and expert', () => {
    const bad = join(dir, 'ragged.json');
    writeFileSync(bad, JSON.stringify({ load_history: [{ logical_expert_load: [[1, 2], [3]] }] }));
    const run = evoplace([
      'eplb',
      'rebalance',
      '--load',
      bad,
      '--replicas',
      '2',
      '--groups',
      '1',
      '--nodes',
      '1',
      '--gpus',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /ragged\.json: load_history\[0\]\.logical_expert_load\[1\]: has 1 experts, expected 2/,
    );
  });
});
