import { z } from 'zod';
import type { ProgramSummary } from './database/store.js';

export const warningsSchema = z
  .object({
    /** Warn when the first N correct programs all score the same. */
    constantScoreAfter: z.number().int().min(2).max(1e6).default(5),
    /** Warn when an island has had this many proposals and none is correct. */
    islandWithoutCorrectAfter: z.number().int().min(1).max(1e6).default(8),
    /** Warn when more than this share of proposals fail to patch, once `minProposals` exist. */
    patchFailureRate: z.number().min(0).max(1).default(0.5),
    minProposals: z.number().int().min(1).max(1e6).default(6),
  })
  .strict();
export type WarningSettings = z.infer<typeof warningsSchema>;

/** A warning worth money: each `code` is raised at most once per run. */
export interface RunWarning {
  code: string;
  message: string;
}

/**
 * The warnings `programs` (the run so far, in insertion order) call for. Pure: the engine
 * records each new code once as an event.
 */
export function runWarnings(
  programs: readonly ProgramSummary[],
  islands: number,
  settings: WarningSettings,
): RunWarning[] {
  const warnings: RunWarning[] = [];
  const correct = programs.filter((p) => p.correct);
  const first = correct.slice(0, settings.constantScoreAfter);
  if (
    first.length === settings.constantScoreAfter &&
    first.every((p) => p.combinedScore === first[0]!.combinedScore)
  )
    warnings.push({
      code: 'constant-score',
      message:
        `the first ${first.length} correct programs all scored ${first[0]!.combinedScore}: ` +
        'the evaluator may ignore the program; stop the run and check it before spending more',
    });
  const proposals = programs.filter((p) => p.kind !== 'initial');
  for (let island = 0; island < islands; island++) {
    const mine = proposals.filter((p) => p.island === island);
    if (mine.length >= settings.islandWithoutCorrectAfter && !mine.some((p) => p.correct))
      warnings.push({
        code: `island-${island}-without-correct`,
        message: `island ${island} has ${mine.length} proposals and no correct program`,
      });
  }
  const failed = proposals.filter((p) => p.kind === 'failed').length;
  if (
    proposals.length >= settings.minProposals &&
    failed / proposals.length > settings.patchFailureRate
  )
    warnings.push({
      code: 'patch-failure-rate',
      message:
        `${failed} of ${proposals.length} proposals produced no program to evaluate ` +
        `(over ${Math.round(settings.patchFailureRate * 100)} %): check the model and the patch format`,
    });
  return warnings;
}
