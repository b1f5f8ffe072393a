import { ROOFLINE_MODEL } from './roofline.js';
import { SEED_MODEL } from './seed.js';
import type { PerfModel, PerfModelName } from './types.js';

/** The performance models by their `--perf-model` name. */
export const PERF_MODELS: Record<PerfModelName, PerfModel> = {
  seed: SEED_MODEL,
  roofline: ROOFLINE_MODEL,
};
export { PERF_MODEL_NAMES, type BatchPerf, type PerfModel, type PerfModelName } from './types.js';
