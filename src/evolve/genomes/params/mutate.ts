import type { Rng } from '../../../core/rng.js';
import { fromUnit, gridCount, gridIndex, gridValue, isVariable, snap, toUnit } from './grid.js';
import { sameValue } from './key.js';
import type {
  ChoiceParam,
  NumericParam,
  ParamSpec,
  ParamValue,
  Params,
  SearchSpace,
} from './space.js';

/** Default mutation strength: the nudge's standard deviation as a fraction of the range. */
export const DEFAULT_MUTATION_STRENGTH = 0.1;

/** Draws after which a continuous nudge that keeps landing on the parent's value gives up. */
const CONTINUOUS_RETRIES = 8;

/**
 * A child of `parent` that differs from it in at least one parameter. One variable parameter
 * (one with more than one value) is always changed, each other one with probability 1/m
 * (m = number of variable parameters). A numeric parameter gets a Gaussian nudge with
 * sigma = `strength` × its range (measured in log space when `log`), snapped to its grid
 * and clamped into the range; a nudge too small to move it goes one grid step instead. A
 * choice swaps to a different value. Returns null when the space has a single point.
 */
export function mutate(
  space: SearchSpace,
  parent: Params,
  rng: Rng,
  strength = DEFAULT_MUTATION_STRENGTH,
): Params | null {
  if (!(strength >= 0 && Number.isFinite(strength))) {
    throw new RangeError(`mutation strength must be a finite number >= 0, got ${strength}`);
  }
  const variable = Object.keys(space).filter((name) => isVariable(space[name]!));
  if (variable.length === 0) return null;
  const always = variable[Math.floor(rng.float() * variable.length)]!;
  const child: Params = {};
  for (const [name, spec] of Object.entries(space)) {
    if (!(name in parent)) throw new Error(`mutate: the parent lacks parameter ${name}`);
    const value = parent[name]!;
    const changes =
      name === always || (variable.includes(name) && rng.float() < 1 / variable.length);
    child[name] = changes ? changedValue(spec, value, rng, strength) : value;
  }
  return child;
}

/** A value of `spec` different from `current`. */
function changedValue(
  spec: ParamSpec,
  current: ParamValue,
  rng: Rng,
  strength: number,
): ParamValue {
  if (spec.type === 'choice') return swap(spec, current, rng);
  return nudge(spec, typeof current === 'number' ? current : spec.min, rng, strength);
}

/** A uniformly drawn value of the choice other than `current`. */
function swap(spec: ChoiceParam, current: ParamValue, rng: Rng): ParamValue {
  const others = spec.values.filter((v) => !sameValue(v, current));
  return others[Math.floor(rng.float() * others.length)]!;
}

/** `current` moved by a Gaussian step along the (log) range, snapped; never `current` itself. */
function nudge(spec: NumericParam, current: number, rng: Rng, strength: number): number {
  const unit = toUnit(spec, current);
  const delta = strength * rng.normal();
  const moved = snap(spec, fromUnit(spec, clampUnit(unit + delta)));
  if (!sameValue(moved, current)) return moved;
  const direction = delta < 0 || (delta === 0 && rng.float() < 0.5) ? -1 : 1;
  if (gridCount(spec) !== null) return neighbour(spec, current, direction);
  // Continuous: the step was lost to clamping or rounding; go the other way, then anywhere.
  const reflected = snap(spec, fromUnit(spec, clampUnit(unit - delta)));
  if (!sameValue(reflected, current)) return reflected;
  for (let i = 0; i < CONTINUOUS_RETRIES; i++) {
    const anywhere = snap(spec, fromUnit(spec, rng.float()));
    if (!sameValue(anywhere, current)) return anywhere;
  }
  return unit < 0.5 ? spec.max : spec.min;
}

/** The grid point one step from `current` in `direction`, turning back at the ends. */
function neighbour(spec: NumericParam, current: number, direction: number): number {
  const k = gridIndex(spec, current);
  const next = k + direction;
  return gridValue(spec, next >= 0 && next < gridCount(spec)! ? next : k - direction);
}

function clampUnit(unit: number): number {
  return Math.min(1, Math.max(0, unit));
}
