import {
  incorrectAnswers,
  type CaseSet,
  type ProgramTaskSpec,
  type ScoredAnswers,
} from '../../core/program-task.js';
import { DEFAULT_TRACE, generateTrace } from './generate.js';
import { parseLoadHistory, type LoadMatrix, type Shape } from './model.js';
import { assemblePlan, ranksInSlotOrder } from './plan.js';
import { balancedness } from './score.js';
import { checkPlan } from './validate.js';

/** A DeepSeek-like trace, scaled down so one evaluation takes well under a second. */
const TRACE = { ...DEFAULT_TRACE, layers: 8, experts: 64, steps: 600 };
const SEEDS: Record<CaseSet, number> = { run: 7, holdout: 8 };
const SHAPE: Shape = { replicas: 80, groups: 8, nodes: 2, gpus: 8 };
const WINDOW = 100;

/** Build and check the plan of one answer (phy2log rows); errors in words for the LLM. */
function planOf(
  answer: unknown,
  window: LoadMatrix,
): { plan: ReturnType<typeof assemblePlan> } | { error: string } {
  const { layers, experts } = window;
  if (!Array.isArray(answer) || answer.length !== layers)
    return { error: `expected phy2log with ${layers} rows (one per layer)` };
  const phy2log = new Int32Array(layers * SHAPE.replicas);
  for (let l = 0; l < layers; l++) {
    const row: unknown = answer[l];
    if (!Array.isArray(row) || row.length !== SHAPE.replicas)
      return { error: `phy2log[${l}] must list ${SHAPE.replicas} slots` };
    for (let s = 0; s < SHAPE.replicas; s++) {
      const e: unknown = row[s];
      if (typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e >= experts)
        return {
          error: `phy2log[${l}][${s}] = ${String(e)} is not an expert id 0..${experts - 1}`,
        };
      phy2log[l * SHAPE.replicas + s] = e;
    }
  }
  const { phyRank, logcnt } = ranksInSlotOrder(layers, experts, SHAPE.replicas, phy2log);
  const plan = assemblePlan(layers, experts, SHAPE.replicas, phy2log, phyRank, logcnt);
  const errors = checkPlan(plan, SHAPE, false);
  return errors.length ? { error: errors.slice(0, 3).join('; ') } : { plan };
}

/**
 * Score plans made on windows 0..n−2 against the window after each: per-GPU balancedness
 * (Σ mean / Σ max over all layers and rebalances) is the combined score.
 */
export function scoreEplbAnswers(windows: LoadMatrix[], answers: unknown[]): ScoredAnswers {
  let perGpu = 0;
  let perSlot = 0;
  for (let i = 0; i + 1 < windows.length; i++) {
    const built = planOf(answers[i], windows[i]!);
    if ('error' in built) return incorrectAnswers(`rebalance ${i}: ${built.error}`);
    const b = balancedness(built.plan, windows[i + 1]!, SHAPE.gpus, SHAPE.nodes);
    perGpu += b.perGpu;
    perSlot += b.perSlot;
  }
  const n = windows.length - 1;
  return {
    correct: true,
    combinedScore: perGpu / n,
    public: { perGpuBalancedness: perGpu / n, perSlotBalancedness: perSlot / n },
    textFeedback: `mean per-GPU balancedness on the next window ${(perGpu / n).toFixed(4)} (1 is perfect)`,
  };
}

/** EPLB as an evolution task: plan each window of a seeded trace, scored on the next one. */
export function eplbTask(set: CaseSet = 'run'): ProgramTaskSpec {
  const trace = generateTrace({ ...TRACE, seed: SEEDS[set] });
  const windows = parseLoadHistory(trace, 'generated trace', WINDOW);
  const rows = (w: LoadMatrix): number[][] =>
    Array.from({ length: w.layers }, (_, l) =>
      Array.from(w.data.subarray(l * w.experts, (l + 1) * w.experts)),
    );
  return {
    name: 'eplb',
    description:
      'EPLB: MoE expert load balancing. Given the recorded tokens per expert of every layer over ' +
      `one window, assign each of ${SHAPE.replicas} physical slots on ${SHAPE.gpus} GPUs ` +
      `(${SHAPE.nodes} nodes, ${SHAPE.groups} expert groups) one expert so that every expert has a ` +
      'replica. The plan is scored on the NEXT window: each replica takes load / replicas of its ' +
      'expert; the score is per-GPU balancedness (mean GPU load / max GPU load, 1 is perfect). ' +
      'Export `rebalance(load, replicas, groups, nodes, gpus)` returning phy2log [layers][replicas].',
    entry: 'rebalance',
    inputs: windows
      .slice(0, -1)
      .map((w) => [rows(w), SHAPE.replicas, SHAPE.groups, SHAPE.nodes, SHAPE.gpus]),
    score: (answers) => scoreEplbAnswers(windows, answers),
  };
}
