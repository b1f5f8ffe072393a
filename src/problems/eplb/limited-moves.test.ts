import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eplbCaseArb } from '../../../test/support/eplb-cases.js';
import { improveWithinBudget } from './limited-moves.js';
import { migrate } from './migrate.js';
import type { Plan } from './model.js';
import { movedReplicas } from './score.js';
import { ALGOS, keepsLocality, REBALANCERS } from './solvers/index.js';
import { checkPlan } from './validate.js';

/** Heaviest GPU load of one layer of `slots` under `load`, replicas sharing their expert's load. */
function maxGpuLoad(slots: Int32Array, load: Float64Array, gpus: number): number {
  const count = new Int32Array(load.length);
  for (const e of slots) count[e]!++;
  const gpuLoad = new Float64Array(gpus);
  const perGpu = slots.length / gpus;
  slots.forEach((e, s) => (gpuLoad[Math.floor(s / perGpu)]! += load[e]! / count[e]!));
  return Math.max(...gpuLoad);
}

/** Replicas of one expert that share a GPU with another replica of it, in one layer. */
function doubledReplicas(slots: Int32Array, gpus: number): number {
  const perGpu = slots.length / gpus;
  let doubled = 0;
  for (let g = 0; g < gpus; g++) {
    const onGpu = slots.subarray(g * perGpu, (g + 1) * perGpu);
    doubled += onGpu.length - new Set(onGpu).size;
  }
  return doubled;
}

const layerOf = (plan: Plan, l: number): Int32Array =>
  plan.phy2log.subarray(l * plan.replicas, (l + 1) * plan.replicas);

describe('eplb --max-moves: the deployed plan improved within a copy budget', () => {
  it.each(ALGOS)(
    '%s: invariants and locality kept, no layer over budget; one the new plan cannot reach is no heavier than deployed',
    (algo) => {
      fc.assert(
        fc.property(eplbCaseArb, fc.integer({ min: 0, max: 6 }), (c, maxMoves) => {
          const { shape, load, history } = c;
          const locality = keepsLocality(algo, shape);
          const deployed = REBALANCERS[algo](history[0]!, shape);
          const next = REBALANCERS[algo](load, shape, history);
          const plan = migrate(next, deployed, shape, { maxMoves, load, locality });
          expect(checkPlan(plan, shape, locality)).toEqual([]);
          const moved = movedReplicas(deployed, plan);
          const aligned = migrate(next, deployed, shape);
          const alignedMoves = movedReplicas(deployed, aligned);
          for (let l = 0; l < load.layers; l++) {
            expect(moved[l]).toBeLessThanOrEqual(maxMoves);
            // A layer the new plan changes within the budget is the new plan's.
            if (alignedMoves[l]! <= maxMoves) {
              expect(layerOf(plan, l)).toEqual(layerOf(aligned, l));
              continue;
            }
            const row = load.data.subarray(l * load.experts, (l + 1) * load.experts);
            const before = layerOf(deployed, l);
            const after = layerOf(plan, l);
            expect(maxGpuLoad(after, row, shape.gpus)).toBeLessThanOrEqual(
              maxGpuLoad(before, row, shape.gpus) * (1 + 1e-12),
            );
            // Changes never put a second replica of an expert on a GPU.
            expect(doubledReplicas(after, shape.gpus)).toBeLessThanOrEqual(
              doubledReplicas(before, shape.gpus),
            );
          }
        }),
        { seed: 7, numRuns: 120 },
      );
    },
  );

  it('spends copies where they lower the heaviest GPU most', () => {
    // Two GPUs of two slots; the deployed layer stacks the two hot experts on GPU 0.
    const load = Float64Array.from([90, 60, 10, 10]);
    const deployed = Int32Array.from([0, 1, 2, 3]);
    expect(maxGpuLoad(deployed, load, 2)).toBe(150);
    // Every expert has one replica, so no single copy can help: only a swap (two copies).
    const one = improveWithinBudget(deployed, load, 2, 1, false, 1);
    expect(one).toEqual(deployed);
    const two = improveWithinBudget(deployed, load, 2, 1, false, 2);
    expect(Array.from(two)).toEqual([2, 1, 0, 3]);
    expect(maxGpuLoad(two, load, 2)).toBe(100);
    expect(improveWithinBudget(deployed, load, 2, 1, false, 0)).toEqual(deployed);
  });

  it('gives a hot expert a second replica for one copy, within its node', () => {
    // Two nodes of two GPUs, two slots each; expert 0 is hot, experts 1 and 2 have two replicas.
    const load = Float64Array.from([100, 10, 10, 5, 5, 5]);
    const deployed = Int32Array.from([0, 1, 1, 2, 3, 4, 5, 3]);
    const one = improveWithinBudget(deployed, load, 4, 2, true, 1);
    // GPU 1 holds 1 and 2; one of expert 1's replicas gives way to expert 0.
    expect(Array.from(one.subarray(0, 4)).sort()).toEqual([0, 0, 1, 2]);
    expect(Array.from(one.subarray(4))).toEqual([3, 4, 5, 3]);
    expect(maxGpuLoad(one, load, 4)).toBe(60);
  });
});
