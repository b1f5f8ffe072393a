import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, generateTrace, SKEW_AND_CHURN_VARIANTS } from '../generate.js';
import { parseLoadHistory, type LoadMatrix, type Shape } from '../model.js';
import { replay } from '../replay.js';
import { eplbCaseArb as caseArb } from '../../../../test/support/eplb-cases.js';
import { checkPlan } from '../validate.js';
import { ALGOS, DEFAULT_FORECASTS, keepsLocality, REBALANCERS, type Algo } from './index.js';

interface Fixture {
  args: { num_replicas: number; num_groups: number; num_nodes: number; num_gpus: number };
  weight?: number[][];
  phy2log: number[][];
  log2phy: number[][][];
  logcnt: number[][];
}
/** Outputs of DeepSeek's reference eplb.py on the example of its README (stated as facts). */
const fixtures = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/eplb-deepseek-reference.json', import.meta.url),
    'utf8',
  ),
) as Record<string, Fixture> & { readme_weight: number[][] };

const matrix = (rows: number[][]): LoadMatrix => ({
  layers: rows.length,
  experts: rows[0]!.length,
  data: Float64Array.from(rows.flat()),
});

describe('eplb deepseek: a faithful port of the reference', () => {
  it.each(['readme_hier', 'readme_global_nodes3', 'readme_global_groups1', 'zeros_hier'])(
    '%s',
    (name) => {
      const f = fixtures[name]!;
      const plan = REBALANCERS.deepseek(matrix(f.weight ?? fixtures.readme_weight), {
        replicas: f.args.num_replicas,
        groups: f.args.num_groups,
        nodes: f.args.num_nodes,
        gpus: f.args.num_gpus,
      });
      expect(Array.from(plan.phy2log)).toEqual(f.phy2log.flat());
      expect(Array.from(plan.log2phy)).toEqual(f.log2phy.flat(2));
      expect(Array.from(plan.logcnt)).toEqual(f.logcnt.flat());
    },
  );
});

describe('eplb plans: invariants of every algorithm', () => {
  it.each(ALGOS)(
    '%s: replicas, counts, log2phy, equal slots per GPU and (where kept) node locality',
    (algo) => {
      fc.assert(
        fc.property(caseArb, ({ shape, load, history }) => {
          for (const past of [[], history]) {
            const plan = REBALANCERS[algo](load, shape, past);
            expect(checkPlan(plan, shape, keepsLocality(algo, shape))).toEqual([]);
            expect(REBALANCERS[algo](load, shape, past)).toEqual(plan);
          }
        }),
        { seed: 21, numRuns: 150 },
      );
    },
  );

  it('the checker catches broken plans', () => {
    const shape: Shape = { replicas: 16, groups: 4, nodes: 2, gpus: 8 };
    const plan = REBALANCERS.deepseek(matrix(fixtures.readme_weight), shape);
    const broken = { ...plan, phy2log: plan.phy2log.slice() };
    broken.phy2log[0] = broken.phy2log[15]!;
    const errors = checkPlan(broken, shape, true);
    expect(errors.some((e) => e.includes('logcnt says expert'))).toBe(true);
    expect(errors.some((e) => e.includes('has replicas on nodes'))).toBe(true);
  });
});

describe('eplb balanced: better balance than the reference out of sample', () => {
  const perGpu = (
    windows: LoadMatrix[],
    shape: Shape,
    algo: Algo,
    forecast = DEFAULT_FORECASTS[algo],
  ): number => {
    const done: number[] = [];
    const result = replay(windows, shape, { algo, forecast, emaAlpha: 0.5, maxMoves: null }, (d) =>
      done.push(d),
    );
    expect(result.invariantErrors).toBe(0);
    // The weight is reported only for the forecast it weighs.
    expect(result.emaAlpha).toBe(forecast === 'ema' ? 0.5 : null);
    expect(done).toEqual(Array.from({ length: windows.length - 1 }, (_, i) => i + 1));
    return result.outOfSample.perGpu;
  };
  // Five seeded traces of a smaller shape with different skew and churn.
  const variants = SKEW_AND_CHURN_VARIANTS;
  const shape: Shape = { replicas: 80, groups: 8, nodes: 4, gpus: 16 };
  it.each(variants)('trace seed $seed: per-GPU balancedness on the next window', (variant) => {
    const trace = generateTrace({
      ...DEFAULT_TRACE,
      steps: 800,
      layers: 16,
      experts: 64,
      ...variant,
    });
    const windows = parseLoadHistory(trace, 'trace', 100);
    const balanced = perGpu(windows, shape, 'balanced');
    expect(balanced).toBeGreaterThan(perGpu(windows, shape, 'deepseek'));
    // Its default forecast, `recent`, beats planning from the latest window.
    expect(balanced).toBeGreaterThan(perGpu(windows, shape, 'balanced', 'last'));
  });
});
