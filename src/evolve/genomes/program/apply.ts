import { findBlocks, findBlocksInLines, markerKind, type EvolveBlock } from './blocks.js';
import type { Language } from './language.js';
import { isBlank, joinLines, quoteStart, splitLines } from './lines.js';
import { MATCHERS, type Match } from './matching.js';
import { patchFailure, type PatchResult } from './patch-result.js';
import type { SearchReplace } from './search-replace.js';

/** A program after an edit: its lines and its EVOLVE blocks (unchanged in number). */
type EditResult =
  { ok: true; lines: string[]; blocks: EvolveBlock[] } | { ok: false; reason: string };

/** How many match positions a failure message lists. */
const SHOWN_MATCHES = 5;

/** The block whose body holds lines [start, end), or undefined. */
function enclosingBlock(blocks: readonly EvolveBlock[], match: Match): EvolveBlock | undefined {
  return blocks.find((block) => block.startLine < match.start && match.end <= block.endLine);
}

/** Lines of an edit's text; the empty text is no lines at all. */
function textLines(text: string): string[] {
  return text === '' ? [] : text.split(/\r?\n/);
}

/** How many lines in a row are blank from the start (or the end) of `lines`, at most `max`. */
function blankRun(lines: readonly string[], fromEnd: boolean, max = lines.length): number {
  const limit = Math.min(max, lines.length);
  let n = 0;
  while (n < limit && isBlank(lines[fromEnd ? lines.length - 1 - n : n]!)) {
    n += 1;
  }
  return n;
}

/**
 * The SEARCH/REPLACE lines to try: as written, then (if different) without the blank lines
 * an LLM often adds around SEARCH text, dropping as many blank lines around REPLACE.
 */
function variants(search: string[], replace: string[]): [string[], string[]][] {
  const leading = blankRun(search, false);
  const trailing = blankRun(search, true);
  if (leading === 0 && trailing === 0) return [[search, replace]];
  const replaceLeading = blankRun(replace, false, leading);
  const replaceTrailing = blankRun(replace.slice(replaceLeading), true, trailing);
  return [
    [search, replace],
    [
      search.slice(leading, search.length - trailing),
      replace.slice(replaceLeading, replace.length - replaceTrailing),
    ],
  ];
}

/** The lines with [start, end) replaced, if the EVOLVE blocks are still the same in number. */
function splice(
  lines: readonly string[],
  start: number,
  end: number,
  inserted: readonly string[],
  blockCount: number,
  language: Language,
): EditResult {
  const next = [...lines.slice(0, start), ...inserted, ...lines.slice(end)];
  const blocks = findBlocksInLines(next, language);
  if (!blocks.ok || blocks.blocks.length !== blockCount) {
    return {
      ok: false,
      reason:
        'the REPLACE text would add or break an EVOLVE-BLOCK marker; leave the markers as they are',
    };
  }
  return { ok: true, lines: next, blocks: blocks.blocks };
}

/** One edit applied to a program whose (valid) EVOLVE blocks are `blocks`. */
function applyEdit(
  lines: readonly string[],
  blocks: readonly EvolveBlock[],
  edit: SearchReplace,
  language: Language,
): EditResult {
  const search = textLines(edit.search);
  const replace = textLines(edit.replace);
  if (search.some((line) => markerKind(line, language) !== null)) {
    return {
      ok: false,
      reason:
        'edits outside EVOLVE-BLOCK: the SEARCH text includes an EVOLVE-BLOCK marker line; ' +
        'search only lines strictly between the markers',
    };
  }
  if (search.every(isBlank)) {
    const at = blocks[0]!.endLine;
    return splice(lines, at, at, replace, blocks.length, language);
  }
  let outside: Match | undefined;
  for (const [searchLines, replaceLines] of variants(search, replace)) {
    for (const matcher of MATCHERS) {
      const matches = matcher(lines, searchLines);
      const inside = matches.filter((match) => enclosingBlock(blocks, match));
      if (inside.length === 1) {
        const match = inside[0]!;
        const rendered = match.render(replaceLines);
        return splice(lines, match.start, match.end, rendered, blocks.length, language);
      }
      if (inside.length > 1) {
        const where = inside.slice(0, SHOWN_MATCHES).map((match) => match.start + 1);
        const more = inside.length > SHOWN_MATCHES ? ', ...' : '';
        return {
          ok: false,
          reason:
            `the SEARCH text starting ${quoteStart(edit.search)} matches ${inside.length} places ` +
            `(lines ${where.join(', ')}${more}); include more surrounding lines so that it ` +
            'matches exactly once',
        };
      }
      outside ??= matches[0];
    }
  }
  if (outside) {
    return {
      ok: false,
      reason:
        `edits outside EVOLVE-BLOCK: the SEARCH text starting ${quoteStart(edit.search)} is at ` +
        `line ${outside.start + 1}, not strictly between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END; ` +
        'only code inside the blocks may change',
    };
  }
  return {
    ok: false,
    reason:
      `the SEARCH text starting ${quoteStart(edit.search)} was not found in the program; ` +
      'copy the lines to replace exactly from the current program',
  };
}

/**
 * Apply SEARCH/REPLACE edits in order, each to the result of the ones before.
 *
 * Finding a SEARCH text: exact whole lines first; then ignoring trailing whitespace; then
 * allowing a uniform indentation shift (the same indentation added or removed on every line,
 * or tabs against spaces), in which case the REPLACE lines are shifted the same way; last, as
 * an exact substring of the program. Only matches lying entirely within one EVOLVE block body
 * count: the first of those ways that finds one decides, and it must find exactly one. A
 * match elsewhere only (or a SEARCH text that includes a marker) is rejected as an edit
 * outside EVOLVE-BLOCK. Blank lines around a SEARCH text are ignored when it is not found
 * with them.
 *
 * An empty (or blank) SEARCH inserts the REPLACE text, as written, at the end of the first
 * block's body, just before its EVOLVE-BLOCK-END line.
 *
 * Fails, with a short reason meant for the LLM, when there are no edits, when any edit fails
 * (naming which one), when REPLACE text would add or break a marker, or when the program comes out
 * unchanged: a patch never silently returns its parent.
 */
export function applySearchReplace(
  code: string,
  edits: readonly SearchReplace[],
  language: Language,
): PatchResult {
  if (edits.length === 0) {
    return patchFailure(
      'no SEARCH/REPLACE edits were found in the reply; write each change as ' +
        '<<<<<<< SEARCH, the lines to find, =======, the new lines, >>>>>>> REPLACE',
    );
  }
  const blocks = findBlocks(code, language);
  if (!blocks.ok) {
    return patchFailure(`the program's EVOLVE-BLOCK markers are invalid: ${blocks.reason}`);
  }
  if (blocks.blocks.length === 0) {
    return patchFailure('the program has no EVOLVE-BLOCK, so no part of it may be edited');
  }
  const text = splitLines(code);
  let lines = text.lines;
  let current = blocks.blocks;
  for (const [index, edit] of edits.entries()) {
    const result = applyEdit(lines, current, edit, language);
    if (!result.ok) {
      const which = edits.length > 1 ? `edit ${index + 1} of ${edits.length}: ` : '';
      return patchFailure(which + result.reason);
    }
    lines = result.lines;
    current = result.blocks;
  }
  const patched = joinLines({ lines, eol: text.eol });
  if (patched === code) return patchFailure('the edits leave the program unchanged');
  return { ok: true, code: patched };
}
