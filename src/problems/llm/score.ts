import type { LlmConfig, LlmProblem, Placement } from './model.js';

/** Tensor-parallel degrees a stage may use (the seed's: powers of two up to 8). */
export const TP_DEGREES = [1, 2, 4, 8];

/** Stage sizes allowed by the seed's segment quantization for N layers (null: any size). */
export function quantizedSizes(c: LlmConfig): number[] | null {
  if (!c.enable_segment_quantization) return null;
  const n = c.num_decoder_layers;
  const base =
    n <= 10
      ? [1, 5]
      : n <= 30
        ? [1, 5, 10, 15, 20]
        : n <= 40
          ? [1, 5, 10, 20, 30]
          : [1, 10, 20, 30, 40];
  return [...new Set([...base.filter((q) => q <= n), n])];
}

export function usdPerMillionTokens(usdPerHour: number, tokensPerSec: number): number {
  return (usdPerHour / (tokensPerSec * 3600)) * 1e6;
}

/**
 * The config's budgets, applied as the seed applies them (only when set below its sentinels):
 * $/h below 999, total cost and runtime for `total_tokens_to_process` below 999999.
 */
export function withinBudgets(
  problem: LlmProblem,
  p: Pick<Placement, 'usdPerHour' | 'throughputTokensPerSec'>,
): boolean {
  const c = problem.config;
  const runtimeHours = c.total_tokens_to_process / (p.throughputTokensPerSec * 3600);
  return (
    (c.max_hourly_cost >= 999 || p.usdPerHour <= c.max_hourly_cost) &&
    (c.max_total_cost >= 999999 || p.usdPerHour * runtimeHours <= c.max_total_cost) &&
    (c.max_total_runtime_hours >= 999999 || runtimeHours <= c.max_total_runtime_hours)
  );
}
