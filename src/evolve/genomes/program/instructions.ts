import { markerLine } from './blocks.js';
import { fenceTags, languageName, type Language } from './language.js';

/**
 * How an LLM proposes a child program: `diff` (SEARCH/REPLACE edits, applied with
 * applySearchReplace), `full` (a rewrite of the program) or `cross` (a rewrite combining two
 * parents); rewrites are spliced onto the (first) parent with spliceBlocks.
 */
export type PatchType = 'diff' | 'full' | 'cross';

function markers(language: Language): string {
  return `\`${markerLine('start', language)}\` and \`${markerLine('end', language)}\``;
}

function diffInstructions(language: Language): string {
  const name = languageName(language);
  return [
    'Reply with one or more edits to the current program, each in exactly this format:',
    '',
    '<<<<<<< SEARCH',
    'lines copied exactly from the current program',
    '=======',
    'the lines that replace them',
    '>>>>>>> REPLACE',
    '',
    'Rules:',
    `- Only code between ${markers(language)} may change; never include, move or change these marker lines.`,
    '- SEARCH holds whole consecutive lines of the current program, copied exactly, indentation included, and must match exactly one place: add neighbouring lines until it does.',
    '- Keep each SEARCH short: the lines that change and a line or two around them.',
    '- Edits are applied in order, each to the result of the ones before.',
    '- An empty SEARCH section adds the REPLACE lines at the end of the first EVOLVE-BLOCK.',
    `- The result must be valid ${name}. Explain the idea in a sentence or two before the edits.`,
  ].join('\n');
}

function rewriteRules(language: Language): string[] {
  const name = languageName(language);
  const tag = fenceTags(language)[0]!;
  return [
    'Reply with the complete new program in one fenced code block:',
    '',
    `\`\`\`${tag}`,
    '<the whole program>',
    '```',
    '',
    'Rules:',
    `- Keep every ${markers(language)} marker line, the same number of blocks in the same order.`,
    '- Only the code between the markers is used: each block replaces the corresponding block of the current program. Code outside the blocks is kept as it is in the current program, so changes there are lost.',
    `- Write the whole program as valid ${name}, with no placeholders such as "rest unchanged". Explain the idea in a sentence or two before the code block.`,
  ];
}

/** Instructions for the LLM on the reply format of a patch type, in the language's terms. */
export function patchInstructions(type: PatchType, language: Language): string {
  switch (type) {
    case 'diff':
      return diffInstructions(language);
    case 'full':
      return rewriteRules(language).join('\n');
    case 'cross':
      return [
        'Combine the best ideas of the two programs shown into one program that scores better than either.',
        'The first program is the current program: the result is built on it.',
        '',
        ...rewriteRules(language),
      ].join('\n');
  }
}
