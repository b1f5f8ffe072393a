import { findBlocks, findBlocksInLines, markerKind } from './blocks.js';
import { fenceTags, type Language } from './language.js';
import { lineStarts } from './lines.js';
import { patchFailure, type PatchResult } from './patch-result.js';
import { counted } from '../../../core/plural.js';

/** A fenced code block of a markdown reply: its info-string tag (lower case) and its text. */
interface Fence {
  tag: string;
  code: string;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

/**
 * The fenced blocks of a markdown text, in order. A closing fence is the same character,
 * at least as long, alone on its line; a fence left open runs to the end of the text (a
 * reply cut off by the token limit).
 */
function fences(text: string): Fence[] {
  const lines = text.split(/\r?\n/);
  const found: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (!open) continue;
    const marker = open[1]!;
    const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    found.push({ tag: open[2]!.toLowerCase(), code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

function longest(candidates: readonly Fence[]): Fence | undefined {
  return candidates.reduce<Fence | undefined>(
    (best, fence) => (best && best.code.length >= fence.code.length ? best : fence),
    undefined,
  );
}

/**
 * The program of a full-rewrite reply: the longest fenced block tagged with the language
 * (```python), else the longest fenced block of any tag. A reply without fences whose lines
 * include an EVOLVE-BLOCK marker is taken whole (spliceBlocks only reads the block bodies).
 * Null when the reply holds no code.
 */
export function extractCodeBlock(reply: string, language: Language): string | null {
  const all = fences(reply);
  const tags = fenceTags(language);
  const chosen = longest(all.filter((fence) => tags.includes(fence.tag))) ?? longest(all);
  if (chosen) return chosen.code;
  const hasMarker = reply.split(/\r?\n/).some((line) => markerKind(line, language) !== null);
  return hasMarker ? reply : null;
}

/**
 * Splice a rewritten program into its parent: the parent's lines outside the EVOLVE block
 * bodies (markers included) are kept byte for byte, and the body of the parent's k-th block
 * becomes the body of the rewrite's k-th block. Whatever the rewrite changed outside its
 * blocks is dropped. Fails, with a reason for the LLM, when either program's markers are
 * unbalanced, when the block counts differ, or when no body changed.
 */
export function spliceBlocks(parent: string, rewritten: string, language: Language): PatchResult {
  const parentBlocks = findBlocks(parent, language);
  if (!parentBlocks.ok) {
    return patchFailure(`the program's EVOLVE-BLOCK markers are invalid: ${parentBlocks.reason}`);
  }
  if (parentBlocks.blocks.length === 0) {
    return patchFailure('the program has no EVOLVE-BLOCK, so no part of it may be rewritten');
  }
  const rewrite = rewritten.split(/\r?\n/);
  const rewriteBlocks = findBlocksInLines(rewrite, language);
  if (!rewriteBlocks.ok) {
    return patchFailure(
      `the rewritten program's EVOLVE-BLOCK markers are invalid: ${rewriteBlocks.reason}`,
    );
  }
  const expected = parentBlocks.blocks.length;
  const got = rewriteBlocks.blocks.length;
  if (got !== expected) {
    return patchFailure(
      `the rewritten program has ${counted(got, 'EVOLVE-BLOCK')} but the current program has ${counted(expected, 'EVOLVE-BLOCK')}; ` +
        'keep every EVOLVE-BLOCK-START / EVOLVE-BLOCK-END marker line',
    );
  }
  // Splice by character offsets so that the parent's text outside the bodies, line endings
  // included, is copied exactly.
  const starts = lineStarts(parent);
  let code = '';
  let copied = 0;
  for (const [k, block] of parentBlocks.blocks.entries()) {
    const source = rewriteBlocks.blocks[k]!;
    const bodyStart = starts[block.startLine + 1]!;
    const eol = parent[bodyStart - 2] === '\r' ? '\r\n' : '\n';
    code += parent.slice(copied, bodyStart);
    for (const line of rewrite.slice(source.startLine + 1, source.endLine)) code += line + eol;
    copied = starts[block.endLine]!;
  }
  code += parent.slice(copied);
  if (code === parent) {
    return patchFailure('the rewrite leaves every EVOLVE-BLOCK body unchanged');
  }
  return { ok: true, code };
}
