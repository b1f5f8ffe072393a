import { z } from 'zod';

/** The languages a program genome can be written in. */
export const LANGUAGES = [
  'typescript',
  'javascript',
  'python',
  'c',
  'cpp',
  'cuda',
  'rust',
  'go',
  'java',
  'kotlin',
  'scala',
  'csharp',
  'swift',
  'shell',
  'julia',
  'r',
  'ruby',
  'perl',
  'lua',
  'haskell',
] as const;
export type Language = (typeof LANGUAGES)[number];

/** For config files (`evolve.yaml`): one of LANGUAGES. */
export const languageSchema = z.enum(LANGUAGES);

interface LanguageInfo {
  /** How the language is named to people and LLMs. */
  name: string;
  /** Line-comment opener the EVOLVE-BLOCK markers are written with. */
  comment: string;
  /** File extensions, lower case, without the dot. */
  extensions: readonly string[];
  /** Markdown fence info strings, lower case; the first is the one we write. */
  fenceTags: readonly string[];
}

const SLASHES = '//';
const HASH = '#';
const DASHES = '--';

const INFO: Record<Language, LanguageInfo> = {
  typescript: {
    name: 'TypeScript',
    comment: SLASHES,
    extensions: ['ts', 'mts', 'cts', 'tsx'],
    fenceTags: ['typescript', 'ts', 'tsx'],
  },
  javascript: {
    name: 'JavaScript',
    comment: SLASHES,
    extensions: ['js', 'mjs', 'cjs', 'jsx'],
    fenceTags: ['javascript', 'js', 'jsx', 'mjs', 'node'],
  },
  python: {
    name: 'Python',
    comment: HASH,
    extensions: ['py', 'pyw'],
    fenceTags: ['python', 'py', 'python3'],
  },
  c: { name: 'C', comment: SLASHES, extensions: ['c', 'h'], fenceTags: ['c', 'h'] },
  cpp: {
    name: 'C++',
    comment: SLASHES,
    extensions: ['cpp', 'cc', 'cxx', 'c++', 'hpp', 'hh', 'hxx'],
    fenceTags: ['cpp', 'c++', 'cxx', 'cc', 'hpp'],
  },
  cuda: {
    name: 'CUDA C++',
    comment: SLASHES,
    extensions: ['cu', 'cuh'],
    fenceTags: ['cuda', 'cu'],
  },
  rust: { name: 'Rust', comment: SLASHES, extensions: ['rs'], fenceTags: ['rust', 'rs'] },
  go: { name: 'Go', comment: SLASHES, extensions: ['go'], fenceTags: ['go', 'golang'] },
  java: { name: 'Java', comment: SLASHES, extensions: ['java'], fenceTags: ['java'] },
  kotlin: {
    name: 'Kotlin',
    comment: SLASHES,
    extensions: ['kt', 'kts'],
    fenceTags: ['kotlin', 'kt'],
  },
  scala: { name: 'Scala', comment: SLASHES, extensions: ['scala', 'sc'], fenceTags: ['scala'] },
  csharp: { name: 'C#', comment: SLASHES, extensions: ['cs'], fenceTags: ['csharp', 'cs', 'c#'] },
  swift: { name: 'Swift', comment: SLASHES, extensions: ['swift'], fenceTags: ['swift'] },
  shell: {
    name: 'shell',
    comment: HASH,
    extensions: ['sh', 'bash', 'zsh'],
    fenceTags: ['bash', 'sh', 'shell', 'zsh'],
  },
  julia: { name: 'Julia', comment: HASH, extensions: ['jl'], fenceTags: ['julia', 'jl'] },
  r: { name: 'R', comment: HASH, extensions: ['r'], fenceTags: ['r'] },
  ruby: { name: 'Ruby', comment: HASH, extensions: ['rb'], fenceTags: ['ruby', 'rb'] },
  perl: { name: 'Perl', comment: HASH, extensions: ['pl', 'pm'], fenceTags: ['perl', 'pl'] },
  lua: { name: 'Lua', comment: DASHES, extensions: ['lua'], fenceTags: ['lua'] },
  haskell: { name: 'Haskell', comment: DASHES, extensions: ['hs'], fenceTags: ['haskell', 'hs'] },
};

const BY_EXTENSION = new Map<string, Language>(
  LANGUAGES.flatMap((language) => INFO[language].extensions.map((ext) => [ext, language])),
);

/** The language a file is written in, from its extension (`src/place.py` → python); null if unknown. */
export function languageFromPath(path: string): Language | null {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return null;
  return BY_EXTENSION.get(base.slice(dot + 1).toLowerCase()) ?? null;
}

/** The line-comment opener of a language: `//`, `#` or `--`. */
export function commentPrefix(language: Language): string {
  return INFO[language].comment;
}

/** The language's name as people write it (`C++`, `TypeScript`). */
export function languageName(language: Language): string {
  return INFO[language].name;
}

/** Markdown fence info strings that denote the language; the first is the canonical one. */
export function fenceTags(language: Language): readonly string[] {
  return INFO[language].fenceTags;
}
