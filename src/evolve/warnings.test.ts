import { describe, expect, it } from 'vitest';
import { summary } from '../../test/support/summaries.js';
import type { ProgramSummary } from './database/store.js';
import { runWarnings, warningsSchema } from './warnings.js';

const SETTINGS = warningsSchema.parse({
  constantScoreAfter: 3,
  islandWithoutCorrectAfter: 3,
  patchFailureRate: 0.5,
  minProposals: 4,
});

function p(
  id: number,
  kind: ProgramSummary['kind'],
  score: number,
  correct: boolean,
  island = 0,
): ProgramSummary {
  return summary({ id, kind, combinedScore: score, correct, island });
}

const codes = (programs: ProgramSummary[], islands = 1): string[] =>
  runWarnings(programs, islands, SETTINGS).map((w) => w.code);

describe('run warnings', () => {
  it('constant score: only when the first N correct programs all score the same', () => {
    expect(codes([p(1, 'initial', 1, true), p(2, 'proposal', 1, true)])).toEqual([]);
    expect(
      codes([p(1, 'initial', 1, true), p(2, 'proposal', 1, true), p(3, 'proposal', 1, true)]),
    ).toEqual(['constant-score']);
    expect(
      codes([p(1, 'initial', 1, true), p(2, 'proposal', 2, true), p(3, 'proposal', 1, true)]),
    ).toEqual([]);
  });

  it('an island with proposals and no correct program', () => {
    const programs = [
      p(1, 'initial', 1, true, 0),
      p(2, 'proposal', 0, false, 1),
      p(3, 'proposal', 0, false, 1),
      p(4, 'proposal', 0, false, 1),
      p(5, 'proposal', 2, true, 0),
    ];
    expect(codes(programs, 2)).toEqual(['island-1-without-correct']);
  });

  it('patch failure rate above the threshold once enough proposals exist', () => {
    const failed = (id: number): ProgramSummary => p(id, 'failed', 0, false);
    const good = (id: number): ProgramSummary => p(id, 'proposal', id, true);
    expect(codes([p(1, 'initial', 0, true), failed(2), failed(3), good(4)])).toEqual([]);
    expect(codes([p(1, 'initial', 0, true), failed(2), failed(3), failed(4), good(5)])).toEqual([
      'patch-failure-rate',
    ]);
    expect(codes([p(1, 'initial', 0, true), failed(2), failed(3), good(4), good(5)])).toEqual([]);
  });
});
