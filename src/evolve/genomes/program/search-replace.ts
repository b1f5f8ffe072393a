/**
 * One SEARCH/REPLACE edit: lines of the current program (`search`) and what replaces them.
 * Both are whole lines joined by `\n`, without a final newline. An empty `search` means
 * "insert `replace`" (see applySearchReplace).
 */
export interface SearchReplace {
  search: string;
  replace: string;
}

// Tolerant of LLMs that miscount the marker characters (5 to 9) or pad the lines.
const SEARCH_OPEN = /^\s*<{5,9}\s*SEARCH\s*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE_CLOSE = /^\s*>{5,9}\s*REPLACE\s*$/;

/**
 * The edits of an LLM reply in the Aider/ShinkaEvolve format, in the order written:
 *
 *     <<<<<<< SEARCH
 *     lines to find
 *     =======
 *     lines to put instead
 *     >>>>>>> REPLACE
 *
 * Blocks may sit inside ``` fences and between prose; fence lines are never part of an edit.
 * A block left unfinished (no divider or no REPLACE line before the reply ends) is dropped.
 */
export function parseSearchReplace(reply: string): SearchReplace[] {
  const edits: SearchReplace[] = [];
  const lines = reply.split(/\r?\n/);
  let search: string[] | null = null;
  let replace: string[] | null = null;
  for (const line of lines) {
    if (search === null) {
      if (SEARCH_OPEN.test(line)) search = [];
    } else if (replace === null) {
      if (DIVIDER.test(line)) replace = [];
      else if (SEARCH_OPEN.test(line)) search = [];
      else search.push(line);
    } else if (REPLACE_CLOSE.test(line)) {
      edits.push({ search: search.join('\n'), replace: replace.join('\n') });
      search = null;
      replace = null;
    } else {
      replace.push(line);
    }
  }
  return edits;
}
