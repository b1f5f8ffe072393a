/**
 * The program genome: a source file whose EVOLVE-BLOCK regions an LLM rewrites through
 * SEARCH/REPLACE edits (`diff`), full rewrites (`full`) or crossover of two parents (`cross`).
 * Pure functions, no I/O.
 */
export {
  commentPrefix,
  fenceTags,
  languageFromPath,
  languageName,
  languageSchema,
  LANGUAGES,
  type Language,
} from './language.js';
export { findBlocks, markerLine, type BlocksResult, type EvolveBlock } from './blocks.js';
export { parseSearchReplace, type SearchReplace } from './search-replace.js';
export type { PatchResult } from './patch-result.js';
export { applySearchReplace } from './apply.js';
export { extractCodeBlock, spliceBlocks } from './rewrite.js';
export { unifiedDiff, type UnifiedDiffOptions } from './diff.js';
export { patchInstructions, type PatchType } from './instructions.js';
export { codeFingerprint, cosineSimilarity, normaliseCode } from './novelty.js';
