import { slowestLink, typeLinks } from './links.js';
import {
  PLACEMENT_TERMS,
  type LlmProblem,
  type Placement,
  type PlacementTerms,
  type Stage,
} from './model.js';
import type { BatchPerf, PerfModel } from './perf/types.js';
import { TP_DEGREES, usdPerMillionTokens, withinBudgets } from './score.js';

/** Relative slack for figures a placement states that we recompute (sums in another order). */
const RELATIVE_TOLERANCE = 1e-9;

const close = (a: number, b: number): boolean =>
  Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * The pool entry a stage runs on: the one holding its first GPU when that entry has the stage's
 * GPU type (a pool may list one type in several rows), else the first entry of that type; −1
 * when the pool has no such type.
 */
function typeOf(problem: LlmProblem, stage: Stage): number {
  const first = stage.gpuIds[0];
  const owner = problem.types.findIndex(
    (t) => first !== undefined && first >= t.firstId && first < t.firstId + t.count,
  );
  if (owner >= 0 && problem.types[owner]!.name === stage.gpuType) return owner;
  return problem.types.findIndex((t) => t.name === stage.gpuType);
}

/**
 * What is wrong with one stage `k` on its own (its GPU type, TP group and layer count under the
 * performance model at this batch); `type` is its GPU type's index, or −1 when unknown.
 */
function stageErrors(
  problem: LlmProblem,
  perf: PerfModel,
  rated: BatchPerf,
  stage: Stage,
  k: number,
  type: number,
  terms: PlacementTerms,
): string[] {
  const at = terms.stage(k);
  if (type < 0) return [`${at}.${terms.gpuType}: "${stage.gpuType}" is not a GPU type of the pool`];
  const errors: string[] = [];
  const t = problem.types[type]!;
  if (!TP_DEGREES.includes(stage.tp))
    errors.push(`${at}.${terms.tp}: ${stage.tp} is not one of ${TP_DEGREES.join(', ')}`);
  if (stage.gpuIds.length !== stage.tp)
    errors.push(
      `${at}.${terms.tp}: ${stage.tp}, but ${terms.gpuIds} names ${stage.gpuIds.length} GPUs`,
    );
  for (const id of stage.gpuIds) {
    if (!Number.isInteger(id) || id < t.firstId || id >= t.firstId + t.count)
      errors.push(
        `${at}.${terms.gpuIds}: GPU ${id} is not a ${t.name} (those are ${t.firstId}…${t.firstId + t.count - 1})`,
      );
  }
  const layers = stage.endLayer - stage.startLayer + 1;
  const [fewest, most] = rated.layerRange(type, stage.tp);
  if (layers < problem.config.min_layers_per_stage)
    errors.push(`${at}: ${layers} layers, fewer than min_layers_per_stage`);
  if (layers < fewest || layers > most)
    errors.push(
      most < fewest
        ? `${at}: no layers fit on ${stage.tp} × ${t.name} at this batch`
        : `${at}: ${layers} layers do not fit on ${stage.tp} × ${t.name} at this batch (${fewest}…${most} do)`,
    );
  const sizes = perf.stageSizes(problem.config);
  if (sizes && !sizes.includes(layers))
    errors.push(`${at}: ${layers} layers is not an allowed segment size (${sizes.join(', ')})`);
  return errors;
}

/**
 * The strict checker of an answer at batch size `batch` under the performance model `perf`:
 * every reason it is not a valid placement (none when it is), its parts named by `terms` (those
 * of the file it was read from). Stages must cover layers 1 … N in
 * order, each a TP group of distinct GPUs of its own type, no GPU in two stages, no more stages
 * than max_pipeline_stages, each stage's layers fitting its GPUs' memory and the segment sizes;
 * consecutive stages on links the seed's percentile filter keeps (where it applies, see
 * links.ts); the stated $/h must be the pool's prices, the stated throughput no more than the
 * model gives with the stage's own TP links, the stated $ per million tokens their ratio, and
 * the config's budgets met.
 */
export function validatePlacement(
  problem: LlmProblem,
  perf: PerfModel,
  batch: number,
  placement: Placement,
  terms: PlacementTerms = PLACEMENT_TERMS,
): string[] {
  const { stages } = placement;
  const c = problem.config;
  if (stages.length === 0) return [`${terms.stages}: no stages`];
  const errors: string[] = [];
  if (stages.length > c.max_pipeline_stages)
    errors.push(
      `${terms.stages}: ${stages.length} stages, more than max_pipeline_stages ${c.max_pipeline_stages}`,
    );
  const rated = perf.atBatch(problem, batch);
  const types = stages.map((s) => typeOf(problem, s));
  const used = new Set<number>();
  let nextLayer = 1;
  stages.forEach((stage, k) => {
    const at = terms.stage(k);
    if (stage.startLayer !== nextLayer)
      errors.push(
        `${at}.${terms.startLayer}: ${stage.startLayer}; the stage must start at layer ${nextLayer}${k === 0 ? '' : `, after the previous stage's ${terms.endLayer} ${nextLayer - 1}`}`,
      );
    if (stage.endLayer < stage.startLayer)
      errors.push(
        `${at}.${terms.endLayer}: ${stage.endLayer}, before ${terms.startLayer} ${stage.startLayer}`,
      );
    nextLayer = stage.endLayer + 1;
    errors.push(...stageErrors(problem, perf, rated, stage, k, types[k]!, terms));
    for (const id of stage.gpuIds) {
      if (used.has(id)) errors.push(`${at}.${terms.gpuIds}: GPU ${id} is used twice`);
      used.add(id);
    }
  });
  if (nextLayer !== c.num_decoder_layers + 1)
    errors.push(
      `${terms.stage(stages.length - 1)}.${terms.endLayer}: ${nextLayer - 1}; the stages must end at the model's last layer, ${c.num_decoder_layers} (num_decoder_layers)`,
    );
  const allowed = typeLinks(problem);
  for (let k = 1; k < stages.length && allowed; k++) {
    const [a, b] = [types[k - 1]!, types[k]!];
    if (a >= 0 && b >= 0 && !allowed[a]![b])
      errors.push(
        `${terms.stage(k - 1)} → ${terms.stage(k)}: the ${stages[k - 1]!.gpuType} → ${stages[k]!.gpuType} link is below the bandwidth percentile`,
      );
  }
  if (errors.length > 0) return errors;
  return [
    ...claimErrors(problem, rated, placement, types, terms),
    ...budgetErrors(problem, placement),
  ];
}

/** The stated figures against the recomputed ones (for a placement whose stages are valid). */
function claimErrors(
  problem: LlmProblem,
  rated: BatchPerf,
  placement: Placement,
  types: readonly number[],
  terms: PlacementTerms,
): string[] {
  const errors: string[] = [];
  const usdPerHour = placement.stages.reduce(
    (sum, s, k) => sum + s.tp * problem.types[types[k]!]!.usdPerHour,
    0,
  );
  if (!close(placement.usdPerHour, usdPerHour))
    errors.push(
      `${terms.usdPerHour}: ${placement.usdPerHour}; the pool's prices give ${usdPerHour}`,
    );
  const slowestStage = Math.min(
    ...placement.stages.map((s, k) =>
      rated.stageTokensPerSec(
        types[k]!,
        s.tp,
        s.endLayer - s.startLayer + 1,
        slowestLink(problem, s.gpuIds),
      ),
    ),
  );
  const throughput = rated.endToEndTokensPerSec(slowestStage, placement.stages.length);
  if (placement.throughputTokensPerSec > throughput * (1 + RELATIVE_TOLERANCE))
    errors.push(
      `${terms.throughput}: ${placement.throughputTokensPerSec}; these stages run at ${throughput}`,
    );
  const perMillion = usdPerMillionTokens(placement.usdPerHour, placement.throughputTokensPerSec);
  /** $ per million tokens as `terms.costPerToken` states it: $ per `terms.tokens` tokens. */
  const stated = (usd: number): number => Number(((usd * terms.tokens) / 1e6).toPrecision(15));
  if (!close(placement.usdPerMillionTokens, perMillion))
    errors.push(
      `${terms.costPerToken}: ${stated(placement.usdPerMillionTokens)}; ${terms.usdPerHour} and ${terms.throughput} give ${stated(perMillion)}`,
    );
  return errors;
}

function budgetErrors(problem: LlmProblem, placement: Placement): string[] {
  return withinBudgets(problem, placement)
    ? []
    : ['over the config’s budget (max_hourly_cost, max_total_cost or max_total_runtime_hours)'];
}
