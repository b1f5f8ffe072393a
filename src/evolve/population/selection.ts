import { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import type { ProgramSummary } from '../database/store.js';

export const PARENT_SELECTIONS = ['weighted', 'power-law', 'beam'] as const;

export const selectionSchema = z
  .object({
    strategy: z.enum(PARENT_SELECTIONS).default('weighted'),
    /** `weighted`: sharpness of the sigmoid over (score − median) / MAD. */
    lambda: z.number().positive().max(1e3).default(10),
    /** `power-law`: weight of rank r (1 = best) is r^−alpha. */
    alpha: z.number().positive().max(100).default(1),
  })
  .strict();
export type SelectionSettings = z.infer<typeof selectionSchema>;

/** Median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Index drawn with probability proportional to `weights` (all ≥ 0; uniform when all 0). */
export function drawWeighted(weights: number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return rng.int(0, weights.length - 1);
  let u = rng.float() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/**
 * ShinkaEvolve's weighted sampling: performance sigmoid(λ·(s − median)/MAD) times a novelty
 * factor 1/(1 + children), so strong programs are favoured but not re-expanded forever.
 * scores, children: [n] → weights [n].
 */
export function weightedScores(scores: number[], children: number[], lambda: number): number[] {
  const m = median(scores);
  const mad = median(scores.map((s) => Math.abs(s - m))) || 1e-9;
  return scores.map((s, i) => 1 / (1 + Math.exp((-lambda * (s - m)) / mad)) / (1 + children[i]!));
}

/** Programs ordered best first; ties: the older first (deterministic). */
export function byScore(programs: readonly ProgramSummary[]): ProgramSummary[] {
  return [...programs].sort((a, b) => b.combinedScore - a.combinedScore || a.id - b.id);
}

/**
 * Choose a parent among `candidates` (correct programs of one island, non-empty).
 * `children` counts each program's children so far.
 */
export function selectParent(
  candidates: readonly ProgramSummary[],
  children: ReadonlyMap<number, number>,
  settings: SelectionSettings,
  rng: Rng,
): ProgramSummary {
  const ranked = byScore(candidates);
  if (settings.strategy === 'beam') return ranked[0]!;
  const weights =
    settings.strategy === 'power-law'
      ? ranked.map((_, rank) => Math.pow(rank + 1, -settings.alpha))
      : weightedScores(
          ranked.map((p) => p.combinedScore),
          ranked.map((p) => children.get(p.id) ?? 0),
          settings.lambda,
        );
  return ranked[drawWeighted(weights, rng)]!;
}

/**
 * Inspirations shown beside the parent: the `top` best of its island, then `random` others
 * drawn uniformly, never the parent; returned in ascending score (the prompt's order).
 */
export function selectInspirations(
  candidates: readonly ProgramSummary[],
  parentId: number,
  top: number,
  random: number,
  rng: Rng,
): ProgramSummary[] {
  const others = byScore(candidates.filter((p) => p.id !== parentId));
  const chosen = others.slice(0, top);
  const rest = others.slice(top);
  rng.shuffle(rest);
  chosen.push(...rest.slice(0, random));
  return byScore(chosen).reverse();
}
