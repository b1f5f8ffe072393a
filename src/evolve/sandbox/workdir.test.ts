import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepStaleWorkdirs } from './workdir.js';

describe('sweepStaleWorkdirs', () => {
  it('removes only workdirs whose owner process has died', () => {
    const folder = mkdtempSync(join(tmpdir(), 'evoplace-sweep-'));
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const workdir = (name: string, owner: number | null): string => {
      const root = join(folder, name);
      mkdirSync(join(root, 'work'), { recursive: true });
      if (owner !== null) writeFileSync(join(root, 'owner.pid'), String(owner));
      return root;
    };
    workdir('evoplace-sandbox-dead', deadPid);
    workdir('evoplace-sandbox-alive', process.pid);
    workdir('evoplace-sandbox-unowned', null);
    workdir('other-dead', deadPid);
    const elsewhere = workdir('elsewhere', deadPid);
    symlinkSync(elsewhere, join(folder, 'evoplace-sandbox-link'));
    sweepStaleWorkdirs(folder);
    expect(readdirSync(folder).sort()).toEqual([
      'elsewhere',
      'evoplace-sandbox-alive',
      'evoplace-sandbox-link',
      'evoplace-sandbox-unowned',
      'other-dead',
    ]);
    expect(existsSync(join(elsewhere, 'work'))).toBe(true);
  });
});
