import type { LlmConfig } from './model.js';

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
