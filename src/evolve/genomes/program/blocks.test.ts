import { describe, expect, it } from 'vitest';
import { findBlocks, markerLine } from './blocks.js';

const python = [
  'import math',
  '# EVOLVE-BLOCK-START',
  'def place(models):',
  '    return sorted(models)',
  '# EVOLVE-BLOCK-END',
  '',
  'def main():',
  '    # EVOLVE-BLOCK-START: second region',
  '    x = 1',
  '    # EVOLVE-BLOCK-END',
  '',
].join('\n');

describe('findBlocks', () => {
  it('finds python (#) blocks, indented or followed by text', () => {
    expect(findBlocks(python, 'python')).toEqual({
      ok: true,
      blocks: [
        { startLine: 1, endLine: 4 },
        { startLine: 7, endLine: 9 },
      ],
    });
  });

  it('finds TypeScript (//) blocks and ignores markers in another comment style', () => {
    const code = [
      'export function place() {',
      '  //EVOLVE-BLOCK-START',
      '  return 1;',
      '  // EVOLVE-BLOCK-END',
      '}',
      '# EVOLVE-BLOCK-START',
    ].join('\n');
    expect(findBlocks(code, 'typescript')).toEqual({
      ok: true,
      blocks: [{ startLine: 1, endLine: 3 }],
    });
    expect(findBlocks(code, 'python')).toEqual({
      ok: false,
      reason: 'EVOLVE-BLOCK-START at line 6 is never closed',
    });
  });

  it('does not take a mention of the words for a marker', () => {
    const code = [
      'const hint = "// EVOLVE-BLOCK-START";',
      'x = 1; // EVOLVE-BLOCK-END',
      '// EVOLVE-BLOCK-STARTED',
    ].join('\n');
    expect(findBlocks(code, 'typescript')).toEqual({ ok: true, blocks: [] });
  });

  it('handles CRLF line endings and the -- comments of Lua', () => {
    const code = ['-- EVOLVE-BLOCK-START', 'x = 1', '-- EVOLVE-BLOCK-END', ''].join('\r\n');
    expect(findBlocks(code, 'lua')).toEqual({ ok: true, blocks: [{ startLine: 0, endLine: 2 }] });
  });

  it('rejects nested and unbalanced markers with 1-based line numbers', () => {
    const start = markerLine('start', 'python');
    const end = markerLine('end', 'python');
    expect(findBlocks([start, start, end, end].join('\n'), 'python')).toEqual({
      ok: false,
      reason: 'nested EVOLVE-BLOCK-START at line 2: the block opened at line 1 is not closed yet',
    });
    expect(findBlocks(['x', end].join('\n'), 'python')).toEqual({
      ok: false,
      reason: 'EVOLVE-BLOCK-END at line 2 has no EVOLVE-BLOCK-START before it',
    });
    expect(findBlocks([start, 'x'].join('\n'), 'python')).toEqual({
      ok: false,
      reason: 'EVOLVE-BLOCK-START at line 1 is never closed',
    });
  });

  it('writes markers in the language comment style', () => {
    expect(markerLine('start', 'python')).toBe('# EVOLVE-BLOCK-START');
    expect(markerLine('end', 'rust')).toBe('// EVOLVE-BLOCK-END');
  });
});
