import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FollowedLog } from './followed-log.js';

let dir: string;
let path: string;
const never = (): boolean => false;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evoplace-followed-log-'));
  path = join(dir, 'service.log');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FollowedLog', () => {
  it('returns only the lines written after it was made', () => {
    writeFileSync(path, 'old line\n');
    const log = new FollowedLog(path);
    expect(log.readLines(never)).toEqual([]);
    appendFileSync(path, 'first\nsecond\n');
    expect(log.readLines(never)).toEqual(['first', 'second']);
    expect(log.readLines(never)).toEqual([]);
  });

  it('keeps an unfinished line for the next read unless it is wanted now', () => {
    const log = new FollowedLog(path);
    appendFileSync(path, 'done\nhalf');
    expect(log.readLines(never)).toEqual(['done']);
    appendFileSync(path, ' a line\nCUDA out');
    expect(log.readLines((line) => line.startsWith('CUDA'))).toEqual(['half a line', 'CUDA out']);
    appendFileSync(path, ' of memory\n');
    expect(log.readLines(never)).toEqual([' of memory']);
  });

  it('reads a truncated or replaced log from its start, and one that appears later', () => {
    const log = new FollowedLog(path);
    expect(log.readLines(never)).toEqual([]);
    writeFileSync(path, 'created\n');
    expect(log.readLines(never)).toEqual(['created']);
    writeFileSync(path, 'cut\n');
    expect(log.readLines(never)).toEqual(['cut']);
    writeFileSync(join(dir, 'next.log'), 'rotated in, longer than before\n');
    renameSync(join(dir, 'next.log'), path);
    expect(log.readLines(never)).toEqual(['rotated in, longer than before']);
  });
});
