import { nearMiss } from '../core/near-miss.js';
import { shownValue } from '../core/schema.js';
import type { ParamSpec, ParamValue, SearchSpace } from '../evolve/genomes/params/index.js';
import { inRange, onGrid } from '../evolve/genomes/params/grid.js';
import { sameValue } from '../evolve/genomes/params/key.js';
import { safetyProblem } from '../evolve/genomes/params/safety.js';

/** One mistake of a baseline: the key under `baseline` and what is wrong with its value. */
export interface BaselineProblem {
  key: string;
  message: string;
}

/**
 * What keeps a baseline from being evaluated first, per key: a parameter the search space does
 * not declare, one it leaves out, a value that is not one of its parameter's values (type,
 * choice, range, grid) or one outside its safety bounds (the run never evaluates such a
 * configuration, so the baseline would be dropped without a word).
 */
export function baselineProblems(
  baseline: Record<string, ParamValue>,
  space: SearchSpace,
): BaselineProblem[] {
  const params = Object.keys(space);
  const problems: BaselineProblem[] = [];
  for (const key of Object.keys(baseline))
    if (!Object.hasOwn(space, key)) {
      const meant = nearMiss(key, params);
      problems.push({
        key,
        message: `"${key}" is not a parameter of search_space${meant ? `; did you mean "${meant}"?` : ` (parameters: ${params.join(', ')})`}`,
      });
    }
  for (const [key, spec] of Object.entries(space)) {
    if (!Object.hasOwn(baseline, key)) {
      problems.push({ key, message: `the baseline gives no value for "${key}"` });
      continue;
    }
    const message = valueProblem(spec, baseline[key]!);
    if (message) problems.push({ key, message });
  }
  return problems;
}

/** Why `value` cannot be the baseline's setting of a parameter, or null when it can. */
function valueProblem(spec: ParamSpec, value: ParamValue): string | null {
  const shown = shownValue(value);
  if (spec.type === 'choice') {
    if (!spec.values.some((v) => sameValue(v, value)))
      return `${shown} is not one of the values ${spec.values.map(shownValue).join(', ')}`;
  } else if (typeof value !== 'number') {
    return `${shown} is not a number; expected ${spec.type === 'int' ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}]`;
  } else if (!inRange(spec, value)) {
    return `${shown} is outside the range [${spec.min}, ${spec.max}]`;
  } else if (!onGrid(spec, value)) {
    return `${shown} is not on the grid ${spec.min} + k·${spec.step ?? 1}`;
  }
  if (safetyProblem(spec.safety, value) === null) return null;
  return `${shown} is outside the safety bounds ${JSON.stringify(spec.safety)}, so the run would never evaluate it; give a safe baseline or widen the bounds`;
}
