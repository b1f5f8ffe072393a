import { z } from 'zod';
import { Mt19937 } from './mt19937.js';

/** Seeds are 32-bit, as Mt19937 takes them. */
export const MAX_SEED = 2 ** 32 - 1;
const SEED_RANGE = `a seed is an integer from 0 to ${MAX_SEED}`;
/** A seed in a settings file; every out-of-range value gets the same message. */
export const seedSchema = z
  .number({ error: SEED_RANGE })
  .int({ error: SEED_RANGE })
  .min(0, { error: SEED_RANGE })
  .max(MAX_SEED, { error: SEED_RANGE });

/** A seeded random source: the only kind of randomness the project uses. */
export class Rng {
  private readonly source: Mt19937;

  constructor(seed: number) {
    this.source = new Mt19937(normaliseSeed(seed));
  }

  /** Uniform double in [0, 1). */
  float(): number {
    return this.source.nextDouble();
  }

  /** Uniform integer in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return this.source.randint(low, high + 1);
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Pareto (Lomax + 1) draw with shape `alpha` and minimum `scale`: a heavy tail. */
  pareto(alpha: number, scale: number): number {
    return scale / Math.pow(1 - this.float(), 1 / alpha);
  }

  /** Standard exponential draw. */
  exponential(): number {
    return -Math.log(1 - this.float());
  }

  /** Standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Poisson draw with mean `mean` (Knuth's method for small means, normal beyond 60). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = this.float(); p > limit; p *= this.float()) k++;
    return k;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
  }
}

/** Any safe integer maps onto the 32-bit seed space; other values are rejected by the caller. */
function normaliseSeed(seed: number): number {
  return ((seed % 0x100000000) + 0x100000000) % 0x100000000;
}
