import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linksBelowPercentile } from '../links.js';
import {
  configSchema,
  generatedNetwork,
  type GpuType,
  type LlmProblem,
  type Placement,
} from '../model.js';
import { PERF_MODELS, type PerfModel } from '../perf/index.js';
import { SEED_MODEL } from '../perf/seed.js';
import { validatePlacement } from '../validate.js';
import { medium } from '../../../../test/support/llm-medium.js';
import {
  cheapestPerToken,
  choose,
  paretoFrontier,
  stageLimit,
  stageOptions,
  type StageOption,
} from './frontier.js';

describe('llm exact frontier, seed performance model', () => {
  it('reproduces the seed’s published best rows (medium, stored network = 300/100)', () => {
    const facts: [number, string, string, string, number][] = [
      [32, '2035.99', '8.19', '1.117735', 2],
      [64, '2035.99', '8.19', '1.117735', 2],
      [128, '3775.18', '16.39', '1.205609', 4],
      [256, '3775.18', '16.39', '1.205609', 4],
    ];
    for (const [batch, tokens, usd, perM, tp] of facts) {
      const best = cheapestPerToken(paretoFrontier(medium(300, 100), batch, SEED_MODEL))!;
      expect(best.throughputTokensPerSec.toFixed(2)).toBe(tokens);
      expect(best.usdPerHour.toFixed(2)).toBe(usd);
      expect(best.usdPerMillionTokens.toFixed(6)).toBe(perM);
      expect(best.stages).toEqual([
        {
          gpuType: 'A100',
          tp,
          gpuIds: Array.from({ length: tp }, (_, i) => i),
          startLayer: 1,
          endLayer: 32,
        },
      ]);
    }
  });

  it('reproduces the generated-network run (400/200): 2042.04, 3806.57 and 6980.57 tok/s', () => {
    const problem = medium(400, 200);
    expect(
      cheapestPerToken(paretoFrontier(problem, 32, SEED_MODEL))!.usdPerMillionTokens.toFixed(6),
    ).toBe('1.114421');
    expect(
      cheapestPerToken(paretoFrontier(problem, 128, SEED_MODEL))!.usdPerMillionTokens.toFixed(6),
    ).toBe('1.195667');
    const frontier32 = paretoFrontier(problem, 32, SEED_MODEL).map((p) => [
      p.throughputTokensPerSec.toFixed(2),
      p.usdPerHour.toFixed(2),
    ]);
    expect(frontier32).toContainEqual(['2042.04', '8.19']);
    expect(frontier32).toContainEqual(['6980.57', '32.77']);
    expect(
      cheapestPerToken(paretoFrontier(problem, 256, SEED_MODEL))!.throughputTokensPerSec.toFixed(2),
    ).toBe('3806.57');
  });
});

/** Whether the link between each two consecutive stages (first GPU to first GPU) passes the filter. */
function linksAllowed(problem: LlmProblem, firstGpus: number[]): boolean {
  const { thresholdGbps } = linksBelowPercentile(problem);
  return firstGpus.every(
    (id, k) =>
      k === 0 ||
      !(problem.bandwidthGbps[firstGpus[k - 1]! * problem.gpuCount + id]! < thresholdGbps),
  );
}

/** Whether some order of the stages, on GPUs given type by type, passes the link filter. */
function orderable(problem: LlmProblem, picks: StageOption[]): boolean {
  const used = problem.types.map(() => 0);
  const firstGpus = picks.map((o) => {
    used[o.type]! += o.tp;
    return problem.types[o.type]!.firstId + used[o.type]! - o.tp;
  });
  const orders = (left: number[]): number[][] =>
    left.length
      ? left.flatMap((id, k) =>
          orders([...left.slice(0, k), ...left.slice(k + 1)]).map((rest) => [id, ...rest]),
        )
      : [[]];
  return orders(firstGpus).some((order) => linksAllowed(problem, order));
}

/**
 * Every multiset of up to S options covering N layers within GPU counts that some order of its
 * stages lets past the link filter: the frontier by exhaustion.
 */
function bruteForceFrontier(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel,
): [number, number][] {
  const rated = perf.atBatch(problem, batch);
  const options = stageOptions(problem, rated, perf.stageSizes(problem.config));
  const n = problem.config.num_decoder_layers;
  const points: [number, number][] = [];
  const used = problem.types.map(() => 0);
  const visit = (from: number, picks: StageOption[], layers: number): void => {
    if (layers === n && picks.length && orderable(problem, picks)) {
      const raw = Math.min(...picks.map((o) => o.tokensPerSec));
      const cost = picks.reduce((a, o) => a + o.tp * problem.types[o.type]!.usdPerHour, 0);
      points.push([rated.endToEndTokensPerSec(raw, picks.length), cost]);
    }
    if (picks.length === problem.config.max_pipeline_stages) return;
    for (let k = from; k < options.length; k++) {
      const o = options[k]!;
      if (layers + o.layers > n || used[o.type]! + o.tp > problem.types[o.type]!.count) continue;
      used[o.type]! += o.tp;
      visit(k, [...picks, o], layers + o.layers);
      used[o.type]! -= o.tp;
    }
  };
  visit(0, [], 0);
  return pareto(points);
}

/**
 * The non-dominated (throughput, $/h) points, by cost ascending; costs within 1e-9 of each other
 * (one cost summed in another order) are one cost, where only the fastest point stands.
 */
function pareto(points: [number, number][]): [number, number][] {
  const sorted = points.sort((a, b) => a[1] - b[1] || b[0] - a[0]);
  const frontier: [number, number][] = [];
  for (const p of sorted) {
    const last = frontier.at(-1);
    if (last && p[1] - last[1] <= 1e-9 * p[1]) {
      if (p[0] > last[0]) frontier[frontier.length - 1] = p;
    } else if (!last || p[0] > last[0]) frontier.push(p);
  }
  return frontier;
}

/**
 * The frontier from every threshold T (a stage option's speed) and stage count s, by a plain DP
 * per threshold: the least $/h of a cover using only options at least T fast, at the throughput
 * of s stages whose slowest runs at T. Every placement is matched or beaten by the point of its
 * own slowest stage, and every point by its least-cost placement, so the frontiers agree.
 */
function thresholdFrontier(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel,
): [number, number][] {
  const rated = perf.atBatch(problem, batch);
  const options = stageOptions(problem, rated, perf.stageSizes(problem.config));
  const [n, maxStages] = [problem.config.num_decoder_layers, problem.config.max_pipeline_stages];
  const table = <T>(fill: T): T[][] =>
    Array.from({ length: maxStages + 1 }, () => Array<T>(n + 1).fill(fill));
  const points: [number, number][] = [];
  for (const threshold of new Set(options.map((o) => o.tokensPerSec))) {
    let cost = table(Infinity);
    cost[0]![0] = 0;
    problem.types.forEach((t, type) => {
      const usable = options.filter((o) => o.type === type && o.tokensPerSec >= threshold);
      const gpus = table(Infinity);
      gpus[0]![0] = 0;
      for (let s = 1; s <= maxStages; s++)
        for (let l = 1; l <= n; l++)
          for (const o of usable)
            if (o.layers <= l && gpus[s - 1]![l - o.layers]! + o.tp <= t.count)
              gpus[s]![l] = Math.min(gpus[s]![l]!, gpus[s - 1]![l - o.layers]! + o.tp);
      const next = cost.map((row) => [...row]);
      for (let s = 0; s <= maxStages; s++)
        for (let l = 0; l <= n; l++)
          for (let s2 = 1; s + s2 <= maxStages; s2++)
            for (let l2 = 1; l + l2 <= n; l2++)
              next[s + s2]![l + l2] = Math.min(
                next[s + s2]![l + l2]!,
                cost[s]![l]! + gpus[s2]![l2]! * t.usdPerHour,
              );
      cost = next;
    });
    for (let s = 1; s <= maxStages; s++)
      if (cost[s]![n]! < Infinity)
        points.push([rated.endToEndTokensPerSec(threshold, s), cost[s]![n]!]);
  }
  return pareto(points);
}

describe('llm budgets and objectives', () => {
  it('a $/h budget cuts the frontier; the throughput objective takes its fastest point', () => {
    const problem = medium(300, 100);
    const full = paretoFrontier(problem, 32, SEED_MODEL);
    expect(choose(full, 'throughput')!.throughputTokensPerSec.toFixed(2)).toBe('6858.55');
    const budgeted = paretoFrontier(
      { ...problem, config: { ...problem.config, max_hourly_cost: 10 } },
      32,
      SEED_MODEL,
    );
    expect(budgeted.every((p) => p.usdPerHour <= 10)).toBe(true);
    expect(budgeted.length).toBeLessThan(full.length);
    const runtimeCapped = paretoFrontier(
      { ...problem, config: { ...problem.config, max_total_runtime_hours: 0.1 } },
      32,
      SEED_MODEL,
    );
    expect(runtimeCapped.every((p) => 1e6 / (p.throughputTokensPerSec * 3600) <= 0.1)).toBe(true);
    const tooPoor = paretoFrontier(
      { ...problem, config: { ...problem.config, max_hourly_cost: 1 } },
      32,
      SEED_MODEL,
    );
    expect(tooPoor).toEqual([]);
    expect(choose(tooPoor, 'usd-per-mtok')).toBeNull();
  });
});

/** A random pool of up to `maxTypes` GPU types of at most `maxCount` GPUs (names may repeat). */
const poolArb = (maxTypes: number, maxCount: number) =>
  fc.array(
    fc.record({
      name: fc.constantFrom('H100', 'A10', 'L40', 'V100', 'T4'),
      count: fc.integer({ min: 1, max: maxCount }),
      memoryGb: fc.constantFrom(16, 24, 40, 80),
      usdPerHour: fc.integer({ min: 1, max: 50 }).map((v) => v / 10),
    }),
    { minLength: 1, maxLength: maxTypes },
  );

interface Instance {
  layers: number;
  stages: number;
  batch: number;
  pool: { name: string; count: number; memoryGb: number; usdPerHour: number }[];
  quantize: boolean;
  /** A network structured by type (GB/s from a GPU of type a to one of type b, [a][b]) and the
   * percentile filter over it; a generated 300/100 network with the default filter otherwise. */
  links?: { gbps: number[][]; percentile: number };
  /** GB of weights per layer (2 unless set). */
  layerGb?: number;
}

/** The network of `links.gbps`: 10000 on the diagonal. */
function typeNetwork(types: GpuType[], gpuCount: number, gbps: number[][]): Float64Array {
  const typeOf = types.flatMap((t, type) => Array<number>(t.count).fill(type));
  return Float64Array.from({ length: gpuCount * gpuCount }, (_, k) => {
    const [i, j] = [Math.floor(k / gpuCount), k % gpuCount];
    return i === j ? 10000 : gbps[typeOf[i]!]![typeOf[j]!]!;
  });
}

function problemOf({
  layers,
  stages,
  batch,
  pool,
  quantize,
  links,
  layerGb = 2,
}: Instance): LlmProblem {
  let firstId = 0;
  const types = pool.map((t) => {
    const type = { ...t, firstId };
    firstId += t.count;
    return type;
  });
  const config = configSchema.parse({
    sequence_length: '512',
    min_batch_size: String(batch),
    max_batch_size: String(batch),
    num_decoder_layers: String(layers),
    d_model: '2048',
    d_hidden: '5632',
    layer_weight_memory_gb: String(layerGb),
    bytes_per_element: '2',
    enable_segment_quantization: String(quantize),
    max_pipeline_stages: String(stages),
    min_layers_per_stage: '1',
    min_memory_utilization: '0',
    ...(links ? { network_bandwidth_percentile_threshold: String(links.percentile) } : {}),
  });
  return {
    config,
    types,
    gpuCount: firstId,
    bandwidthGbps: links
      ? typeNetwork(types, firstId, links.gbps)
      : generatedNetwork(types, firstId, 300, 100),
  };
}

/** Each placement's cost and throughput, as they are (placements tied on both may differ). */
function pointsOf(frontier: Placement[]): [number, number][] {
  return frontier.map((p) => [p.usdPerHour, p.throughputTokensPerSec]);
}

/** The points of `points` that no point of `by` matches or beats (to rounding). */
function matchedOrBeaten(points: [number, number][], by: [number, number][]): [number, number][] {
  const close = (a: number, b: number): boolean =>
    Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  return points.filter(
    ([t, c]) => !by.some(([t2, c2]) => (t2 >= t || close(t2, t)) && (c2 <= c || close(c2, c))),
  );
}

/**
 * Every stage of every placement runs on GPUs of its own type that no other stage uses, and the
 * links between its consecutive stages pass the filter.
 */
/** Each placement passes the strict validator, and its stages' first GPUs pass the seed's link filter. */
function expectValid(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel,
  placements: Placement[],
): void {
  for (const p of placements) {
    expect(validatePlacement(problem, perf, batch, p)).toEqual([]);
    expect(
      linksAllowed(
        problem,
        p.stages.map((s) => s.gpuIds[0]!),
      ),
    ).toBe(true);
  }
}

/** The frontier's (throughput, $/h) points equal `reference`'s, to rounding. */
function expectFrontier(
  problem: LlmProblem,
  batch: number,
  perf: PerfModel,
  reference: [number, number][],
): void {
  const frontier = paretoFrontier(problem, batch, perf);
  expectValid(problem, batch, perf, frontier);
  const exact = frontier.map((p) => [p.throughputTokensPerSec, p.usdPerHour]);
  expect(exact.length).toBe(reference.length);
  exact.forEach(([t, c], k) => {
    expect(t).toBeCloseTo(reference[k]![0], 6);
    expect(c).toBeCloseTo(reference[k]![1], 9);
  });
}

/** Instances on a random network structured by type, filtered at a random percentile. */
const withLinks = (instances: fc.Arbitrary<Instance>): fc.Arbitrary<Instance> =>
  instances.chain((instance) => {
    const types = instance.pool.length;
    const row = fc.array(fc.constantFrom(50, 100, 200, 400), {
      minLength: types,
      maxLength: types,
    });
    return fc
      .record({
        gbps: fc.array(row, { minLength: types, maxLength: types }),
        percentile: fc.integer({ min: 10, max: 100 }).map((p) => p / 100),
      })
      .map((links) => ({ ...instance, links }));
  });

describe('llm frontier equals brute force', () => {
  const arb = fc.record({
    layers: fc.integer({ min: 1, max: 8 }),
    stages: fc.integer({ min: 1, max: 3 }),
    batch: fc.constantFrom(1, 4, 16, 32),
    pool: poolArb(3, 4),
    quantize: fc.boolean(),
  });
  /** Frontier = brute force on 200 instances of `instances` (only those dropping links, if asked). */
  const agreesWithBruteForce =
    (
      instances: fc.Arbitrary<Parameters<typeof problemOf>[0] & { batch: number }>,
      droppingLinks: boolean,
    ) =>
    (model: 'seed' | 'roofline') => {
      const perf = PERF_MODELS[model];
      fc.assert(
        fc.property(instances, (instance) => {
          const problem = problemOf(instance);
          if (droppingLinks) fc.pre(linksBelowPercentile(problem).below > 0);
          expectFrontier(
            problem,
            instance.batch,
            perf,
            bruteForceFrontier(problem, instance.batch, perf),
          );
        }),
        { seed: 31, numRuns: 200 },
      );
    };
  it.each(['seed', 'roofline'] as const)(
    'on 200 random small instances (%s model)',
    agreesWithBruteForce(arb, false),
  );

  // Networks structured by type (links between and within types of any speed, either way) and a
  // percentile filter that drops some of them: only placements with an allowed order count.
  const filtered = withLinks(
    fc.record({
      layers: fc.integer({ min: 1, max: 8 }),
      stages: fc.integer({ min: 1, max: 4 }),
      batch: fc.constantFrom(1, 4, 16, 32),
      pool: poolArb(3, 4),
      quantize: fc.boolean(),
      // Heavy layers need several stages, so the stage order matters under either model.
      layerGb: fc.constantFrom(2, 8),
    }),
  );
  it.each(['seed', 'roofline'] as const)(
    'with the link filter on 200 random small instances (%s model)',
    agreesWithBruteForce(filtered, true),
  );

  // Tables for every allowed stage count made a 512-layer model on 8 GPUs take 14 s and 2.5 GB;
  // stage counts no placement reaches (more than the GPUs, or the layers) are left out.
  it('reports its progress as gaps between thresholds settled, ending with all of them', () => {
    fc.assert(
      fc.property(larger, (instance) => {
        const problem = problemOf(instance);
        const reports: [number, number][] = [];
        paretoFrontier(problem, instance.batch, PERF_MODELS.roofline, {
          onProgress: (settled, total) => reports.push([settled, total]),
        });
        const totals = new Set(reports.map(([, total]) => total));
        expect(totals.size).toBeLessThanOrEqual(1);
        reports.forEach(([settled], k) =>
          expect(settled).toBeGreaterThan(reports[k - 1]?.[0] ?? -1),
        );
        if (reports.length) expect(reports.at(-1)![0]).toBe(reports[0]![1]);
      }),
      { seed: 5, numRuns: 30 },
    );
  });

  it('sizes its tables by the stages a placement can reach, not max_pipeline_stages alone', () => {
    const pool = [{ name: 'H100', count: 8, memoryGb: 80, usdPerHour: 2 }];
    const deep = { stages: 512, batch: 1, pool, quantize: false, layerGb: 0.01 };
    expect(stageLimit(problemOf({ ...deep, layers: 512 }))).toBe(8);
    expect(stageLimit(problemOf({ ...deep, layers: 5 }))).toBe(5);
    expect(stageLimit(problemOf({ ...deep, layers: 512, stages: 3 }))).toBe(3);
  });
  const manyStages = fc.record({
    layers: fc.integer({ min: 1, max: 6 }),
    stages: fc.constantFrom(7, 64, 512),
    batch: fc.constantFrom(1, 4, 16, 32),
    pool: poolArb(2, 4),
    quantize: fc.boolean(),
  });
  it.each(['seed', 'roofline'] as const)(
    'when more stages are allowed than there are GPUs or layers (%s model)',
    agreesWithBruteForce(manyStages, false),
  );

  // Larger pools, more layers and stages: many thresholds, so the sweep's bisection and its
  // skipping of provably dominated candidates are exercised; checked against a plain DP. The DP
  // sums costs per type, the solver per stage, so a cost may differ in its last bit and keep or
  // drop a point the other does not: each frontier must match or beat every point of the other.
  const larger = fc.record({
    layers: fc.integer({ min: 8, max: 30 }),
    stages: fc.integer({ min: 3, max: 8 }),
    batch: fc.constantFrom(1, 4, 16, 32),
    // A repeated GPU type and few distinct prices make ties in cost and throughput common.
    pool: poolArb(3, 8).chain((pool) =>
      fc.boolean().map((twice) => (twice ? [...pool, pool[0]!] : pool)),
    ),
    quantize: fc.constant(false),
  });
  it.each(['seed', 'roofline'] as const)(
    'and a per-threshold DP on larger instances (%s model)',
    (model) => {
      const perf = PERF_MODELS[model];
      fc.assert(
        fc.property(larger, (instance) => {
          const problem = problemOf(instance);
          const frontier = paretoFrontier(problem, instance.batch, perf);
          expectValid(problem, instance.batch, perf, frontier);
          const exact = frontier.map((p): [number, number] => [
            p.throughputTokensPerSec,
            p.usdPerHour,
          ]);
          const reference = thresholdFrontier(problem, instance.batch, perf);
          expect(exact.length > 0).toBe(reference.length > 0);
          expect(matchedOrBeaten(exact, reference)).toEqual([]);
          expect(matchedOrBeaten(reference, exact)).toEqual([]);
          // Skipping provably dominated thresholds and covers changes no point, last bits included.
          expect(pointsOf(frontier)).toEqual(
            pointsOf(paretoFrontier(problem, instance.batch, perf, { allCandidates: true })),
          );
        }),
        { seed: 31, numRuns: 60 },
      );
    },
  );

  it.each(['seed', 'roofline'] as const)(
    'with the link filter on larger instances: placements in allowed orders (%s model)',
    (model) => {
      const perf = PERF_MODELS[model];
      fc.assert(
        fc.property(withLinks(larger), (instance) => {
          const problem = problemOf(instance);
          fc.pre(linksBelowPercentile(problem).below > 0);
          const frontier = paretoFrontier(problem, instance.batch, perf);
          expectValid(problem, instance.batch, perf, frontier);
          expect(pointsOf(frontier)).toEqual(
            pointsOf(paretoFrontier(problem, instance.batch, perf, { allCandidates: true })),
          );
        }),
        { seed: 31, numRuns: 40 },
      );
    },
  );
});
