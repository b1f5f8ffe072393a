import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    writeFileSync(join(root, 'venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
    const pyenvShims = folder('pyenv', 'shims');
    folder('pyenv', 'libexec', 'pyenv');
    const pythonBin = folder('versions', '3.12.1', 'bin');
    folder('versions', '3.12.1', 'include', 'python3.12');
    const nodeBin = folder('nvm', 'v20.19.0', 'bin');
    folder('nvm', 'v20.19.0', 'include', 'node');
    const cargoBin = folder('cargo', 'bin');
    folder('cargo', 'registry');
    const path = [
      venvBin,
      pyenvShims,
      pythonBin,
      nodeBin,
      cargoBin,
      '/usr/bin',
      'relative/bin',
      join(root, 'gone'),
    ];
    expect(pathInstallations(path.join(delimiter))).toEqual([
      join(root, 'venv'),
      join(root, 'pyenv'),
      join(root, 'versions', '3.12.1'),
      join(root, 'nvm', 'v20.19.0'),
      cargoBin,
    ]);
  });

  it('a folder with lib/ beside bin/ is not an installation: its other files stay hidden', () => {
    // ~/.local after `pip install --user`, with credentials under share/.
    const localBin = folder('.local', 'bin');
    folder('.local', 'lib', 'python3.11', 'site-packages');
    folder('.local', 'share', 'app');
    writeFileSync(join(root, '.local', 'share', 'app', 'credentials'), 'token=secret\n');
    // A project whose own bin/ is on PATH (direnv), with lib/ and a .env.
    const projectBin = folder('project', 'bin');
    folder('project', 'lib');
    writeFileSync(join(root, 'project', '.env'), 'DB_PASSWORD=secret\n');
    expect(pathInstallations([localBin, projectBin].join(delimiter))).toEqual([
      localBin,
      projectBin,
    ]);
  });

  it('never shows a home folder or / as a whole', () => {
    expect(pathInstallations(['/root/bin', '/bin'].join(delimiter))).not.toContain('/root');
    expect(pathInstallations('/usr/local/bin')).toEqual([]);
  });
});
