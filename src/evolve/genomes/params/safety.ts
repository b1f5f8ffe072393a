import { inRange, onGrid } from './grid.js';
import { normaliseNumber, sameValue } from './key.js';
import type { ParamSpec, ParamValue, Params, Safety, SearchSpace } from './space.js';

/** Whether a configuration may be evaluated, and if not, the first reason why. */
export type SafetyVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Check a configuration before it is evaluated: every parameter of the space present, each
 * value one of its parameter's values (type, range, grid) and within its safety bounds, and
 * no parameter the space does not declare.
 */
export function isSafe(space: SearchSpace, params: Params): SafetyVerdict {
  for (const name of Object.keys(params)) {
    if (!(name in space)) return unsafe(name, 'is not a parameter of the search space');
  }
  for (const [name, spec] of Object.entries(space)) {
    if (!(name in params)) return unsafe(name, 'is missing');
    const value = params[name]!;
    const problem = valueProblem(spec, value);
    if (problem) return unsafe(name, problem);
  }
  return { ok: true };
}

function unsafe(name: string, what: string): SafetyVerdict {
  return { ok: false, reason: `${name} ${what}` };
}

/** Why `value` may not be used for this parameter, or null when it may. */
function valueProblem(spec: ParamSpec, value: ParamValue): string | null {
  const shown = JSON.stringify(value);
  if (spec.type === 'choice') {
    if (!spec.values.some((v) => sameValue(v, value))) {
      return `= ${shown} is not one of ${JSON.stringify(spec.values)}`;
    }
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `= ${shown} is not a finite number`;
  } else if (!inRange(spec, value)) {
    return `= ${value} is outside the range [${spec.min}, ${spec.max}]`;
  } else if (!onGrid(spec, value)) {
    return `= ${value} is not on the grid ${spec.min} + k·${spec.step ?? 1}`;
  }
  return safetyProblem(spec.safety, value);
}

/** Why `value` breaks the safety bounds (range membership aside), or null when it does not. */
export function safetyProblem(safety: Safety | undefined, value: ParamValue): string | null {
  if (!safety) return null;
  if (safety.allowed && !safety.allowed.some((a) => sameValue(a, value))) {
    return `= ${JSON.stringify(value)} is not among the safety's allowed values ${JSON.stringify(safety.allowed)}`;
  }
  if (typeof value !== 'number') return null;
  const v = normaliseNumber(value);
  if (safety.min !== undefined && v < normaliseNumber(safety.min)) {
    return `= ${value} is below the safety minimum ${safety.min}`;
  }
  if (safety.max !== undefined && v > normaliseNumber(safety.max)) {
    return `= ${value} is above the safety maximum ${safety.max}`;
  }
  return null;
}
