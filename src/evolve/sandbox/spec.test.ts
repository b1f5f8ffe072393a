import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { isInsidePath, validateSpec } from './spec.js';
import type { SandboxSpec } from './types.js';

const base: SandboxSpec = { argv: ['true'], timeoutMs: 1000, memoryMb: 64, maxOutputBytes: 100 };

describe('isInsidePath', () => {
  it('accepts relative paths that stay inside', () => {
    for (const path of ['a.txt', 'results/metrics.json', './x', 'a/./b']) {
      expect(isInsidePath(path)).toBe(true);
    }
  });

  it('refuses absolute paths, parent steps, empty names and NUL bytes', () => {
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a/..', '', '.', './', 'a\0b']) {
      expect(isInsidePath(path)).toBe(false);
    }
  });
});

describe('validateSpec', () => {
  it('passes a good spec through', () => {
    expect(validateSpec(base)).toEqual(base);
  });

  it('names the offending field of a bad spec', () => {
    const bad: [Partial<SandboxSpec>, RegExp][] = [
      [{ argv: [] }, /argv/],
      [{ timeoutMs: 0 }, /timeoutMs/],
      [{ memoryMb: 1.5 }, /memoryMb/],
      [{ maxOutputBytes: -1 }, /maxOutputBytes/],
      [{ maxProcesses: 0 }, /maxProcesses/],
      [{ maxProcesses: 2.5 }, /maxProcesses/],
      [{ files: { '../escape.txt': 'x' } }, /files/],
      [{ files: { '/tmp/abs.txt': 'x' } }, /files/],
      [{ readBack: ['ok.txt', '../../etc/passwd'] }, /readBack\[1\]/],
    ];
    for (const [change, field] of bad) {
      const error = captureError(() => validateSpec({ ...base, ...change }));
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).format()).toMatch(field);
    }
  });

  it('requires a node spec to run this Node binary', () => {
    expect(() => validateSpec({ ...base, argv: ['node', 'x.mjs'], node: {} })).toThrow(
      /process.execPath/,
    );
    expect(validateSpec({ ...base, argv: [process.execPath, 'x.mjs'], node: {} }).node).toEqual({});
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
