import { describe, expect, it } from 'vitest';
import { applySearchReplace } from './apply.js';
import { patchInstructions } from './instructions.js';
import { parseSearchReplace } from './search-replace.js';

describe('patchInstructions', () => {
  it('describes SEARCH/REPLACE edits with the language markers', () => {
    const text = patchInstructions('diff', 'python');
    expect(text).toContain('<<<<<<< SEARCH\n');
    expect(text).toContain('\n=======\n');
    expect(text).toContain('\n>>>>>>> REPLACE');
    expect(text).toContain('`# EVOLVE-BLOCK-START` and `# EVOLVE-BLOCK-END`');
    expect(text).toContain('valid Python');
    expect(text).toContain('empty SEARCH');
  });

  it('shows a format the parser reads', () => {
    const [edit] = parseSearchReplace(patchInstructions('diff', 'lua'));
    expect(edit).toEqual({
      search: 'lines copied exactly from the current program',
      replace: 'the lines that replace them',
    });
    const program =
      '-- EVOLVE-BLOCK-START\nlines copied exactly from the current program\n-- EVOLVE-BLOCK-END';
    expect(applySearchReplace(program, [edit!], 'lua').ok).toBe(true);
  });

  it('asks for a whole program in a tagged fence for full rewrites and crossovers', () => {
    const full = patchInstructions('full', 'cpp');
    expect(full).toContain('```cpp\n');
    expect(full).toContain('`// EVOLVE-BLOCK-START` and `// EVOLVE-BLOCK-END`');
    expect(full).toContain('valid C++');
    expect(full).not.toContain('SEARCH');
    const cross = patchInstructions('cross', 'typescript');
    expect(cross).toContain('two programs');
    expect(cross).toContain('```typescript\n');
    expect(cross.endsWith(patchInstructions('full', 'typescript'))).toBe(true);
  });
});
