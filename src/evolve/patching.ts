import {
  applySearchReplace,
  extractCodeBlock,
  parseSearchReplace,
  spliceBlocks,
  type Language,
  type PatchResult,
  type PatchType,
} from './genomes/program/index.js';

/**
 * Turn an LLM reply into a child program: `diff` applies SEARCH/REPLACE edits inside the
 * parent's EVOLVE blocks; `full` and `cross` take the rewritten program's block bodies and
 * splice them into the parent, so code outside the blocks never changes.
 */
export function applyReply(
  patchType: PatchType,
  parentCode: string,
  reply: string,
  language: Language,
): PatchResult {
  if (patchType === 'diff') {
    const edits = parseSearchReplace(reply);
    if (edits.length === 0)
      return { ok: false, reason: 'no <<<<<<< SEARCH / ======= / >>>>>>> REPLACE block was found' };
    return applySearchReplace(parentCode, edits, language);
  }
  const rewritten = extractCodeBlock(reply, language);
  if (rewritten === null)
    return {
      ok: false,
      reason: `no fenced \`\`\`${language} code block with the whole program was found`,
    };
  return spliceBlocks(parentCode, rewritten, language);
}
