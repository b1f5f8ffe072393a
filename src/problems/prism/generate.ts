import { Mt19937 } from '../../core/mt19937.js';
import { Rng } from '../../core/rng.js';
import type { PrismInstance, PrismModel } from './model.js';

export const FAMILIES = ['seed', 'large', 'tight', 'hetero'] as const;
export type Family = (typeof FAMILIES)[number];

/** The seed evaluator's case count, seed and GPU size. */
const SEED_CASES = 50;
const SEED_NUMPY_SEED = 42;
const SEED_MEM_GB = 80;

/**
 * The seed benchmark, draw for draw: numpy's legacy MT19937 after `np.random.seed(42)`; per
 * case `gpu_num = randint(5, 10)`, then per model (2·gpu_num of them) `randint(10, 30)` for
 * size, `randint(1, 10)` for rate, `randint(5, 10)` for SLO (upper bounds exclusive).
 */
export function seedCases(count = SEED_CASES, seed = SEED_NUMPY_SEED): PrismInstance[] {
  const mt = new Mt19937(seed);
  const cases: PrismInstance[] = [];
  for (let c = 0; c < count; c++) {
    const gpuCount = mt.randint(5, 10);
    const models: PrismModel[] = [];
    for (let j = 0; j < 2 * gpuCount; j++) {
      const sizeGb = mt.randint(10, 30);
      const reqRate = mt.randint(1, 10);
      const slo = mt.randint(5, 10);
      models.push({ name: `model_${j}`, sizeGb, reqRate, slo });
    }
    cases.push({
      id: `seed-${String(c).padStart(2, '0')}`,
      gpuMemGb: Array.from({ length: gpuCount }, () => SEED_MEM_GB),
      models,
    });
  }
  return cases;
}

/** Shape of a planted family: GPU count range, memory per GPU, fill range, models per GPU. */
interface PlantedShape {
  name: string;
  minGpus: number;
  maxGpus: number;
  memChoicesGb: readonly number[];
  minFill: number;
  maxFill: number;
}

const MIN_SIZE_GB = 5;
const MAX_SIZE_GB = 60;

const SHAPES: Record<Exclude<Family, 'seed'>, PlantedShape> = {
  large: {
    name: 'large',
    minGpus: 32,
    maxGpus: 256,
    memChoicesGb: [80],
    minFill: 0.6,
    maxFill: 0.92,
  },
  tight: {
    name: 'tight',
    minGpus: 16,
    maxGpus: 64,
    memChoicesGb: [80],
    minFill: 0.85,
    maxFill: 0.92,
  },
  hetero: {
    name: 'hetero',
    minGpus: 8,
    maxGpus: 64,
    memChoicesGb: [40, 48, 80, 141],
    minFill: 0.6,
    maxFill: 0.9,
  },
};

/**
 * Planted instances: each GPU gets 3–4 models whose sizes (5–60 GB, within the GPU) fill it
 * to a drawn fraction, so a placement of every model is known to exist; then the models are
 * shuffled. Rates are heavy-tailed (Pareto, α = 2, 1 to 30), SLOs 5–10.
 */
function plantedInstance(shape: PlantedShape, rng: Rng, id: string): PrismInstance {
  const gpuCount = rng.int(shape.minGpus, shape.maxGpus);
  const gpuMemGb = Array.from(
    { length: gpuCount },
    () => shape.memChoicesGb[rng.int(0, shape.memChoicesGb.length - 1)]!,
  );
  const sizes: number[] = [];
  for (const mem of gpuMemGb) {
    const perGpu = rng.int(3, 4);
    const budget = Math.floor(mem * rng.uniform(shape.minFill, shape.maxFill));
    sizes.push(...splitSizes(budget, perGpu, Math.min(MAX_SIZE_GB, mem), rng));
  }
  rng.shuffle(sizes);
  const models = sizes.map((sizeGb, j) => ({
    name: `model_${j}`,
    sizeGb,
    reqRate: Math.round(Math.min(rng.pareto(2, 1), 30) * 100) / 100,
    slo: rng.int(5, 10),
  }));
  return { id, gpuMemGb, models };
}

/**
 * Split `budgetGb` into `parts` integer sizes, each in [MIN_SIZE_GB, maxGb] as far as the
 * budget allows, proportional to exponential draws (a flat Dirichlet): shape [parts].
 */
function splitSizes(budgetGb: number, parts: number, maxGb: number, rng: Rng): number[] {
  const floor = Math.min(MIN_SIZE_GB, Math.floor(budgetGb / parts));
  const spare = Math.max(0, budgetGb - floor * parts);
  const weights = Array.from({ length: parts }, () => rng.exponential());
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.min(maxGb, floor + Math.floor((spare * w) / total)));
  let left = budgetGb - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0 && i < parts; i++) {
    const add = Math.min(left, maxGb - sizes[i]!);
    sizes[i]! += add;
    left -= add;
  }
  return sizes.filter((s) => s > 0);
}

/** `count` instances of a family, reproducible from `seed`. */
export function generate(family: Family, count: number, seed: number): PrismInstance[] {
  if (family === 'seed') return seedCases(count, seed);
  const rng = new Rng(seed);
  const shape = SHAPES[family];
  return Array.from({ length: count }, (_, c) =>
    plantedInstance(shape, rng, `${shape.name}-${seed}-${String(c).padStart(3, '0')}`),
  );
}
