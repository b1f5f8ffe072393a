import { describe, expect, it } from 'vitest';
import {
  commentPrefix,
  fenceTags,
  languageFromPath,
  LANGUAGES,
  languageSchema,
} from './language.js';

describe('languages', () => {
  it.each([
    ['src/place.ts', 'typescript'],
    ['place.mjs', 'javascript'],
    ['tasks/circle/initial.py', 'python'],
    ['C:\\work\\kernel.CU', 'cuda'],
    ['a/b/solver.cpp', 'cpp'],
    ['solver.hpp', 'cpp'],
    ['solver.c', 'c'],
    ['lib.rs', 'rust'],
    ['main.go', 'go'],
    ['Main.java', 'java'],
    ['run.sh', 'shell'],
    ['model.jl', 'julia'],
    ['init.lua', 'lua'],
    ['analysis.R', 'r'],
  ] as const)('%s is %s', (path, language) => {
    expect(languageFromPath(path)).toBe(language);
  });

  it.each(['Makefile', 'notes.txt', '.py', 'dir.py/program', 'archive.tar.gz'])(
    '%s has no known language',
    (path) => {
      expect(languageFromPath(path)).toBeNull();
    },
  );

  it('comment prefixes follow each language', () => {
    expect(commentPrefix('typescript')).toBe('//');
    expect(commentPrefix('cpp')).toBe('//');
    expect(commentPrefix('python')).toBe('#');
    expect(commentPrefix('shell')).toBe('#');
    expect(commentPrefix('lua')).toBe('--');
    expect(commentPrefix('haskell')).toBe('--');
  });

  it('every language has a fence tag; the schema accepts exactly the languages', () => {
    for (const language of LANGUAGES) {
      expect(fenceTags(language).length).toBeGreaterThan(0);
      expect(languageSchema.parse(language)).toBe(language);
    }
    expect(languageSchema.safeParse('cobol').success).toBe(false);
  });
});
