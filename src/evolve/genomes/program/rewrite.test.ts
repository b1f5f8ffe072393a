import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PatchResult } from './patch-result.js';
import { extractCodeBlock, spliceBlocks } from './rewrite.js';

function code(result: PatchResult): string {
  if (!result.ok) throw new Error(`splice failed: ${result.reason}`);
  return result.code;
}

function reason(result: PatchResult): string {
  if (result.ok) throw new Error('splice unexpectedly succeeded');
  return result.reason;
}

describe('extractCodeBlock', () => {
  it('prefers the block tagged with the language over a longer one', () => {
    const reply = [
      'Output looks like:',
      '```',
      'a much longer block of sample output that is not code at all',
      '```',
      'The program:',
      '```py',
      'x = 1',
      '```',
    ].join('\n');
    expect(extractCodeBlock(reply, 'python')).toBe('x = 1');
  });

  it('takes the longest tagged block, else the longest block', () => {
    const tagged =
      '```ts\nshort\n```\n```typescript\nlonger text\nhere\n```\n```\nthe longest block of all here\n```';
    expect(extractCodeBlock(tagged, 'typescript')).toBe('longer text\nhere');
    const untagged = '```\nsmall\n```\n~~~text\nlarger block\n~~~';
    expect(extractCodeBlock(untagged, 'typescript')).toBe('larger block');
  });

  it('keeps inner fences of a longer fence, and reads a fence cut off by the token limit', () => {
    const nested = '````python\ns = """\n```\n"""\n````';
    expect(extractCodeBlock(nested, 'python')).toBe('s = """\n```\n"""');
    expect(extractCodeBlock('Here:\n```python\nx = 1\ny = 2', 'python')).toBe('x = 1\ny = 2');
  });

  it('takes an unfenced reply with markers whole, and finds nothing in prose', () => {
    const bare = '# EVOLVE-BLOCK-START\nx = 2\n# EVOLVE-BLOCK-END';
    expect(extractCodeBlock(bare, 'python')).toBe(bare);
    expect(extractCodeBlock('I cannot improve this program.', 'python')).toBeNull();
  });
});

const PARENT = [
  '#!/usr/bin/env python3',
  'import math   ',
  '# EVOLVE-BLOCK-START',
  'def place(models):',
  '    return sorted(models)',
  '# EVOLVE-BLOCK-END',
  '',
  'def main():',
  '    # EVOLVE-BLOCK-START',
  '    n = 1',
  '    # EVOLVE-BLOCK-END',
  '    print(place([n]))',
  '',
].join('\n');

describe('spliceBlocks', () => {
  it('keeps the code outside the blocks byte for byte, taking each body from the rewrite', () => {
    const rewrite = [
      'import math',
      'import random  # the LLM also changed the imports',
      '# EVOLVE-BLOCK-START (placement)',
      'def place(models):',
      '    return sorted(models, reverse=True)',
      '# EVOLVE-BLOCK-END',
      'def main():',
      '  # EVOLVE-BLOCK-START',
      '    n = 2',
      '    m = 3',
      '  # EVOLVE-BLOCK-END',
      '  print("changed")',
    ].join('\n');
    expect(code(spliceBlocks(PARENT, rewrite, 'python'))).toBe(
      PARENT.replace('sorted(models)', 'sorted(models, reverse=True)').replace(
        '    n = 1\n',
        '    n = 2\n    m = 3\n',
      ),
    );
  });

  it('keeps CRLF line endings of the parent', () => {
    const parent = PARENT.replaceAll('\n', '\r\n');
    const rewrite = PARENT.replace('    n = 1', '    n = 7');
    expect(code(spliceBlocks(parent, rewrite, 'python'))).toBe(
      parent.replace('    n = 1', '    n = 7'),
    );
  });

  it('rejects a rewrite with a different number of blocks, broken markers or no change', () => {
    const oneBlock = PARENT.split('\n').slice(0, 6).join('\n');
    expect(reason(spliceBlocks(PARENT, oneBlock, 'python'))).toBe(
      'the rewritten program has 1 EVOLVE-BLOCK but the current program has 2 EVOLVE-BLOCKs; ' +
        'keep every EVOLVE-BLOCK-START / EVOLVE-BLOCK-END marker line',
    );
    expect(reason(spliceBlocks(PARENT, '# EVOLVE-BLOCK-END\n', 'python'))).toBe(
      "the rewritten program's EVOLVE-BLOCK markers are invalid: " +
        'EVOLVE-BLOCK-END at line 1 has no EVOLVE-BLOCK-START before it',
    );
    const outsideOnly = PARENT.replace('print(place([n]))', 'print(0)');
    expect(reason(spliceBlocks(PARENT, outsideOnly, 'python'))).toBe(
      'the rewrite leaves every EVOLVE-BLOCK body unchanged',
    );
    expect(reason(spliceBlocks('x = 1', PARENT, 'python'))).toBe(
      'the program has no EVOLVE-BLOCK, so no part of it may be rewritten',
    );
  });

  it('splices a crossover reply onto the primary parent', () => {
    const reply = [
      'Taking the reverse order from the other program:',
      '```python',
      PARENT.replace('sorted(models)', 'sorted(models)[::-1]').replace(
        '#!/usr/bin/env python3\n',
        '',
      ),
      '```',
    ].join('\n');
    const rewritten = extractCodeBlock(reply, 'python')!;
    expect(code(spliceBlocks(PARENT, rewritten, 'python'))).toBe(
      PARENT.replace('sorted(models)', 'sorted(models)[::-1]'),
    );
  });

  it('property: outside text comes from the parent, bodies from the rewrite', () => {
    const text = fc
      .array(
        fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, '.')),
        { maxLength: 4 },
      )
      .map((lines) => lines.map((l) => `${l}\n`).join(''));
    const program = (outside: string[], bodies: string[]): string =>
      bodies
        .map((body, k) => `${outside[k]}// EVOLVE-BLOCK-START\n${body}// EVOLVE-BLOCK-END\n`)
        .join('') + outside[bodies.length];
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 3 })
          .chain((blocks) =>
            fc.tuple(
              fc.array(text, { minLength: blocks + 1, maxLength: blocks + 1 }),
              fc.array(text, { minLength: blocks, maxLength: blocks }),
              fc.array(text, { minLength: blocks + 1, maxLength: blocks + 1 }),
              fc.array(text, { minLength: blocks, maxLength: blocks }),
            ),
          ),
        ([parentOutside, parentBodies, rewriteOutside, rewriteBodies]) => {
          const parent = program(parentOutside, parentBodies);
          const result = spliceBlocks(parent, program(rewriteOutside, rewriteBodies), 'typescript');
          const expected = program(parentOutside, rewriteBodies);
          if (expected === parent) expect(result.ok).toBe(false);
          else expect(code(result)).toBe(expected);
        },
      ),
    );
  });
});
