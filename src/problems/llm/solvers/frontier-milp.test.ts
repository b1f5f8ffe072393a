import { beforeAll, describe, expect, it } from 'vitest';
import { medium } from '../../../../test/support/llm-medium.js';
import { loadHighs, lpNumber, type Highs } from '../../../core/highs.js';
import { syntheticPool } from '../generate.js';
import { typeLinks } from '../links.js';
import type { LlmProblem } from '../model.js';
import { PERF_MODELS } from '../perf/index.js';
import { paretoFrontier, stageOptions, type StageOption } from './frontier.js';

/**
 * The least $/h of a placement with exactly `stages` stages, each an option at least `tau` fast,
 * as a MILP for HiGHS: an integer count of each option, the counts' layers summing to the
 * model's, the GPUs of each type within the pool. Null when none exists. (Without the seed's
 * link filter, which these pools do not trigger, nothing else ties stages together.)
 */
function leastCost(
  highs: Highs,
  problem: LlmProblem,
  options: readonly StageOption[],
  tau: number,
  stages: number,
): number | null {
  const usable = options.flatMap((o, k) => (o.tokensPerSec >= tau ? [{ o, name: `k${k}` }] : []));
  const sum = (term: (u: (typeof usable)[number]) => string, of = usable): string =>
    of.map(term).join(' + ');
  const rows = [
    ` layers: ${sum((u) => `${u.o.layers} ${u.name}`)} = ${problem.config.num_decoder_layers}`,
    ` stages: ${sum((u) => u.name)} = ${stages}`,
    ...problem.types.flatMap((t, type) => {
      const own = usable.filter((u) => u.o.type === type);
      return own.length
        ? [` gpus_${type}: ${sum((u) => `${u.o.tp} ${u.name}`, own)} <= ${t.count}`]
        : [];
    }),
  ];
  const price = (u: (typeof usable)[number]): string =>
    `${lpNumber(u.o.tp * problem.types[u.o.type]!.usdPerHour)} ${u.name}`;
  const model = [
    'Minimize',
    ` cost: ${sum(price)}`,
    'Subject To',
    ...rows,
    'General',
    ` ${sum((u) => u.name).replaceAll(' + ', ' ')}`,
    'End',
  ].join('\n');
  const result = highs.solve(model, { output_flag: false, mip_rel_gap: 0 });
  if (result.Status === 'Infeasible') return null;
  expect(result.Status).toBe('Optimal');
  return result.ObjectiveValue;
}

function memoized<T>(f: (i: number) => T): (i: number) => T {
  const seen = new Map<number, T>();
  return (i) => {
    if (!seen.has(i)) seen.set(i, f(i));
    return seen.get(i)!;
  };
}

/**
 * The last index of each run of equal values of `costAt` over 0 … n − 1, a non-decreasing step
 * function (fewer options can only cost more): by bisection, since a run whose ends agree is
 * constant in between. The last index of a run is its fastest threshold at that cost.
 */
function lastOfEachCost(n: number, costAt: (i: number) => number | null): number[] {
  const same = (a: number, b: number): boolean => costAt(a) === costAt(b);
  const ends: number[] = [];
  const split = (lo: number, hi: number): void => {
    if (same(lo, hi)) return;
    if (hi - lo === 1) {
      ends.push(lo);
      return;
    }
    const mid = (lo + hi) >> 1;
    split(lo, mid);
    split(mid, hi);
  };
  split(0, n - 1);
  return [...ends, n - 1];
}

describe('llm frontier against an independent MILP (HiGHS)', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await loadHighs();
  });

  it.each([
    ['medium', 'roofline', 32],
    ['medium', 'seed', 64],
    ['synthetic', 'roofline', 256],
    ['synthetic', 'roofline', 128],
  ] as const)(
    '%s pool, %s model, batch %i: every least-cost cover is matched by a frontier point, none beats one',
    (pool, model, batch) => {
      const problem = pool === 'medium' ? medium(300, 100) : syntheticPool();
      expect(typeLinks(problem)).toBeNull();
      const perf = PERF_MODELS[model];
      const rated = perf.atBatch(problem, batch);
      const options = stageOptions(problem, rated, perf.stageSizes(problem.config));
      const frontier = paretoFrontier(problem, batch, perf);
      expect(frontier.length).toBeGreaterThan(0);
      const thresholds = [...new Set(options.map((o) => o.tokensPerSec))].sort((a, b) => a - b);
      let covers = 0;
      for (let stages = 1; stages <= problem.config.max_pipeline_stages; stages++) {
        const costAt = memoized((i: number) =>
          leastCost(highs, problem, options, thresholds[i]!, stages),
        );
        for (const i of lastOfEachCost(thresholds.length, costAt)) {
          const cost = costAt(i);
          if (cost === null) continue;
          covers++;
          // A placement at this cost runs at least this fast (its slowest stage is ≥ the threshold).
          const throughput = rated.endToEndTokensPerSec(thresholds[i]!, stages);
          const matched = frontier.some(
            (p) =>
              p.throughputTokensPerSec >= throughput * (1 - 1e-9) &&
              p.usdPerHour <= cost * (1 + 1e-9),
          );
          expect(matched, `${stages} stages at ≥ ${thresholds[i]} tokens/s for $${cost}/h`).toBe(
            true,
          );
          // No such cover strictly dominates a frontier point.
          for (const p of frontier) {
            const dominates =
              throughput >= p.throughputTokensPerSec * (1 + 1e-9) &&
              cost < p.usdPerHour * (1 - 1e-9);
            expect(dominates).toBe(false);
          }
        }
      }
      expect(covers).toBeGreaterThan(0);
    },
  );
});
