import type { ProgramSummary } from '../../src/evolve/database/store.js';

/** A stored program's summary for unit tests: a correct proposal unless told otherwise. */
export function summary(fields: Partial<ProgramSummary> & { id: number }): ProgramSummary {
  return {
    kind: 'proposal',
    generation: fields.id,
    island: 0,
    parentId: null,
    combinedScore: 0,
    correct: true,
    usd: 0,
    model: null,
    patchType: null,
    fingerprint: String(fields.id),
    ...fields,
  };
}
