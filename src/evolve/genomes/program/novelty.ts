import { createHash } from 'node:crypto';

/**
 * Cosine similarity of two embedding vectors of the same length, in [-1, 1]; 0 when either is
 * all zeros (nothing to compare).
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`cosineSimilarity: vectors of lengths ${a.length} and ${b.length}`);
  }
  // Each vector is divided by its largest magnitude first, so that tiny or huge components
  // neither underflow nor overflow the squares (the cosine does not change under scaling).
  let scaleA = 0;
  let scaleB = 0;
  for (let i = 0; i < a.length; i++) {
    scaleA = Math.max(scaleA, Math.abs(a[i]!));
    scaleB = Math.max(scaleB, Math.abs(b[i]!));
  }
  if (scaleA === 0 || scaleB === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! / scaleA;
    const y = b[i]! / scaleB;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return Math.max(-1, Math.min(1, dot / (Math.sqrt(normA) * Math.sqrt(normB))));
}

/**
 * A program's text with layout noise removed: line endings as `\n`, trailing whitespace cut,
 * runs of blank lines collapsed to one, no blank lines at the start or end.
 */
export function normaliseCode(code: string): string {
  const out: string[] = [];
  for (const raw of code.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  if (out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** sha256 (hex) of the normalised program: equal for programs differing only in layout noise. */
export function codeFingerprint(code: string): string {
  return createHash('sha256').update(normaliseCode(code)).digest('hex');
}
