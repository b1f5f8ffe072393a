import type { CsvTable } from '../../../core/io.js';
import type { LlmConfig, LlmProblem } from '../model.js';

export const PERF_MODEL_NAMES = ['seed', 'roofline'] as const;
export type PerfModelName = (typeof PERF_MODEL_NAMES)[number];

/**
 * A performance model at one batch size, as the exact frontier needs it. For the frontier to stay
 * exact, a stage's throughput may depend only on (GPU type, TP degree, layers, batch, slowest TP
 * link), and the end-to-end throughput must be the slowest stage's times a factor of (stage
 * count, batch) alone. GPU types are indices into `problem.types`.
 */
export interface BatchPerf {
  /** Layers [min, max] one stage may hold on `tp` GPUs of `type`; none when max < min. */
  layerRange(type: number, tp: number): [number, number];
  /** Tokens per second of `layers` layers on `tp` GPUs of `type`, whose slowest link is `tpBandwidthGbps`. */
  stageTokensPerSec(type: number, tp: number, layers: number, tpBandwidthGbps: number): number;
  /** Tokens per second of a pipeline of `stages` stages whose slowest runs at `slowestStageTokensPerSec`. */
  endToEndTokensPerSec(slowestStageTokensPerSec: number, stages: number): number;
}

/**
 * A performance model (`--perf-model`): which GPU types it can rate, how it prices a GPU the pool
 * gives no price for, which stage sizes it allows, and its figures at each batch size.
 */
export interface PerfModel {
  readonly name: PerfModelName;
  /** Why the model cannot rate `gpuType` with `memoryGb` of memory, or null when it can. */
  gpuProblem(gpuType: string, memoryGb: number): string | null;
  /**
   * Hourly price of one `gpuType` GPU from `cloud_instances_specs.csv` at `provider`, or undefined
   * when the list has none.
   */
  price(list: CsvTable, provider: string, gpuType: string, memoryGb: number): number | undefined;
  /** How `price` matches an offer, as messages about a missing price complete "prices …". */
  readonly priceRule: string;
  /** Stage sizes (layers) allowed by the config, or null when any size is. */
  stageSizes(config: LlmConfig): number[] | null;
  atBatch(problem: LlmProblem, batch: number): BatchPerf;
}
