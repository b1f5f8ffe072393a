import type { PrismInstance, PrismProblem } from './model.js';
import { gpuTotals, kvpr, movedCount } from './score.js';

/** Memory sums are floating point: allow this relative slack before calling a GPU overfull. */
const MEMORY_TOLERANCE = 1e-9;

/**
 * Do `usedGb` of models overfill `memGb`? To MEMORY_TOLERANCE, so that decimal sizes
 * (0.1 + 0.2 GB on 0.3 GB) fit; the solvers count memory the same way.
 */
export function overfills(usedGb: number, memGb: number): boolean {
  return usedGb - memGb > MEMORY_TOLERANCE * memGb;
}

/** Does every GPU hold its models' memory? A complete assignment. */
export function fitsMemory(problem: PrismProblem, assignment: ArrayLike<number>): boolean {
  const { usedGb } = gpuTotals(problem, assignment);
  for (let g = 0; g < problem.gpuCount; g++)
    if (overfills(usedGb[g]!, problem.memGb[g]!)) return false;
  return true;
}

export interface ValidationReport {
  valid: boolean;
  /** Every broken constraint, in user terms (model names, GPU indices, GB). */
  errors: string[];
  /** KVPR per GPU, shape [gpuCount]; null when the placement is not a complete assignment. */
  kvpr: Float64Array | null;
  /** Worst GPU's KVPR; Infinity when the placement is invalid. */
  maxKvpr: number;
}

/**
 * Check an assignment (GPU index per model, input order): every model on an existing GPU,
 * memory respected on every GPU, and at most `maxMoves` models moved from `current`.
 */
export function validateAssignment(
  instance: PrismInstance,
  problem: PrismProblem,
  assignment: ArrayLike<unknown>,
): ValidationReport {
  const errors: string[] = [];
  const name = (i: number): string => `model "${instance.models[i]?.name ?? i}"`;
  if (assignment.length !== problem.modelCount) {
    errors.push(
      `the assignment has ${assignment.length} entries for ${problem.modelCount} models; every model must be placed exactly once`,
    );
    return { valid: false, errors, kvpr: null, maxKvpr: Infinity };
  }
  for (let i = 0; i < problem.modelCount; i++) {
    const g = assignment[i];
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= problem.gpuCount) {
      errors.push(
        g === -1 || g === null || g === undefined
          ? `${name(i)} is not placed`
          : `${name(i)} is on GPU ${String(g)}, which does not exist (GPUs are 0..${problem.gpuCount - 1})`,
      );
    }
  }
  if (errors.length) return { valid: false, errors, kvpr: null, maxKvpr: Infinity };
  const placed = assignment as ArrayLike<number>;
  const { load, usedGb } = gpuTotals(problem, placed);
  const perGpu = new Float64Array(problem.gpuCount);
  let max = 0;
  for (let g = 0; g < problem.gpuCount; g++) {
    const mem = problem.memGb[g]!;
    if (overfills(usedGb[g]!, mem)) {
      errors.push(`GPU ${g} holds ${round(usedGb[g]!)} GB of models but has ${round(mem)} GB`);
    }
    perGpu[g] = kvpr(load[g]!, mem - usedGb[g]!);
    if (perGpu[g]! > max) max = perGpu[g]!;
  }
  if (problem.current && Number.isFinite(problem.maxMoves)) {
    const moved = movedCount(problem.current, placed);
    if (moved > problem.maxMoves) {
      errors.push(`the placement moves ${moved} models, more than maxMoves ${problem.maxMoves}`);
    }
  }
  const valid = errors.length === 0;
  return { valid, errors, kvpr: perGpu, maxKvpr: valid ? max : Infinity };
}

/**
 * Check a placement given as the seed writes it: for each GPU, the list of model indices it
 * holds. Catches models placed twice or never, then checks the resulting assignment.
 */
export function validatePlacement(
  instance: PrismInstance,
  problem: PrismProblem,
  modelsPerGpu: readonly (readonly unknown[])[],
): ValidationReport {
  const errors: string[] = [];
  if (modelsPerGpu.length > problem.gpuCount) {
    errors.push(
      `the placement uses ${modelsPerGpu.length} GPUs but the instance has ${problem.gpuCount}`,
    );
  }
  const assignment = new Int32Array(problem.modelCount).fill(-1);
  modelsPerGpu.forEach((models, g) => {
    for (const m of models) {
      if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m >= problem.modelCount) {
        errors.push(`GPU ${g} lists model ${String(m)}, which does not exist`);
      } else if (assignment[m] !== -1) {
        errors.push(
          `model "${instance.models[m]!.name}" is placed twice (GPU ${assignment[m]} and GPU ${g})`,
        );
      } else {
        assignment[m] = g;
      }
    }
  });
  const rest = validateAssignment(instance, problem, assignment);
  const all = [...errors, ...rest.errors];
  return all.length ? { valid: false, errors: all, kvpr: null, maxKvpr: Infinity } : rest;
}

function round(gb: number): number {
  return Math.round(gb * 1000) / 1000;
}
