import { commentPrefix, type Language } from './language.js';

/**
 * One evolvable region: `startLine` holds the EVOLVE-BLOCK-START marker, `endLine` the
 * EVOLVE-BLOCK-END marker (0-based line indices); the body is the lines strictly between.
 */
export interface EvolveBlock {
  startLine: number;
  endLine: number;
}

export type BlocksResult = { ok: true; blocks: EvolveBlock[] } | { ok: false; reason: string };

export type MarkerKind = 'start' | 'end';

const MARKER_WORD: Record<MarkerKind, string> = {
  start: 'EVOLVE-BLOCK-START',
  end: 'EVOLVE-BLOCK-END',
};

const markerPatterns = new Map<string, RegExp>();

/** Matches a line whose first non-blank text is `<comment> EVOLVE-BLOCK-START|END`. */
function markerPattern(language: Language): RegExp {
  const prefix = commentPrefix(language);
  let pattern = markerPatterns.get(prefix);
  if (!pattern) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    pattern = new RegExp(`^\\s*${escaped}\\s*EVOLVE-BLOCK-(START|END)(?![\\w-])`);
    markerPatterns.set(prefix, pattern);
  }
  return pattern;
}

/**
 * Whether a line is an EVOLVE-BLOCK marker in the language's comment style. Only a marker that
 * opens its line counts (text may follow it), so code that merely mentions the words, such
 * as a string literal, does not.
 */
export function markerKind(line: string, language: Language): MarkerKind | null {
  const match = markerPattern(language).exec(line);
  if (!match) return null;
  return match[1] === 'START' ? 'start' : 'end';
}

/** The marker line as we write it: `# EVOLVE-BLOCK-START`. */
export function markerLine(kind: MarkerKind, language: Language): string {
  return `${commentPrefix(language)} ${MARKER_WORD[kind]}`;
}

/** The blocks of a program given as lines; see findBlocks. */
export function findBlocksInLines(lines: readonly string[], language: Language): BlocksResult {
  const blocks: EvolveBlock[] = [];
  let open: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const kind = markerKind(lines[i]!, language);
    if (kind === 'start') {
      if (open !== null) {
        return {
          ok: false,
          reason: `nested ${MARKER_WORD.start} at line ${i + 1}: the block opened at line ${open + 1} is not closed yet`,
        };
      }
      open = i;
    } else if (kind === 'end') {
      if (open === null) {
        return {
          ok: false,
          reason: `${MARKER_WORD.end} at line ${i + 1} has no ${MARKER_WORD.start} before it`,
        };
      }
      blocks.push({ startLine: open, endLine: i });
      open = null;
    }
  }
  if (open !== null) {
    return { ok: false, reason: `${MARKER_WORD.start} at line ${open + 1} is never closed` };
  }
  return { ok: true, blocks };
}

/**
 * The EVOLVE blocks of a program, in order. Markers are lines that start (after indentation)
 * with the language's comment opener and `EVOLVE-BLOCK-START` / `EVOLVE-BLOCK-END`. Nested or
 * unbalanced markers give `ok: false` with a reason naming 1-based line numbers; a program
 * without markers gives `ok: true` and no blocks.
 */
export function findBlocks(code: string, language: Language): BlocksResult {
  return findBlocksInLines(code.split(/\r?\n/), language);
}
