import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATCH_FILES, removeStaleBatches } from './out-dir.js';

/** A folder as `llm solve --out` leaves it for `batchSizes`, plus `extra` files (path → text). */
function outDir(batchSizes: number[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'evoplace-llm-out-'));
  for (const b of batchSizes) {
    mkdirSync(join(dir, `batch_${b}`));
    for (const file of BATCH_FILES) writeFileSync(join(dir, `batch_${b}`, file), 'x');
  }
  writeFileSync(join(dir, 'batch_sweep_results.csv'), 'x');
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('removeStaleBatches', () => {
  it('removes the batch folders of other batch sizes and keeps this run’s', () => {
    const dir = outDir([32, 64, 128, 256]);
    expect(removeStaleBatches(dir, [32, 64])).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['batch_32', 'batch_64', 'batch_sweep_results.csv']);
    expect(readdirSync(join(dir, 'batch_32')).sort()).toEqual([...BATCH_FILES].sort());
  });

  it('never touches what evoplace does not write, and returns the folders it had to leave', () => {
    const dir = outDir([32, 128], {
      'batch_128/notes.md': 'mine',
      'batch_old/solution_summary.csv': 'not a batch folder of ours',
      'batch_0/solution_summary.csv': 'nor this',
      'results.csv': 'mine',
    });
    expect(removeStaleBatches(dir, [32])).toEqual([join(dir, 'batch_128')]);
    expect(readdirSync(join(dir, 'batch_128'))).toEqual(['notes.md']);
    for (const kept of ['batch_old/solution_summary.csv', 'batch_0/solution_summary.csv'])
      expect(existsSync(join(dir, kept))).toBe(true);
    expect(existsSync(join(dir, 'results.csv'))).toBe(true);
  });

  it('does not follow a link named like a batch folder', () => {
    const elsewhere = outDir([64]);
    const dir = outDir([32]);
    symlinkSync(join(elsewhere, 'batch_64'), join(dir, 'batch_64'));
    expect(removeStaleBatches(dir, [32])).toEqual([]);
    expect(readdirSync(join(elsewhere, 'batch_64')).sort()).toEqual([...BATCH_FILES].sort());
    expect(existsSync(join(dir, 'batch_64'))).toBe(true);
  });
});
