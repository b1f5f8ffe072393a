import { elapsedMs, mean, quantile } from '../../core/timing.js';
import { forecastLoad, type Forecast } from './forecast.js';
import { migrate } from './migrate.js';
import type { LoadMatrix, Plan, Shape } from './model.js';
import { balancedness, movedReplicas, type Balancedness } from './score.js';
import { groupsToNodes } from './solvers/balanced.js';
import { keepsLocality, REBALANCERS, type Algo } from './solvers/index.js';
import { checkPlan } from './validate.js';

export interface ReplayOptions {
  algo: Algo;
  forecast: Forecast;
  emaAlpha: number;
  /** Per layer, at most this many replicas copied between consecutive plans (null: no limit). */
  maxMoves: number | null;
}

/**
 * One algorithm replayed over a trace: plan on windows ≤ i, score on window i + 1. Each plan is
 * aligned to the one before (and move-limited), as a serving engine would deploy it.
 */
export interface ReplayResult extends Omit<ReplayOptions, 'emaAlpha'> {
  /** The `ema` forecast's weight; null under the other forecasts, which it does not weigh. */
  emaAlpha: number | null;
  rebalances: number;
  /** Mean balancedness on the next window (what serving feels). */
  outOfSample: Balancedness;
  /** Mean balancedness on the window the plan was made from. */
  inSample: Balancedness;
  /** Replicas whose slot changes expert between consecutive plans, mean per layer. */
  movedPerLayer: number;
  medianMs: number;
  meanMs: number;
  /** Broken invariants over all plans (0 for a correct algorithm). */
  invariantErrors: number;
}

function meanBalancedness(values: Balancedness[]): Balancedness {
  return {
    perSlot: mean(values.map((v) => v.perSlot)),
    perGpu: mean(values.map((v) => v.perGpu)),
    perNode: mean(values.map((v) => v.perNode)),
  };
}

/**
 * Replay every window pair of a trace through one algorithm and forecast; `onRebalance` is told
 * the number of rebalances done so far.
 */
export function replay(
  windows: readonly LoadMatrix[],
  shape: Shape,
  options: ReplayOptions,
  onRebalance: (done: number) => void = () => {},
): ReplayResult {
  const outOfSample: Balancedness[] = [];
  const inSample: Balancedness[] = [];
  const times: number[] = [];
  const moved: number[] = [];
  let invariantErrors = 0;
  let previous: Plan | null = null;
  for (let i = 0; i + 1 < windows.length; i++) {
    const history = windows.slice(0, i + 1);
    const load = forecastLoad(history, options.forecast, options.emaAlpha);
    const locality = keepsLocality(options.algo, shape);
    const start = performance.now();
    const fresh = REBALANCERS[options.algo](load, shape, history);
    times.push(elapsedMs(start));
    const limit =
      options.maxMoves === null ? undefined : { maxMoves: options.maxMoves, load, locality };
    const plan: Plan = previous ? migrate(fresh, previous, shape, limit) : fresh;
    invariantErrors += checkPlan(plan, shape, locality).length;
    outOfSample.push(balancedness(plan, windows[i + 1]!, shape.gpus, shape.nodes));
    inSample.push(balancedness(plan, windows[i]!, shape.gpus, shape.nodes));
    if (previous) moved.push(mean(Array.from(movedReplicas(previous, plan))));
    previous = plan;
    onRebalance(i + 1);
  }
  return {
    ...options,
    emaAlpha: options.forecast === 'ema' ? options.emaAlpha : null,
    rebalances: outOfSample.length,
    outOfSample: meanBalancedness(outOfSample),
    inSample: meanBalancedness(inSample),
    movedPerLayer: moved.length ? mean(moved) : 0,
    medianMs: quantile(times, 0.5),
    meanMs: mean(times),
    invariantErrors,
  };
}

/**
 * Per-GPU ceilings with perfect knowledge of the next window: hierarchical (groups packed onto
 * nodes for that window, then load spread perfectly over each node's GPUs) and global (load
 * spread perfectly over all GPUs: 1 by construction, reported for completeness).
 */
export function ceilings(
  windows: readonly LoadMatrix[],
  shape: Shape,
): { hierarchical: number; global: number } {
  const values: number[] = [];
  for (let i = 1; i < windows.length; i++) {
    const { layers, experts, data } = windows[i]!;
    const groupSize = experts / shape.groups;
    const groupsPerNode = shape.groups / shape.nodes;
    let meanSum = 0;
    let maxSum = 0;
    for (let l = 0; l < layers; l++) {
      const groupLoad = new Float64Array(shape.groups);
      for (let e = 0; e < experts; e++)
        groupLoad[Math.floor(e / groupSize)]! += data[l * experts + e]!;
      const nodeGroups = groupsToNodes(groupLoad, shape.nodes);
      let total = 0;
      let maxNode = 0;
      for (let n = 0; n < shape.nodes; n++) {
        let node = 0;
        for (let k = 0; k < groupsPerNode; k++)
          node += groupLoad[nodeGroups[n * groupsPerNode + k]!]!;
        total += node;
        maxNode = Math.max(maxNode, node);
      }
      meanSum += total / shape.gpus;
      maxSum += maxNode / (shape.gpus / shape.nodes);
    }
    values.push(maxSum > 0 ? meanSum / maxSum : 1);
  }
  return { hierarchical: shape.groups % shape.nodes === 0 ? mean(values) : 1, global: 1 };
}
