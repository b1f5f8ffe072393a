import { validateSpace } from '../../src/evolve/genomes/params/index.js';

/** The D-REAM seed's space: vLLM memory fraction 0.40–0.60 by 0.05 (safe to 0.55), three Whisper sizes. */
export const COLOCATION_SPACE = validateSpace({
  gpu_memory_utilization: {
    type: 'real',
    min: 0.4,
    max: 0.6,
    step: 0.05,
    safety: { max: 0.55 },
  },
  whisper: { type: 'choice', values: ['tiny', 'base', 'small'] },
});
