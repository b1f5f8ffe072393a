import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders, writeFileAtomic, writeFilesAtomic } from './atomic.js';
import { UserError } from './errors.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'evoplace-atomic-'));

describe('atomic writes', () => {
  it('writes every file, creating folders, and leaves no temporary file', () => {
    const root = dir();
    writeFilesAtomic([
      [join(root, 'a', 'x.txt'), 'x'],
      [join(root, 'y.txt'), 'y'],
    ]);
    expect(readFileSync(join(root, 'a', 'x.txt'), 'utf8')).toBe('x');
    writeFileAtomic(join(root, 'y.txt'), 'new');
    expect(readFileSync(join(root, 'y.txt'), 'utf8')).toBe('new');
    expect(readdirSync(root).sort()).toEqual(['a', 'y.txt']);
  });

  it('writes nothing when any target cannot be written, naming it (a user error)', () => {
    const root = dir();
    mkdirSync(join(root, 'frontier.svg'));
    writeFileSync(join(root, 'batch_64'), 'a file where a folder must be');
    for (const bad of [join(root, 'frontier.svg'), join(root, 'batch_64', 'summary.csv')]) {
      const files: [string, string][] = [
        [join(root, 'batch_32', 'summary.csv'), 'ok'],
        [bad, 'refused'],
      ];
      expect(() => writeFilesAtomic(files)).toThrow(UserError);
      expect(() => writeFilesAtomic(files)).toThrow(/cannot be written: /);
      expect(existsSync(join(root, 'batch_32'))).toBe(false);
    }
  });
});

describe('makeFolders', () => {
  it('makes missing parents, names a file in the way, and fails (not spins) under /proc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evoplace-folders-'));
    makeFolders(join(dir, 'a', 'b', 'c'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeFolders(join(dir, 'a'));
    writeFileSync(join(dir, 'file'), '');
    expect(() => makeFolders(join(dir, 'file', 'x', 'y'))).toThrow(
      `${join(dir, 'file')} is not a directory`,
    );
    // Node 20's recursive mkdir loops forever here.
    expect(() => makeFolders('/proc/evoplace-missing/x')).toThrow(/ENOENT/);
  });
});
