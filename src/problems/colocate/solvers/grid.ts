import { WHISPER_MODELS, type WhisperSize } from '../whisper.js';
import type { ColocateProblem } from '../model.js';

/**
 * Memory shares a problem chooses from: k × utilizationStep for k = 1 … `gridSize`, written
 * without the float noise of the product (0.07, not 0.07000000000000001).
 */
export function gridSize(problem: ColocateProblem): number {
  return Math.floor(1 / problem.utilizationStep + 1e-9);
}

export function gridValue(problem: ColocateProblem, k: number): number {
  return Number((k * problem.utilizationStep).toFixed(9));
}

/** The problem's Whisper sizes, most accurate first (ties: the smaller model first). */
export function sizesByAccuracy(problem: ColocateProblem): WhisperSize[] {
  return [...problem.whisper.sizes].sort(
    (a, b) =>
      WHISPER_MODELS[a].werPercent - WHISPER_MODELS[b].werPercent ||
      WHISPER_MODELS[a].memGib - WHISPER_MODELS[b].memGib,
  );
}
