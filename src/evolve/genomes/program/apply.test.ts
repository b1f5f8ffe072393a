import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applySearchReplace } from './apply.js';
import { findBlocks } from './blocks.js';
import type { PatchResult } from './patch-result.js';

const PY = [
  'import math',
  '',
  'def helper(x):',
  '    total = 0',
  '    return x * 2',
  '',
  '# EVOLVE-BLOCK-START',
  'def place(models, gpus):',
  '    total = 0',
  '    order = sorted(models)',
  '    result = []',
  '    for m in order:',
  '        result.append(m % gpus)',
  '        result.append(m % gpus)',
  '    return result',
  '# EVOLVE-BLOCK-END',
  '',
  'def run():',
  '    return place([3, 1, 2], 2)',
  '',
].join('\n');

const TS = [
  "import { strict } from 'node:assert';",
  '',
  'export function place(sizes: number[]): number[] {',
  '\t// EVOLVE-BLOCK-START',
  '\tconst out: number[] = [];',
  '\tfor (const size of sizes) {',
  '\t\tout.push(size % 2);',
  '\t}',
  '\treturn out;',
  '\t// EVOLVE-BLOCK-END',
  '}',
  '',
].join('\n');

function code(result: PatchResult): string {
  if (!result.ok) throw new Error(`patch failed: ${result.reason}`);
  return result.code;
}

function reason(result: PatchResult): string {
  if (result.ok) throw new Error('patch unexpectedly applied');
  return result.reason;
}

describe('applySearchReplace', () => {
  it('replaces an exact match', () => {
    const out = code(
      applySearchReplace(
        PY,
        [
          {
            search: '    order = sorted(models)',
            replace: '    order = sorted(models, reverse=True)',
          },
        ],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('sorted(models)', 'sorted(models, reverse=True)'));
  });

  it('tolerates SEARCH written with no indentation and re-indents the replacement', () => {
    const out = code(
      applySearchReplace(
        PY,
        [
          {
            search: 'order = sorted(models)\nresult = []',
            replace: 'order = sorted(models)\nresult = []\nif not order:\n    return result',
          },
        ],
        'python',
      ),
    );
    expect(out).toBe(
      PY.replace(
        '    result = []\n',
        '    result = []\n    if not order:\n        return result\n',
      ),
    );
  });

  it('tolerates SEARCH written with 2 extra spaces and shifts the replacement back', () => {
    const out = code(
      applySearchReplace(
        PY,
        [
          {
            search: '      return result',
            replace: '      result.sort()\n      return result',
          },
        ],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('    return result\n', '    result.sort()\n    return result\n'));
  });

  it('tolerates spaces where the program indents with tabs, writing tabs back', () => {
    const out = code(
      applySearchReplace(
        TS,
        [
          {
            search: '  for (const size of sizes) {\n    out.push(size % 2);\n  }',
            replace:
              '  for (const size of sizes) {\n    out.push(size % 3);\n    out.push(0);\n  }',
          },
        ],
        'typescript',
      ),
    );
    expect(out).toBe(
      TS.replace('\t\tout.push(size % 2);\n', '\t\tout.push(size % 3);\n\t\tout.push(0);\n'),
    );
    const fourSpaces = code(
      applySearchReplace(
        TS,
        [{ search: '    return out;', replace: '    return out.reverse();' }],
        'typescript',
      ),
    );
    expect(fourSpaces).toBe(TS.replace('\treturn out;', '\treturn out.reverse();'));
  });

  it('tolerates trailing whitespace on either side', () => {
    const withSpaces = PY.replace('    result = []\n', '    result = []   \n');
    const out = code(
      applySearchReplace(
        withSpaces,
        [
          {
            search: '    result = []\n    for m in order:  ',
            replace: '    result = [0]\n    for m in order:',
          },
        ],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('    result = []\n', '    result = [0]\n'));
  });

  it('ignores blank lines around the SEARCH text when they do not match', () => {
    const out = code(
      applySearchReplace(
        PY,
        [{ search: '\n    total = 0\n\n', replace: '\n    total = 1\n\n' }],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('gpus):\n    total = 0', 'gpus):\n    total = 1'));
  });

  it('matches part of a line when no whole-line match exists', () => {
    const out = code(
      applySearchReplace(
        PY,
        [{ search: 'for m in order', replace: 'for m in reversed(order)' }],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('for m in order', 'for m in reversed(order)'));
  });

  it('rejects an ambiguous SEARCH, naming its first line and the places', () => {
    const why = reason(
      applySearchReplace(
        PY,
        [{ search: '        result.append(m % gpus)', replace: '        result.append(m)' }],
        'python',
      ),
    );
    expect(why).toBe(
      'the SEARCH text starting "result.append(m % gpus)" matches 2 places (lines 13, 14); ' +
        'include more surrounding lines so that it matches exactly once',
    );
  });

  it('rejects a SEARCH that matches nothing, quoting its first lines', () => {
    const why = reason(
      applySearchReplace(
        PY,
        [{ search: '    order = sorted(gpus)\n    result = {}\n    x = 1', replace: 'pass' }],
        'python',
      ),
    );
    expect(why).toBe(
      'the SEARCH text starting "order = sorted(gpus) / result = {}" was not found in the program; ' +
        'copy the lines to replace exactly from the current program',
    );
  });

  it('rejects edits outside the EVOLVE blocks', () => {
    const why = reason(
      applySearchReplace(
        PY,
        [{ search: '    return x * 2', replace: '    return x * 3' }],
        'python',
      ),
    );
    expect(why).toMatch(/^edits outside EVOLVE-BLOCK: .*"return x \* 2" is at line 5/);
  });

  it('applies a SEARCH found both outside and inside a block to the copy inside', () => {
    const out = code(
      applySearchReplace(PY, [{ search: '    total = 0', replace: '    total = 5' }], 'python'),
    );
    expect(out).toBe(PY.replace('gpus):\n    total = 0', 'gpus):\n    total = 5'));
  });

  it('rejects edits touching a marker line, in SEARCH or in REPLACE', () => {
    const search = '    return result\n# EVOLVE-BLOCK-END';
    expect(
      reason(
        applySearchReplace(
          PY,
          [{ search, replace: '    return []\n# EVOLVE-BLOCK-END' }],
          'python',
        ),
      ),
    ).toMatch(/^edits outside EVOLVE-BLOCK: the SEARCH text includes an EVOLVE-BLOCK marker line/);
    expect(
      reason(
        applySearchReplace(
          PY,
          [
            {
              search: '    return result',
              replace: '    return result\n# EVOLVE-BLOCK-END\nx = 1\n# EVOLVE-BLOCK-START',
            },
          ],
          'python',
        ),
      ),
    ).toBe(
      'the REPLACE text would add or break an EVOLVE-BLOCK marker; leave the markers as they are',
    );
  });

  it('inserts the REPLACE text at the end of the first block for an empty SEARCH', () => {
    const out = code(
      applySearchReplace(PY, [{ search: '', replace: 'def extra():\n    return 0' }], 'python'),
    );
    expect(out).toBe(
      PY.replace('    return result\n', '    return result\ndef extra():\n    return 0\n'),
    );
  });

  it('applies several edits in order, and names the edit that fails', () => {
    const out = code(
      applySearchReplace(
        PY,
        [
          { search: '    result = []', replace: '    result = [None]' },
          { search: '    result = [None]', replace: '    result = [None, None]' },
        ],
        'python',
      ),
    );
    expect(out).toBe(PY.replace('    result = []', '    result = [None, None]'));
    const why = reason(
      applySearchReplace(
        PY,
        [
          { search: '    result = []', replace: '    result = [None]' },
          { search: '    result = []', replace: '    result = [1]' },
        ],
        'python',
      ),
    );
    expect(why).toMatch(/^edit 2 of 2: the SEARCH text starting "result = \[\]" was not found/);
  });

  it('keeps CRLF line endings', () => {
    const crlf = PY.replaceAll('\n', '\r\n');
    const out = code(
      applySearchReplace(
        crlf,
        [{ search: 'order = sorted(models)', replace: 'order = list(models)\norder.sort()' }],
        'python',
      ),
    );
    expect(out).toBe(
      crlf.replace(
        '    order = sorted(models)\r\n',
        '    order = list(models)\r\n    order.sort()\r\n',
      ),
    );
  });

  it('fails instead of returning the parent: no edits, no change, no blocks, broken markers', () => {
    expect(reason(applySearchReplace(PY, [], 'python'))).toMatch(/^no SEARCH\/REPLACE edits/);
    expect(
      reason(
        applySearchReplace(
          PY,
          [{ search: '    result = []', replace: '    result = []' }],
          'python',
        ),
      ),
    ).toBe('the edits leave the program unchanged');
    expect(
      reason(applySearchReplace('x = 1\n', [{ search: 'x = 1', replace: 'x = 2' }], 'python')),
    ).toBe('the program has no EVOLVE-BLOCK, so no part of it may be edited');
    expect(
      reason(
        applySearchReplace(
          '# EVOLVE-BLOCK-START\nx = 1\n',
          [{ search: 'x = 1', replace: 'x = 2' }],
          'python',
        ),
      ),
    ).toBe(
      "the program's EVOLVE-BLOCK markers are invalid: EVOLVE-BLOCK-START at line 1 is never closed",
    );
  });

  it('property: an edit of body lines changes nothing outside the block and keeps the markers', () => {
    const before = ['header();', '// EVOLVE-BLOCK-START'];
    const after = ['// EVOLVE-BLOCK-END', 'footer();', ''];
    const line = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(line, { maxLength: 5 }),
        fc.constantFrom('', '  ', '\t'),
        (size, rawStart, rawLength, replacement, drift) => {
          const body = Array.from({ length: size }, (_, i) => `  step${i}(x);`);
          const start = rawStart % size;
          const length = Math.min(rawLength, size - start);
          const program = [...before, ...body, ...after].join('\n');
          const search = body.slice(start, start + length).map((l) => drift + l.trimStart());
          const replace = [...replacement.map((l) => `${drift}${l}`), `${drift}changed();`];
          const out = code(
            applySearchReplace(
              program,
              [{ search: search.join('\n'), replace: replace.join('\n') }],
              'typescript',
            ),
          );
          const lines = out.split('\n');
          expect(lines.slice(0, before.length)).toEqual(before);
          expect(lines.slice(-after.length)).toEqual(after);
          expect(findBlocks(out, 'typescript')).toEqual({
            ok: true,
            blocks: [{ startLine: 1, endLine: lines.length - after.length }],
          });
          expect(lines).toContain('  changed();');
        },
      ),
    );
  });
});
