import type { ColocateProblem } from '../model.js';
import { compareConfigurations } from '../score.js';
import { keepsMargin, validateColocation, type ColocateReport } from '../validate.js';
import { WHISPER_MODELS, type WhisperSize } from '../whisper.js';
import { ONE_BYTE_GIB, resolveGpu } from '../evaluate.js';
import { gridValue, lastStepWithin, sizesByAccuracy } from './grid.js';
import type { ColocateResult } from './types.js';

/**
 * The largest grid step k whose share leaves Whisper, the CUDA contexts, the other tenants and
 * the safety margin their memory: (total − all of those) / total, floored to the grid, with the
 * byte of slack the validator allows. Checked by the validator in case rounding put it a step
 * too high. 0 when none does.
 */
function largestStep(problem: ColocateProblem, whisperSize: WhisperSize, check: Check): number {
  const totalGib = resolveGpu(problem.gpu).memGib;
  const othersGib =
    2 * problem.cudaContextGib +
    WHISPER_MODELS[whisperSize].memGib +
    problem.otherProcessesGib +
    problem.safetyMarginGib;
  let k = lastStepWithin(problem, (totalGib - othersGib + ONE_BYTE_GIB) / totalGib);
  while (k >= 1 && !keepsMargin(check(k, whisperSize).metrics, problem.safetyMarginGib)) k--;
  return Math.max(k, 0);
}

/** The validator's report on grid step k with a Whisper size. */
type Check = (k: number, whisperSize: WhisperSize) => ColocateReport;

/**
 * A Check of `problem` that evaluates each configuration once (the largest step, the bisection
 * and the answer meet on the same steps), counting the evaluations.
 */
function checker(problem: ColocateProblem): { check: Check; evaluations: () => number } {
  const reports = new Map<string, ColocateReport>();
  const check: Check = (k, whisperSize) => {
    const key = `${whisperSize} ${k}`;
    let report = reports.get(key);
    if (!report) {
      report = validateColocation(problem, {
        gpuMemoryUtilization: gridValue(problem, k),
        whisperSize,
      });
      reports.set(key, report);
    }
    return report;
  };
  return { check, evaluations: () => reports.size };
}

/**
 * The closed form. For one Whisper size, free memory falls and vLLM's capacity grows (weakly)
 * with its share, so the valid shares are an interval ending at the largest that keeps the
 * margin; the best of them is the smallest share with the capacity of the largest (found by
 * bisection: capacity is monotone). Then the best over the sizes offered. Equal to the
 * exhaustive search (tested), in a handful of evaluations.
 */
export function solveHeadroom(problem: ColocateProblem): ColocateResult {
  let best: ColocateResult = { solution: null, report: null, evaluations: 0, explanation: null };
  const { check, evaluations } = checker(problem);
  for (const whisperSize of sizesByAccuracy(problem)) {
    const top = largestStep(problem, whisperSize, check);
    if (top < 1) continue;
    const atTop = check(top, whisperSize);
    if (!atTop.valid) continue;
    let [low, high] = [1, top];
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (check(mid, whisperSize).metrics.capacity >= atTop.metrics.capacity) high = mid;
      else low = mid + 1;
    }
    const solution = { gpuMemoryUtilization: gridValue(problem, low), whisperSize };
    const report = check(low, whisperSize);
    if (!best.report || compareConfigurations(report.metrics, best.report.metrics) < 0)
      best = { solution, report, evaluations: 0, explanation: null };
  }
  const explanation = best.solution ? null : explainInfeasible(problem, check);
  return { ...best, evaluations: evaluations(), explanation };
}

/**
 * Why a problem has no valid configuration, in one sentence: what the smallest Whisper offered
 * meets at the largest share of vLLM's that keeps the safety margin (the configuration closest
 * to valid on every count but accuracy), or that no share keeps the margin at all.
 */
export function explainInfeasible(
  problem: ColocateProblem,
  check: Check = checker(problem).check,
): string {
  const smallest = [...problem.whisper.sizes].sort(
    (a, b) => WHISPER_MODELS[a].memGib - WHISPER_MODELS[b].memGib,
  )[0]!;
  const top = largestStep(problem, smallest, check);
  if (top < 1)
    return `with Whisper ${smallest}, no share for vLLM leaves the safety margin of ${problem.safetyMarginGib} GiB free`;
  const share = gridValue(problem, top);
  return `with Whisper ${smallest} and the largest share that keeps the margin (${share}): ${check(top, smallest).errors.join('; ')}`;
}
