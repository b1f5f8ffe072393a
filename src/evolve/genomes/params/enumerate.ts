import { UserError } from '../../../core/errors.js';
import { gridCount, gridValue, paramSize } from './grid.js';
import type { ParamSpec, ParamValue, Params, SearchSpace } from './space.js';

/** Most configurations {@link enumerate} lists: beyond it, exhaustive evaluation is no plan. */
export const MAX_ENUMERATED = 1_000_000;

/** Number of configurations on the grid; null when some real parameter has no step. */
export function spaceSize(space: SearchSpace): number | null {
  let size = 1;
  for (const spec of Object.values(space)) {
    const count = paramSize(spec);
    if (count === null) return null;
    size *= count;
  }
  return size;
}

/**
 * Every configuration of a finite space, in the space's parameter order with the last
 * parameter varying fastest. Throws a UserError for a real parameter without step or for
 * more than {@link MAX_ENUMERATED} configurations.
 */
export function enumerate(space: SearchSpace): Params[] {
  const entries = Object.entries(space);
  const continuous = entries.find(([, spec]) => paramSize(spec) === null);
  if (continuous) {
    throw new UserError(
      `${continuous[0]} is a real range without step, so the space has no finite grid; give it a step`,
    );
  }
  const size = spaceSize(space)!;
  if (size > MAX_ENUMERATED) {
    throw new UserError(
      `the search space has ${size} configurations, more than the ${MAX_ENUMERATED} that can be enumerated; coarsen its steps`,
    );
  }
  const axes = entries.map(([name, spec]) => ({ name, values: valuesOf(spec) }));
  const index = axes.map(() => 0);
  const out: Params[] = [];
  for (let i = 0; i < size; i++) {
    const params: Params = {};
    axes.forEach(({ name, values }, a) => (params[name] = values[index[a]!]!));
    out.push(params);
    for (let a = axes.length - 1; a >= 0 && ++index[a]! === axes[a]!.values.length; a--) {
      index[a] = 0;
    }
  }
  return out;
}

/** All values of a parameter with a finite grid. */
function valuesOf(spec: ParamSpec): ParamValue[] {
  if (spec.type === 'choice') return spec.values;
  if (spec.min === spec.max) return [spec.min];
  return Array.from({ length: gridCount(spec)! }, (_, k) => gridValue(spec, k));
}
