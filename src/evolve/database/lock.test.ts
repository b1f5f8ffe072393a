import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, runLockHolder } from './lock.js';

const dbPath = (): string => join(mkdtempSync(join(tmpdir(), 'evoplace-lock-')), 'run.db');

describe('the run lock', () => {
  it('is taken, released, and refused while another live process holds it', () => {
    const db = dbPath();
    const release = acquireRunLock(db);
    expect(readFileSync(`${db}.lock`, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(`${db}.lock`)).toBe(false);
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(`${db}.lock`, String(other.pid));
      expect(() => acquireRunLock(db)).toThrow(
        new RegExp(`is being run by another evoplace process \\(pid ${other.pid}\\)`),
      );
    } finally {
      other.kill();
    }
  });

  it('is taken over from a process that is gone (killed mid-run)', () => {
    const db = dbPath();
    const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    writeFileSync(`${db}.lock`, gone);
    const release = acquireRunLock(db);
    expect(readFileSync(`${db}.lock`, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('names its holder and whether that process is alive', () => {
    const db = dbPath();
    expect(runLockHolder(db)).toBeNull();
    const release = acquireRunLock(db);
    expect(runLockHolder(db)).toEqual({ pid: process.pid, alive: true });
    release();
    const gone = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
    writeFileSync(`${db}.lock`, String(gone));
    expect(runLockHolder(db)).toEqual({ pid: gone, alive: false });
    writeFileSync(`${db}.lock`, 'not a pid');
    expect(runLockHolder(db)).toBeNull();
  });
});
