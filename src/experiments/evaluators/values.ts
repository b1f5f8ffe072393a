import type { ParamSpec, ParamValue, SearchSpace } from '../../evolve/genomes/params/index.js';
import { safetyProblem } from '../../evolve/genomes/params/safety.js';

/** The parts of a spec that an evaluator's checks look at. */
export interface CheckedSpec {
  search_space: SearchSpace;
}

/**
 * Values of a parameter to try on an evaluator before a run, so that one it refuses stops the
 * run before it starts: every choice within the safety bounds; for a range, its ends (narrowed
 * by the safety bounds) and, for a continuous real, a point inside that is no round number
 * (an integer field refuses it). A field's accepted values being an interval, the ends stand
 * for every value between them.
 */
export function valuesToTry(spec: ParamSpec): ParamValue[] {
  if (spec.type === 'choice')
    return spec.values.filter((value) => safetyProblem(spec.safety, value) === null);
  const { safety } = spec;
  if (safety?.allowed)
    return safety.allowed.filter(
      (v) =>
        typeof v === 'number' &&
        v >= spec.min &&
        v <= spec.max &&
        safetyProblem(safety, v) === null,
    );
  const low = Math.max(spec.min, safety?.min ?? -Infinity);
  const high = Math.min(spec.max, safety?.max ?? Infinity);
  if (low > high) return [];
  const values = low === high ? [low] : [low, high];
  if (spec.type === 'real' && spec.step === undefined && low < high)
    values.push(low + (high - low) / Math.PI);
  return values;
}

/** `names` as a list for a message, or `none`. */
export function listed(names: Iterable<string>): string {
  const list = [...names];
  return list.length > 0 ? list.join(', ') : 'none';
}
