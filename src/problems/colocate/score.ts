import type { ColocationMetrics } from './evaluate.js';

/**
 * What makes one valid configuration better than another, in order: more concurrent LLM
 * sequences (vLLM's capacity), then a more accurate Whisper (lower WER), then more free memory
 * (the safety margin is a floor, not a target: what is left protects against a spike). Returns
 * a negative number when `a` is better, positive when `b` is, 0 when they tie.
 */
export function compareConfigurations(a: ColocationMetrics, b: ColocationMetrics): number {
  return (
    b.capacity - a.capacity ||
    a.whisperWerPercent - b.whisperWerPercent ||
    b.memory.headroomGib - a.memory.headroomGib
  );
}
