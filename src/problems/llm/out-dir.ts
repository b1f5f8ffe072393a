import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';

/** The files `llm solve --out DIR` writes into `DIR/batch_<b>/` for each batch size b. */
export const BATCH_FILES = ['solution_summary.csv', 'solution_with_tp.json'] as const;

/** The folder, inside `--out DIR`, of one batch size's files. */
export function batchFolder(batchSize: number): string {
  return `batch_${batchSize}`;
}

const BATCH_FOLDER = /^batch_[1-9][0-9]*$/;

/**
 * Remove from `dir` what an earlier `llm solve --out` left there for batch sizes this run (at
 * `batchSizes`) did not write, so that the folder holds one run: in each other `batch_<b>`
 * folder our BATCH_FILES, then the folder itself once empty. The top-level files are the same
 * in every run and are overwritten. Nothing we do not write is touched (nor followed: a link
 * named like a batch folder is left as it is); the folders still holding something else are
 * returned, for a warning.
 *
 * Why not refuse a folder used before: solving again into the same folder is the ordinary
 * workflow (the seed's solver writes its output folder again on every run), and refusing would
 * turn every re-run into `rm -rf` first, which is riskier for the user's own files than removing
 * exactly the files we wrote. Call it after the new output is in place, so that a run that fails
 * leaves the earlier output whole.
 */
export function removeStaleBatches(dir: string, batchSizes: readonly number[]): string[] {
  const current = new Set(batchSizes.map(batchFolder));
  const kept: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !BATCH_FOLDER.test(entry.name) || current.has(entry.name)) continue;
    const folder = join(dir, entry.name);
    removing(folder, () => {
      for (const file of BATCH_FILES) rmSync(join(folder, file), { force: true });
    });
    if (readdirSync(folder).length) kept.push(folder);
    else removing(folder, () => rmdirSync(folder));
  }
  return kept;
}

/** Run `remove`; a failure is a user error naming `path` (the new output is already written). */
function removing(path: string, remove: () => void): void {
  try {
    remove();
  } catch (error) {
    throw new UserError(
      `cannot remove an earlier run's output (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); this run's output is written, remove the folder yourself`,
      path,
    );
  }
}
