import { WHISPER_MODELS, type WhisperSize } from '../whisper.js';
import type { ColocateProblem } from '../model.js';

/** Decimals a share on the grid is written with. */
const SHARE_DECIMALS = 9;

/**
 * Memory shares a problem chooses from: k × utilizationStep for k = 1 … `gridSize`, written
 * with SHARE_DECIMALS decimals, without the float noise of the product (0.07, not
 * 0.07000000000000001).
 */
export function gridSize(problem: ColocateProblem): number {
  return Math.floor(1 / problem.utilizationStep + 1e-9);
}

export function gridValue(problem: ColocateProblem, k: number): number {
  return Number((k * problem.utilizationStep).toFixed(SHARE_DECIMALS));
}

/**
 * The last grid step whose share is at most `share`, or the step after it (the caller checks):
 * written to SHARE_DECIMALS decimals, a share may lie up to half the last decimal below
 * k × utilizationStep (a step of 1/3 gives 0.333333333), so that much slack is allowed.
 */
export function lastStepWithin(problem: ColocateProblem, share: number): number {
  const slack = 0.5 * 10 ** -SHARE_DECIMALS;
  return Math.min(gridSize(problem), Math.floor((share + slack) / problem.utilizationStep + 1e-9));
}

/** The problem's Whisper sizes, most accurate first (ties: the smaller model first). */
export function sizesByAccuracy(problem: ColocateProblem): WhisperSize[] {
  return [...problem.whisper.sizes].sort(
    (a, b) =>
      WHISPER_MODELS[a].werPercent - WHISPER_MODELS[b].werPercent ||
      WHISPER_MODELS[a].memGib - WHISPER_MODELS[b].memGib,
  );
}
