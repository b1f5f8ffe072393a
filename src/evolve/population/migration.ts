import { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import type { ProgramSummary } from '../database/store.js';
import { byScore } from './selection.js';

export const migrationSchema = z
  .object({
    /** Migrate after every `interval` generations (0: never). */
    interval: z.number().int().min(0).max(1e6).default(10),
    /** Fraction of an island's correct programs that move to the next island of the ring. */
    rate: z.number().min(0).max(1).default(0.1),
  })
  .strict();
export type MigrationSettings = z.infer<typeof migrationSchema>;

export interface Move {
  programId: number;
  from: number;
  to: number;
}

/**
 * Ring migration: from each island, max(1, round(rate · n)) of its n correct programs, drawn
 * at random but never the island's best (it stays to keep the island's lineage), move to
 * island (i + 1) mod K. programs: the run's summaries → the moves to make.
 */
export function planMigration(
  programs: readonly ProgramSummary[],
  islands: number,
  rate: number,
  rng: Rng,
): Move[] {
  if (islands < 2 || rate <= 0) return [];
  const moves: Move[] = [];
  for (let island = 0; island < islands; island++) {
    const ranked = byScore(programs.filter((p) => p.island === island && p.correct));
    const movable = ranked.slice(1);
    const count = Math.min(movable.length, Math.max(1, Math.round(rate * ranked.length)));
    rng.shuffle(movable);
    for (const p of movable.slice(0, count))
      moves.push({ programId: p.id, from: island, to: (island + 1) % islands });
  }
  return moves;
}
