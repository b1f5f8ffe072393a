import type { ColocateProblem } from '../model.js';
import { compareConfigurations } from '../score.js';
import { validateColocation } from '../validate.js';
import { gridSize, gridValue, sizesByAccuracy } from './grid.js';
import { explainInfeasible } from './headroom.js';
import type { ColocateResult } from './types.js';

/**
 * Every memory share on the grid with every Whisper size offered, each through the strict
 * validator: the best valid one is optimal on the grid by enumeration (ties: the smaller share,
 * then the more accurate size). The reference the closed form is tested against.
 */
export function solveExhaustive(problem: ColocateProblem): ColocateResult {
  let best: ColocateResult = { solution: null, report: null, evaluations: 0, explanation: null };
  let evaluations = 0;
  for (const whisperSize of sizesByAccuracy(problem)) {
    for (let k = 1; k <= gridSize(problem); k++) {
      const solution = { gpuMemoryUtilization: gridValue(problem, k), whisperSize };
      const report = validateColocation(problem, solution);
      evaluations++;
      if (!report.valid) continue;
      if (!best.report || compareConfigurations(report.metrics, best.report.metrics) < 0)
        best = { solution, report, evaluations: 0, explanation: null };
    }
  }
  return { ...best, evaluations, explanation: best.solution ? null : explainInfeasible(problem) };
}
