import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';

/**
 * Per-candidate artefacts (evaluation logs) in one folder, kept under a count and a byte limit
 * by deleting the oldest first: the seed's runner kept a copy per candidate until disks filled.
 */
export class ArtefactStore {
  constructor(
    readonly dir: string,
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  /** Write one artefact (names sort by age: the caller numbers them), then enforce the limits. */
  write(name: string, text: string): void {
    if (this.maxCount === 0 || this.maxBytes === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    writeFileAtomic(
      join(this.dir, name),
      bytes.length > this.maxBytes ? bytes.subarray(0, this.maxBytes) : bytes,
    );
    this.prune();
  }

  /** Names and sizes of the artefacts kept, oldest first. */
  list(): { name: string; bytes: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch {
      return [];
    }
    return names.map((name) => ({ name, bytes: statSync(join(this.dir, name)).size }));
  }

  private prune(): void {
    const files = this.list();
    let total = files.reduce((a, f) => a + f.bytes, 0);
    let count = files.length;
    for (const f of files) {
      if (count <= this.maxCount && total <= this.maxBytes) break;
      rmSync(join(this.dir, f.name), { force: true });
      count--;
      total -= f.bytes;
    }
  }
}
