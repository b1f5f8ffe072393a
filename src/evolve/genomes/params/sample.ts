import type { Rng } from '../../../core/rng.js';
import { fromUnit, gridCount, gridValue, snap } from './grid.js';
import type { ParamSpec, ParamValue, Params, SearchSpace } from './space.js';

/** A uniform draw of one parameter's value (uniform in log space when `log`), on its grid. */
export function randomValue(spec: ParamSpec, rng: Rng): ParamValue {
  if (spec.type === 'choice') return spec.values[Math.floor(rng.float() * spec.values.length)]!;
  if (spec.log) return snap(spec, fromUnit(spec, rng.float()));
  const count = gridCount(spec);
  if (count === null) return snap(spec, rng.uniform(spec.min, spec.max));
  return gridValue(spec, Math.floor(rng.float() * count));
}

/** A random configuration: every parameter drawn by {@link randomValue}; safety is not applied. */
export function randomParams(space: SearchSpace, rng: Rng): Params {
  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) params[name] = randomValue(spec, rng);
  return params;
}
