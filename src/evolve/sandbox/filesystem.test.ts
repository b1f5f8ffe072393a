import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathInstallations } from './filesystem.js';

describe('pathInstallations', () => {
  const root = mkdtempSync(join(tmpdir(), 'evoplace-path-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const folder = (...parts: string[]): string => {
    const path = join(root, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  };

  it('shows the prefix of an installation, only the programs of anything else', () => {
    const venvBin = folder('venv', 'bin');
    folder('venv', 'lib', 'python3.11');
    const pyenvShims = folder('pyenv', 'shims');
    folder('pyenv', 'libexec');
    const cargoBin = folder('cargo', 'bin');
    folder('cargo', 'registry');
    const path = [venvBin, pyenvShims, cargoBin, '/usr/bin', 'relative/bin', join(root, 'gone')];
    expect(pathInstallations(path.join(delimiter))).toEqual([
      join(root, 'venv'),
      join(root, 'pyenv'),
      cargoBin,
    ]);
  });

  it('never shows a home folder or / as a whole', () => {
    expect(pathInstallations(['/root/bin', '/bin'].join(delimiter))).not.toContain('/root');
    expect(pathInstallations('/usr/local/bin')).toEqual([]);
  });
});
