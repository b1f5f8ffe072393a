import fc from 'fast-check';

/**
 * Property tests draw their random instances from a fixed seed, so that a test run (and CI)
 * is reproducible. FC_SEED=<n> explores another seed; FC_SEED=random a fresh one each run.
 */
const seed = process.env.FC_SEED ?? '20261123';
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed) });
